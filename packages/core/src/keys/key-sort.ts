/**
 * Sorting encoded keys. Flush sorts every generation by key, so this is on the
 * flush path: fixed-width keys (every integer, float, date or timestamp key) are
 * sorted with an LSD radix sort over typed arrays — no comparator calls, no garbage;
 * variable-width keys fall back to a comparison sort over the shared arena.
 */
import { compareBytes } from './pk-encoding.js';

/**
 * Returns `ids` reordered so that the keys they name ascend in unsigned byte order.
 * Key `id` is `arena[offsets[id], offsets[id+1])`.
 *
 * @example
 * ```ts
 * const { bytes: arena, offsets, count: n } = encodeKeys(batch, table.primaryKey);
 * const order = sortKeyIds(arena, offsets, Uint32Array.from({ length: n }, (_, i) => i));
 * ```
 */
export function sortKeyIds(arena: Uint8Array, offsets: ArrayLike<number>, ids: Uint32Array): Uint32Array {
  // keys often arrive in order (sequence numbers, timestamps): one pass proves it
  if (isAscending(arena, offsets, ids)) return ids.slice();
  const width = commonWidth(offsets, ids);
  if (width > 0 && width <= 32) return radixSort(arena, offsets, ids, width);
  return Uint32Array.from(Array.from(ids).sort((a, b) => compareBytes(arena, offsets[a], offsets[a + 1], arena, offsets[b], offsets[b + 1])));
}

function commonWidth(offsets: ArrayLike<number>, ids: Uint32Array): number {
  if (ids.length === 0) return 0;
  const w = offsets[ids[0] + 1] - offsets[ids[0]];
  for (let i = 1; i < ids.length; i++) if (offsets[ids[i] + 1] - offsets[ids[i]] !== w) return -1;
  return w;
}

function isAscending(arena: Uint8Array, offsets: ArrayLike<number>, ids: Uint32Array): boolean {
  for (let i = 1; i < ids.length; i++) {
    const a = ids[i - 1];
    const b = ids[i];
    if (compareBytes(arena, offsets[a], offsets[a + 1], arena, offsets[b], offsets[b + 1]) > 0) return false;
  }
  return true;
}

/** Which byte positions differ between some keys (one pass), so the sort skips the constant ones. */
function varyingBytes(arena: Uint8Array, offsets: ArrayLike<number>, ids: Uint32Array, width: number): Uint8Array {
  const varies = new Uint8Array(width);
  const first = offsets[ids[0]];
  for (let i = 1; i < ids.length; i++) {
    const p = offsets[ids[i]];
    for (let k = 0; k < width; k++) varies[k] |= arena[p + k] ^ arena[first + k];
  }
  return varies;
}

function radixSort(arena: Uint8Array, offsets: ArrayLike<number>, ids: Uint32Array, width: number): Uint32Array {
  let src = Uint32Array.from(ids);
  let dst = new Uint32Array(ids.length);
  const counts = new Uint32Array(257);
  const varies = varyingBytes(arena, offsets, ids, width);
  for (let byte = width - 1; byte >= 0; byte--) {
    if (varies[byte] === 0) continue; // every key has the same byte here: the pass would not move anything
    counts.fill(0);
    for (let i = 0; i < src.length; i++) counts[arena[offsets[src[i]] + byte] + 1]++;
    if (counts[arena[offsets[src[0]] + byte] + 1] === src.length) continue; // all equal: pass is a no-op
    for (let d = 0; d < 256; d++) counts[d + 1] += counts[d];
    for (let i = 0; i < src.length; i++) dst[counts[arena[offsets[src[i]] + byte]]++] = src[i];
    [src, dst] = [dst, src];
  }
  return src;
}
