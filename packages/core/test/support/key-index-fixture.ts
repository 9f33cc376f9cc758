/**
 * Key indexes built by hand for the key-index tests: entries sorted and deduplicated by key
 * (the last entry of a key wins), as an index file holds them.
 *
 * @example
 * ```ts
 * const ix = indexOf([{ key: new Uint8Array([1]), row: 0, firstBatch: 0, tombstone: false }]);
 * ```
 */
import type { KeyIndex } from '../../src/format/key-index.js';
import { compareBytes } from '../../src/keys/pk-encoding.js';

/** One key's entry. */
export interface Entry { key: Uint8Array; row: number; firstBatch: number; tombstone: boolean }

/** Lowercase hex of bytes (a map key for encoded keys). */
export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A KeyIndex of `entries`; `positions`: each entry's row is its position in key order. */
export function indexOf(entries: Entry[], positions = false): KeyIndex {
  const sorted = [...new Map(entries.map((e) => [hex(e.key), e])).values()].sort((a, b) => compareBytes(a.key, 0, a.key.length, b.key, 0, b.key.length));
  const keyOffsets = new Int32Array(sorted.length + 1);
  sorted.forEach((e, i) => (keyOffsets[i + 1] = keyOffsets[i] + e.key.length));
  const keyBytes = new Uint8Array(keyOffsets[sorted.length]);
  sorted.forEach((e, i) => keyBytes.set(e.key, keyOffsets[i]));
  return {
    count: sorted.length, keyBytes, keyOffsets,
    rows: Uint32Array.from(sorted, (e, i) => (positions ? i : e.row)),
    firstBatch: Int32Array.from(sorted, (e) => e.firstBatch),
    tombstone: Uint8Array.from(sorted, (e) => (e.tombstone ? 1 : 0)),
  };
}
