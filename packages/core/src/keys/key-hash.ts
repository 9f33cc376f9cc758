/**
 * The hash `KeyMap` probes with: MurmurHash3 (x86, 32-bit) over the encoded key.
 * Most tables key on one integer, date or timestamp column, so most keys are
 * 4 or 8 bytes: reading them as 32-bit words costs a few multiplies per key
 * instead of FNV's one dependent multiply per byte (`hashBytes`).
 *
 * For in-memory maps only. Shard placement uses `hashBytes`, which is pinned
 * (stored data depends on it); this hash may change between versions.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Little-endian 32-bit word at `bytes[p, p+4)` (byte reads: `p` need not be aligned). */
function word(bytes: Uint8Array, p: number): number {
  return bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
}

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/**
 * Hash of the key `bytes[s, e)` for `KeyMap`: a non-negative 30-bit integer. 30 bits, not 32,
 * so the value is a small integer to V8: a larger one is boxed (a heap allocation) each time
 * it crosses a call, and a map probing millions of keys would churn the young generation.
 *
 * @example
 * ```ts
 * const keys = encodeKeys(batch, table.primaryKey);
 * const map = new KeyMap(1);
 * const h = hashKey(keys.bytes, keys.offsets[0], keys.offsets[1]);
 * map.find(keys.bytes, keys.offsets[0], keys.offsets[1], h);
 * ```
 */
export function hashKey(bytes: Uint8Array, s: number, e: number): number {
  let h = 0x9747b28c;
  let p = s;
  for (; p + 4 <= e; p += 4) {
    h ^= mixK(word(bytes, p));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (e - p) {
    case 3: k ^= bytes[p + 2] << 16; // falls through
    case 2: k ^= bytes[p + 1] << 8; // falls through
    case 1: h ^= mixK(k ^ bytes[p]);
  }
  h ^= e - s;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 2;
}
