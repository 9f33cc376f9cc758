/**
 * Publishing a data file and its key index, the step before a manifest names them
 * (DESIGN.md invariant 7, "Publish last"; Lance #9035 publishes too early).
 *
 * The flush, bulk ingest and compaction's base files all write the same pair: the
 * Parquet data file, then its primary-key index beside it (`keyIndexPathFor`), each
 * created put-if-absent under a name fresh for this attempt (a random directory or
 * UUID). Only when both exist does the caller commit the manifest that names them,
 * so a reader never finds a named file missing, and a crash in between leaves
 * orphans no version names (GC removes them), never a half-published generation.
 *
 * Because the names are fresh, "already exists" can only be a name collision with
 * some other object: it is refused with `AlreadyExistsError` (nothing is overwritten)
 * and the caller's attempt fails; a retry picks a new name.
 */
import { AlreadyExistsError } from '../errors.js';
import { crc32 } from './crc32.js';
import { keyIndexPathFor } from '../layout/layout.js';
import type { ObjectStore } from '../store/object-store.js';

/**
 * A data file and its key index, ready to publish.
 *
 * @example
 * ```ts
 * declare const parquet: Uint8Array, indexBytes: Uint8Array;
 * const files: DataFileToPublish = { dataPath: 'base/data/u.parquet', data: parquet, keyIndex: indexBytes };
 * ```
 */
export interface DataFileToPublish {
  /** Where the data file goes: a name fresh for this attempt. */
  readonly dataPath: string;
  readonly data: Uint8Array;
  /** The encoded key index (`encodeKeyIndex`); absent on append-only tables. */
  readonly keyIndex?: Uint8Array;
  /** Where the key index goes; default `keyIndexPathFor(dataPath)`. */
  readonly keyIndexPath?: string;
  /** What the caller does about a name collision, for the `AlreadyExistsError` message. */
  readonly onCollision?: string;
  /** Runs after the data file is created, before the key index (the flush's failpoint). */
  readonly afterData?: () => void;
}

/**
 * What {@link publishDataFile} created.
 *
 * @example
 * ```ts
 * declare const files: DataFileToPublish;
 * const { keyIndexPath, bytesWritten, checksum } = await publishDataFile(store, files);
 * ```
 */
export interface PublishedDataFile {
  /** The key index's path, undefined when there was none. */
  readonly keyIndexPath: string | undefined;
  /** Bytes of the data file and key index together. */
  readonly bytesWritten: number;
  /**
   * CRC-32 of the data file: the manifest entry naming it records this as `checksum`
   * (with `bytes` its size), and every read of the file checks both (`FileReader.dataFile`).
   */
  readonly checksum: number;
}

const DEFAULT_ON_COLLISION = 'the name is fresh per attempt, so this is a name collision: retry the operation';

/**
 * Creates the data file, then its key index, each put-if-absent (see the module doc).
 * Throws `AlreadyExistsError` naming the path if either already exists; a store
 * error propagates. Either way nothing names the files yet: the caller does not commit.
 *
 * @example
 * ```ts
 * declare const parquet: Uint8Array, index: KeyIndex;
 * const { keyIndexPath, checksum } = await publishDataFile(table.store, {
 *   dataPath: layout.baseDataFile(), data: parquet, keyIndex: encodeKeyIndex(index),
 *   onCollision: 'run the compaction again',
 * });
 * // only now: commit the manifest version naming dataPath and keyIndexPath (with bytes and checksum)
 * ```
 */
export async function publishDataFile(store: ObjectStore, files: DataFileToPublish): Promise<PublishedDataFile> {
  const onCollision = files.onCollision ?? DEFAULT_ON_COLLISION;
  const checksum = crc32(files.data);
  await createOnce(store, files.dataPath, files.data, onCollision);
  files.afterData?.();
  if (files.keyIndex === undefined) return { keyIndexPath: undefined, bytesWritten: files.data.byteLength, checksum };
  const keyIndexPath = files.keyIndexPath ?? keyIndexPathFor(files.dataPath);
  await createOnce(store, keyIndexPath, files.keyIndex, onCollision);
  return { keyIndexPath, bytesWritten: files.data.byteLength + files.keyIndex.byteLength, checksum };
}

async function createOnce(store: ObjectStore, path: string, bytes: Uint8Array, onCollision: string): Promise<void> {
  if ((await store.putIfAbsent(path, bytes)) === 'exists') throw new AlreadyExistsError(path, onCollision);
}
