/**
 * Key ranges of data files: the manifest records each file's smallest and largest
 * primary key (`pkMin`/`pkMax`, hex of the encoded key bytes), so reads and
 * compaction can skip a file without fetching it. Decoding the hex once per
 * manifest entry matters on hot lookups, so ranges are cached per `DataFile` object
 * (entries are immutable once loaded).
 */
import type { DataFile } from '../manifest/manifest-schemas.js';
import { compareBytes } from './pk-encoding.js';

/**
 * A file's key range as encoded key bytes (from the manifest's hex `pkMin`/`pkMax`).
 *
 * @example
 * ```ts
 * declare const file: DataFile;
 * const { min, max }: KeyRange = keyRangeOf(file)!;
 * ```
 */
export interface KeyRange {
  readonly min: Uint8Array;
  readonly max: Uint8Array;
}

const ranges = new WeakMap<DataFile, KeyRange | null>();

/**
 * The encoded key range of a data file, or undefined when the manifest has none.
 *
 * @example
 * ```ts
 * declare const file: DataFile;
 * const key = encodeKeys(keyBatch, table.primaryKey).bytes; // one key
 * const r = keyRangeOf(file);
 * if (r && !keyInRange(r, key, 0, key.length)) console.log('the key is not in', file.path);
 * ```
 */
export function keyRangeOf(file: DataFile): KeyRange | undefined {
  let r = ranges.get(file);
  if (r === undefined) {
    r = file.pkMin !== undefined && file.pkMax !== undefined ? { min: hexBytes(file.pkMin), max: hexBytes(file.pkMax) } : null;
    ranges.set(file, r);
  }
  return r ?? undefined;
}

/**
 * Whether key `bytes[s, e)` lies within `range` (inclusive).
 *
 * @example
 * ```ts
 * declare const file: DataFile;
 * const { min, max } = keyRangeOf(file)!;
 * const keys = encodeKeys(keyBatch, table.primaryKey);
 * const i = 0;
 * keyInRange({ min, max }, keys.bytes, keys.offsets[i], keys.offsets[i + 1]);
 * ```
 */
export function keyInRange(range: KeyRange, bytes: Uint8Array, s: number, e: number): boolean {
  return compareBytes(range.min, 0, range.min.length, bytes, s, e) <= 0 && compareBytes(bytes, s, e, range.max, 0, range.max.length) <= 0;
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
