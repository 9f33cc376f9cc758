/**
 * The table's storage layout (DESIGN.md "Storage layout"). Every path the engine
 * writes, reads or deletes is built here, relative to the table root, and
 * {@link parseKey} (`layout.parse`, layout-parse.ts) says what any of them is:
 * this folder is the one place that knows the names.
 *
 * ```
 * _table.json
 * base/_manifests/v<20 digits>.json  (+ _latest, the newest-version hint)
 * base/data/<uuid>.parquet (+ <uuid>.keys.ftk)
 * shards/<id>/_manifests/v<20 digits>.json  (+ _latest)
 * shards/<id>/wal/<20 digits>.ftw                                       (`.arrow` in tables of format version 1)
 * shards/<id>/wal-quarantine/<20 digits>-by-epoch-<epoch>.ftw          a damaged WAL entry `repair` set aside (its repair's epoch)
 * shards/<id>/gen-<g>-e<epoch>-<rand>/data.parquet (+ data.keys.ftk)   a flush of the writer of <epoch>
 * shards/<id>/ingest-e<epoch>-<uuid>/data.parquet (+ data.keys.ftk)    an ingest of the writer of <epoch>
 * _tags/<name>.json
 * ```
 *
 * Key indexes are `FTK3` (older: `FTK2`) frames, not Arrow IPC files, so they end in `.keys.ftk`; tables
 * written before that name have `.keys.arrow` key indexes, which stay readable (readers
 * follow the manifest's `keyIndexPath`, and `layout.parse` knows both names). WAL entries
 * are `FTW1` frames, named `.ftw` in tables of format version 2 and `.arrow` in tables of
 * version 1, for the table's whole life: a WAL position is claimed by creating exactly this
 * name (put-if-absent is what fences a writer, invariant 8), so one table must never see two
 * names, or a writer could take a position a fence already holds under the other name. The
 * suffix is therefore a property of the table (`table.walSuffix`), passed to every WAL path.
 *
 * The writer's epoch in a generation or ingest directory name is what lets GC tell
 * files a live writer may still publish from those of a fenced one
 * (docs/base-table.md "GC"). GC deletes nothing `layout.parse` does not recognise.
 */
import { randomUUID } from 'node:crypto';
import { parseKey } from './layout-parse.js';

/** Zero-pads a non-negative integer to 20 digits, so lexicographic order is numeric order. */
export function pad20(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
  return String(n).padStart(20, '0');
}

/** The data file of a generation or ingest directory (its key index sits beside it, {@link keyIndexPathFor}). */
const DATA_FILE = 'data.parquet';

const shardDir = (shard: number) => `shards/${shard}/`;
const generationDir = (shard: number, generation: number, epoch: number) => `${shardDir(shard)}gen-${nat(generation)}-e${nat(epoch)}-${randomUUID().slice(0, 8)}/`;
const ingestDir = (shard: number, epoch: number) => `${shardDir(shard)}ingest-e${nat(epoch)}-${randomUUID()}/`;
const walDir = (shard: number) => `${shardDir(shard)}wal/`;
const baseDataDir = 'base/data/';

/**
 * The file suffix of a table's WAL entries: `.ftw` (format version 2), `.arrow` (version 1).
 *
 * @example
 * ```ts
 * const suffix: WalSuffix = table.walSuffix; // '.ftw' for a table this build created
 * ```
 */
export type WalSuffix = '.ftw' | '.arrow';

/**
 * The WAL suffix of a `_table.json` format version.
 *
 * @example
 * ```ts
 * walSuffixOf(2); // '.ftw'
 * ```
 */
export function walSuffixOf(tableFormatVersion: number): WalSuffix {
  return tableFormatVersion >= 2 ? '.ftw' : '.arrow';
}

/**
 * Table layout paths: every name the engine writes, reads or deletes.
 *
 * @example
 * ```ts
 * layout.walEntry(0, 12, '.ftw');          // 'shards/0/wal/00000000000000000012.ftw'
 * layout.walQuarantine(0, 12, 3, '.ftw');  // 'shards/0/wal-quarantine/00000000000000000012-by-epoch-3.ftw'
 * layout.parse(layout.tag('x'));   // { kind: 'tag', name: 'x' }
 * ```
 */
