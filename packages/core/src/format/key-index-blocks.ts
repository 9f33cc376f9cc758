/**
 * The blocked key index, frame `FTK3`: the sorted keys of a data file cut into small
 * blocks (key-block.ts), each verified by its own CRC-32, behind a header and a
 * directory that a lookup reads once. The directory holds each block's fence key (its
 * first key), its last key (so [fence, last] is the block's key-range filter), its key
 * count and its byte length, so a lookup of k keys reads the directory and then only
 * the <= k blocks whose range holds one of its keys, with ranged reads.
 *
 * Layout (little-endian; varint = unsigned LEB128 below 2^32):
 *
 *   header, 32 bytes:
 *     0  "FTK3"
 *     4  u32 CRC-32 of bytes [8, 32 + D): the rest of the header and the directory
 *     8  u32 D, directory bytes
 *    12  u32 B, block count
 *    16  u32 N, key count (the sum of the block counts)
 *    20  u32 K, key bytes (the sum of all key lengths; sizes a whole decode)
 *    24  u32 L, bytes of all blocks (each block's length includes its CRC)
 *    28  u32 0 (reserved; anything else is refused)
 *   directory, D bytes: B entries of
 *     varint fenceShared, varint fenceSuffixLength, suffix   fence key, prefix-coded on the previous fence
 *     varint lastShared, varint lastSuffixLength, suffix     last key, prefix-coded on this block's fence
 *     varint count (>= 1), varint length (bytes of the block, CRC included)
 *   blocks, L bytes: block i starts at 32 + D + the lengths of blocks 0..i-1.
 *
 * The object is exactly 32 + D + L bytes. Keys are prefix-coded rather than compressed:
 * sorted keys share most of their bytes, so this is smaller than the brotli of `FTK2`
 * for integer keys, costs nothing to write, and any block decodes alone.
 */
import { CorruptEntryError } from '../errors.js';
import { compareBytes } from '../keys/pk-encoding.js';
import { crc32 } from './crc32.js';
import { ByteReader, ByteWriter } from './key-block-bytes.js';
import { BLOCK_MAX_KEY_BYTES, BLOCK_MAX_KEYS, encodeBlock, sharedPrefix } from './key-block.js';
import type { KeyIndex } from './key-index.js';

/** `FTK3` as bytes. */
export const MAGIC_FTK3 = [0x46, 0x54, 0x4b, 0x33];
/** Bytes of the fixed header. */
export const FTK3_HEADER = 32;
/** Largest directory or key-byte total accepted (1 GiB): far above any real index, below a heap abort. */
export const MAX_BYTES = 1 << 30;

/**
 * True when `b` starts with the `FTK3` magic.
 *
 * @example
 * ```ts
 * if (isBlockedKeyIndex(head)) readDirectory(head, path);
 * ```
 */
export function isBlockedKeyIndex(b: Uint8Array): boolean {
  return b.length >= 4 && MAGIC_FTK3.every((x, i) => b[i] === x);
}

/**
 * Writes `index` as an `FTK3` object; `maxKeys` (tests) makes blocks smaller.
 *
 * @example
 * ```ts
 * await store.putIfAbsent(indexPath, encodeBlockedKeyIndex(index));
 * ```
 */
export function encodeBlockedKeyIndex(index: KeyIndex, maxKeys = BLOCK_MAX_KEYS): Uint8Array {
  const n = index.count;
  const ko = index.keyOffsets;
  const dir = new ByteWriter(64 + (n >> 2));
  const body = new ByteWriter(64 + n * 4 + ko[n]);
  let blocks = 0;
  for (let start = 0, prevFence = -1; start < n; blocks++) {
    let end = start + 1;
    while (end < n && end - start < maxKeys && ko[end] - ko[start] < BLOCK_MAX_KEY_BYTES) end++;
    const from = body.at;
    encodeBlock(body, index, start, end);
    writeKey(dir, index, start, prevFence);
    writeKey(dir, index, end - 1, start);
    dir.varint(end - start);
    dir.varint(body.at - from);
    prevFence = start;
    start = end;
  }
  const d = dir.finish();
  const l = body.finish();
  if (FTK3_HEADER + d.length + l.length > MAX_BYTES) throw new RangeError(`key index of ${d.length + l.length} bytes exceeds ${MAX_BYTES}`);
  const out = new Uint8Array(FTK3_HEADER + d.length + l.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC_FTK3, 0);
  [d.length, blocks, n, ko[n] - ko[0], l.length, 0].forEach((v, i) => view.setUint32(8 + 4 * i, v, true));
  out.set(d, FTK3_HEADER);
  out.set(l, FTK3_HEADER + d.length);
  view.setUint32(4, crc32(out, 8, FTK3_HEADER + d.length), true);
  return out;
}

/** Key `i`, prefix-coded on key `ref` (-1: none). */
function writeKey(w: ByteWriter, index: KeyIndex, i: number, ref: number): void {
  const kb = index.keyBytes;
  const ko = index.keyOffsets;
  const shared = ref < 0 ? 0 : sharedPrefix(kb, ko[ref], ko[ref + 1], kb, ko[i], ko[i + 1]);
  w.varint(shared);
  w.varint(ko[i + 1] - ko[i] - shared);
  w.bytes(kb, ko[i] + shared, ko[i + 1]);
}

/** The fixed header of an `FTK3` object. */
export interface BlockedHeader {
  readonly directoryBytes: number;
  readonly blockCount: number;
  readonly keyCount: number;
  readonly keyBytes: number;
  readonly bodyBytes: number;
}

/**
 * Reads the header (not yet verified: its CRC also covers the directory, see
 * {@link readDirectory}); sizes are bounded before anything is allocated by them.
 *
 * @example
 * ```ts
 * const h = readHeader(head, path);
 * const rest = FTK3_HEADER + h.directoryBytes - head.length; // bytes still to fetch
 * ```
 */
export function readHeader(b: Uint8Array, path: string): BlockedHeader {
  const r = new ByteReader(b, 4, b.length, path);
  if (b.length < FTK3_HEADER) throw r.fail(`header cut short (${b.length} of ${FTK3_HEADER} bytes)`);
  if (!isBlockedKeyIndex(b)) throw r.fail('does not start with "FTK3"');
  r.u32('header checksum');
  const [directoryBytes, blockCount, keyCount, keyBytes, bodyBytes, reserved] = [0, 1, 2, 3, 4, 5].map(() => r.u32('header'));
  if (reserved !== 0) throw r.fail(`header has reserved field ${reserved} (not 0)`);
  if (directoryBytes > MAX_BYTES || keyBytes > MAX_BYTES || bodyBytes > MAX_BYTES) throw r.fail('header declares more than 1 GiB');
  // every directory entry takes >= 6 bytes and every block >= 10: counts are bounded by bytes actually stored
  if (blockCount * 6 > directoryBytes || blockCount * 10 > bodyBytes || keyCount < blockCount || keyCount * 2 > bodyBytes) {
    throw r.fail(`header counts (${blockCount} blocks, ${keyCount} keys) do not fit its sizes`);
  }
  return { directoryBytes, blockCount, keyCount, keyBytes, bodyBytes };
}

