/**
 * A key index must be the index of the data file whose manifest entry names it. Its CRCs
 * prove its bytes are as written, not that they belong here: a valid index of another file
 * put at this path (a swapped or misnamed object) would make lookups find rows the file does
 * not hold, or miss rows it does. So before an index is used, its key count is checked
 * against the entry's `rows` (a data file holds one row per key) and its first and last key
 * against the entry's `pkMin` / `pkMax`.
 */
import { CorruptEntryError } from '../errors.js';
import { keyRangeOf } from '../keys/key-range.js';
import { compareBytes, keyToHex } from '../keys/pk-encoding.js';
import type { DataFile } from '../manifest/manifest-schemas.js';
import type { KeyIndex } from '../format/key-index.js';

/** A key as a span of a buffer. */
export type KeySpan = readonly [bytes: Uint8Array, start: number, end: number];

/**
 * Throws `CorruptEntryError` naming the index unless it holds `count` keys from `first` to
 * `last` as `file`'s entry says (an empty index: no span).
 *
 * @example
 * ```ts
 * checkIndexIdentity(file, index.count, [index.keyBytes, 0, index.keyOffsets[1]], [index.keyBytes, index.keyOffsets[n - 1], index.keyOffsets[n]]);
 * ```
 */
export function checkIndexIdentity(file: Pick<DataFile, 'path' | 'rows' | 'keyIndexPath' | 'pkMin' | 'pkMax'>, count: number, first: KeySpan | undefined, last: KeySpan | undefined): void {
  const fail = (what: string) => {
    throw new CorruptEntryError(file.keyIndexPath ?? file.path, `key index does not belong to ${file.path}: ${what} (an index of another file, or a damaged manifest entry); run \`freshtier verify\``);
  };
  if (count !== file.rows) fail(`it holds ${count} keys, the data file ${file.rows} rows`);
  const range = keyRangeOf(file as DataFile);
  if (!range || !first || !last) return;
  if (!equal(first, range.min)) fail(`its first key is ${hex(first)}, the entry's pkMin ${keyToHex(range.min)}`);
  if (!equal(last, range.max)) fail(`its last key is ${hex(last)}, the entry's pkMax ${keyToHex(range.max)}`);
}

/**
 * {@link checkIndexIdentity} for a whole decoded index.
 *
 * @example
 * ```ts
 * checkWholeIndex(file, decodeKeyIndex(bytes, file.keyIndexPath!));
 * ```
 */
export function checkWholeIndex(file: Parameters<typeof checkIndexIdentity>[0], index: KeyIndex): void {
  const { count: n, keyBytes, keyOffsets: o } = index;
  checkIndexIdentity(file, n, n ? [keyBytes, o[0], o[1]] : undefined, n ? [keyBytes, o[n - 1], o[n]] : undefined);
}

function equal([b, s, e]: KeySpan, key: Uint8Array): boolean {
  return compareBytes(b, s, e, key, 0, key.length) === 0;
}

function hex([b, s, e]: KeySpan): string {
  return keyToHex(b.subarray(s, e));
}