export const layout = {
  tableDoc: '_table.json',
  baseManifests: 'base/_manifests/',
  /** Everything of one shard (manifests, WAL, generation and ingest files) is under this prefix. */
  shardDir,
  shardManifests: (shard: number) => `${shardDir(shard)}_manifests/`,
  manifest: (dir: string, version: number) => `${dir}v${pad20(version)}.json`,
  /** The best-effort newest-version hint of a manifest directory (ManifestStore). */
  manifestHint: (dir: string) => `${dir}_latest`,
  walDir,
  /** The WAL entry at `position`; `suffix` is the table's (`table.walSuffix`). */
  walEntry: (shard: number, position: number, suffix: WalSuffix) => `${walDir(shard)}${pad20(position)}${suffix}`,
  /** Where `repair` (the writer of `epoch`) sets aside the damaged WAL entry at `position`. */
  walQuarantine: (shard: number, position: number, epoch: number, suffix: WalSuffix) => `${shardDir(shard)}wal-quarantine/${pad20(position)}-by-epoch-${nat(epoch)}${suffix}`,
  /** A fresh directory for one flush attempt of `generation` by the writer of `epoch`. */
  generationDir,
  /** The data file of a fresh {@link layout.generationDir}. */
  generationFile: (shard: number, generation: number, epoch: number) => generationDir(shard, generation, epoch) + DATA_FILE,
  /** A fresh directory for one bulk ingest by the writer of `epoch` (its generation is taken at the commit). */
  ingestDir,
  /** The data file of a fresh {@link layout.ingestDir}. */
  ingestFile: (shard: number, epoch: number) => ingestDir(shard, epoch) + DATA_FILE,
  baseDataDir,
  baseDataFile: () => `${baseDataDir}${randomUUID()}.parquet`,
  tag: (name: string) => `_tags/${name}.json`,
  tagsDir: '_tags/',
  /** What a key is (see {@link parseKey}), or undefined for a name freshtier does not write. */
  parse: parseKey,
} as const;

/** A name part must read back as the number it was made from. */
function nat(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
  return n;
}

/**
 * The key index file beside a data file, for a new data file (`.keys.ftk`: an `FTK3`
 * frame, see key-index-blocks.ts). An existing file's key index is wherever its manifest
 * entry's `keyIndexPath` says: tables written before this name use `.keys.arrow`.
 *
 * @example
 * ```ts
 * keyIndexPathFor('base/data/u.parquet'); // 'base/data/u.keys.ftk'
 * ```
 */
export function keyIndexPathFor(dataPath: string): string {
  return dataPath.replace(/\.parquet$/, '') + '.keys.ftk';
}

/** Parses a version number out of a manifest key, or undefined if it is not one. */
export function parseManifestVersion(key: string): number | undefined {
  const m = /\/v(\d{20})\.json$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/**
 * Parses a WAL position out of a WAL entry key with the table's `suffix`, or undefined.
 *
 * @example
 * ```ts
 * parseWalPosition('shards/0/wal/00000000000000000012.ftw', '.ftw'); // 12
 * parseWalPosition('shards/0/wal/00000000000000000012.arrow', '.ftw'); // undefined
 * ```
 */
export function parseWalPosition(key: string, suffix: WalSuffix): number | undefined {
  const m = /\/wal\/(\d{20})(\.ftw|\.arrow)$/.exec(key);
  return m && m[2] === suffix ? Number(m[1]) : undefined;
}

/**
 * Why `path`, read from a stored document (a manifest's data file or key index), cannot
 * name an object under the table root — or undefined if it can. Refused shapes: empty,
 * absolute, a backslash, a NUL, an empty, `.` or `..` segment (the same rule object
 * stores apply to keys, checked when the document is loaded, before any path is used).
 *
 * @example
 * ```ts
 * storedPathProblem('base/data/x.parquet'); // undefined
 * storedPathProblem('../../etc/passwd');    // 'it has a ".." segment, …'
 * ```
 */
export function storedPathProblem(path: string): string | undefined {
  if (path === '') return 'it is empty';
  if (path.includes('\0')) return 'it holds a NUL character';
  if (path.includes('\\')) return 'it holds a backslash';
  if (path.startsWith('/')) return 'it is absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return 'it has a ".." segment, which would leave the table root';
  if (segments.includes('.')) return 'it has a "." segment';
  if (segments.includes('')) return 'it has an empty segment';
  return undefined;
}
