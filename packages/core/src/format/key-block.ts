/**
 * One block of a blocked key index (`FTK3`, key-index-blocks.ts): up to
 * {@link BLOCK_MAX_KEYS} consecutive keys of the index with their rows, first batches
 * and tombstone flags, followed by a CRC-32 of the block, so a lookup can fetch and
 * verify it alone. Layout (little-endian; varint = unsigned LEB128 below 2^32):
 *
 *   varint keyBytes        sum of the block's key lengths (sizes the key buffer before decoding)
 *   u8     flags           bit 0: rows stored; bit 1: tombstone bitmap stored;
 *                          bits 2-3: firstBatch width w (0: all equal the base, 1: u8, 2: u16, 3: u32)
 *   keys   count x (varint shared, varint suffixLength, suffix)   shared = bytes in common with
 *                          the previous key of the block (0 for the first key)
 *   rows   count x u32     only when flag bit 0; otherwise row = the key's position in the index
 *   i32    firstBatch base; then, when w > 0, count x (firstBatch - base) in w's width
 *   bits   ceil(count/8)   only when flag bit 1; tombstone of key j = bit (j & 7) of byte j >> 3
 *   u32    CRC-32 of all the bytes above
 *
 * The key count and the first position come from the directory, never from the block.
 */
import { compareBytes } from '../keys/pk-encoding.js';
import { crc32 } from './crc32.js';
import { ByteReader, type ByteWriter } from './key-block-bytes.js';
import type { KeyIndex } from './key-index.js';

/** Most keys in one block: small enough that a lookup reads little, large enough that the directory stays small. */
export const BLOCK_MAX_KEYS = 64;
/** A block also ends once its keys reach this many bytes (long keys: fewer per block). */
export const BLOCK_MAX_KEY_BYTES = 2048;

const WIDTHS = [0, 1, 2, 4];

/**
 * Appends block `[start, end)` of `index` (payload, then its CRC) to `w`.
 *
 * @example
 * ```ts
 * const w = new ByteWriter(1024);
 * encodeBlock(w, index, 0, Math.min(index.count, BLOCK_MAX_KEYS));
 * ```
 */
export function encodeBlock(w: ByteWriter, index: KeyIndex, start: number, end: number): void {
  const from = w.at;
  const ko = index.keyOffsets;
  w.varint(ko[end] - ko[start]);
  let rowsStored = false;
  let tombs = false;
  let lo = index.firstBatch[start];
  let hi = lo;
  for (let i = start; i < end; i++) {
    if (index.rows[i] !== i) rowsStored = true;
    if (index.tombstone[i]) tombs = true;
    const f = index.firstBatch[i];
    if (f < lo) lo = f;
    if (f > hi) hi = f;
  }
  const span = hi - lo;
  const wcode = span === 0 ? 0 : span < 0x100 ? 1 : span < 0x10000 ? 2 : 3;
  w.u8((rowsStored ? 1 : 0) | (tombs ? 2 : 0) | (wcode << 2));
  writeKeys(w, index, start, end);
  if (rowsStored) for (let i = start; i < end; i++) w.u32(index.rows[i]);
  w.u32(lo);
  if (wcode > 0) writePacked(w, index.firstBatch, lo, start, end, WIDTHS[wcode]);
  if (tombs) writeBits(w, index.tombstone, start, end);
  w.u32(crc32(w.buf, from, w.at));
}

function writeKeys(w: ByteWriter, index: KeyIndex, start: number, end: number): void {
  const kb = index.keyBytes;
  const ko = index.keyOffsets;
  for (let i = start; i < end; i++) {
    const shared = i === start ? 0 : sharedPrefix(kb, ko[i - 1], ko[i], kb, ko[i], ko[i + 1]);
    w.varint(shared);
    w.varint(ko[i + 1] - ko[i] - shared);
    w.bytes(kb, ko[i] + shared, ko[i + 1]);
  }
}

function writePacked(w: ByteWriter, values: Int32Array, base: number, start: number, end: number, width: number): void {
  w.reserve((end - start) * width);
  for (let i = start; i < end; i++) {
    let d = values[i] - base; // 0 <= d < 2^32 (both are int32)
    for (let b = 0; b < width; b++, d = Math.floor(d / 256)) w.buf[w.at++] = d & 0xff;
  }
}

function writeBits(w: ByteWriter, flags: Uint8Array, start: number, end: number): void {
  const n = end - start;
  w.reserve((n + 7) >> 3);
  const at = w.at;
  w.buf.fill(0, at, at + ((n + 7) >> 3));
  for (let j = 0; j < n; j++) if (flags[start + j]) w.buf[at + (j >> 3)] |= 1 << (j & 7);
  w.at += (n + 7) >> 3;
}

/**
 * Length of the common prefix of two byte ranges.
 *
 * @example
 * ```ts
 * sharedPrefix(a, 0, a.length, b, 0, b.length);
 * ```
 */
export function sharedPrefix(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  let i = 0;
  while (i < n && a[as + i] === b[bs + i]) i++;
  return i;
}

/**
 * Where a decoded block goes: arrays of the whole index (whole decode) or of the block
 * alone (a lookup); `at` is the first slot to fill, `keyAt` the first key byte.
 */
export interface BlockTarget {
  readonly index: KeyIndex;
  readonly at: number;
  readonly keyAt: number;
}

/** What the directory says about a block; the block is checked against it. */
export interface BlockExpect {
  readonly count: number;
  /** Position in the index of the block's first key (its rows default to positions). */
  readonly firstPosition: number;
}

/** A block whose CRC matched, opened up to its key bytes (so the caller can size the key buffer first). */
export interface OpenBlock {
  readonly r: ByteReader;
  readonly keyBytes: number;
  readonly flags: number;
}

/**
 * Verifies block `bytes[start, end)` (CRC first) and reads its declared key bytes,
 * which must not exceed `keyRoom` (what the header leaves).
 *
 * @example
 * ```ts
 * const open = openBlock(stored, s, e, path, header.keyBytes);
 * const keys = new Uint8Array(open.keyBytes);
 * ```
 */
export function openBlock(bytes: Uint8Array, start: number, end: number, path: string, keyRoom: number): OpenBlock {
  const r = new ByteReader(bytes, start, end - 4, path);
  if (end - start < 10) throw r.fail(`block of ${end - start} bytes is shorter than any block`);
  const want = new ByteReader(bytes, end - 4, end, path).u32('block checksum');
  const got = crc32(bytes, start, end - 4);
  if (got !== want) throw r.fail(`block checksum mismatch (stored ${hex(want)}, computed ${hex(got)})`);
  const keyBytes = r.varint('block key bytes');
  if (keyBytes > keyRoom) throw r.fail(`block declares ${keyBytes} key bytes, more than the header leaves (${keyRoom})`);
  const flags = r.u8('block flags');
  if (flags >> 4) throw r.fail(`block has unknown flags ${flags}`);
  return { r, keyBytes, flags };
}

/**
 * Decodes an opened block into `t` (key room for `open.keyBytes` at `t.keyAt`). The
 * caller checks the first and last keys against the directory.
 *
 * @example
 * ```ts
 * decodeBlock(openBlock(stored, s, e, path, room), { count, firstPosition }, target);
 * ```
 */
export function decodeBlock(open: OpenBlock, x: BlockExpect, t: BlockTarget): void {
  const { r, flags } = open;
  readKeys(r, x.count, open.keyBytes, t);
  const { rows, firstBatch, tombstone } = t.index;
  if (flags & 1) for (let j = 0; j < x.count; j++) rows[t.at + j] = r.u32('rows');
  else for (let j = 0; j < x.count; j++) rows[t.at + j] = x.firstPosition + j;
  const base = r.i32('firstBatch base');
  readPacked(r, firstBatch, t.at, x.count, base, WIDTHS[(flags >> 2) & 3]);
  if (flags & 2) readBits(r, tombstone, t.at, x.count);
  else tombstone.fill(0, t.at, t.at + x.count);
  if (r.at !== r.end) throw r.fail(`block has ${r.end - r.at} bytes after its columns`);
}

function readKeys(r: ByteReader, count: number, keyBytes: number, t: BlockTarget): void {
  const out = t.index.keyBytes;
  const offs = t.index.keyOffsets;
  let at = t.keyAt;
  const limit = t.keyAt + keyBytes;
  let prev = at;
  offs[t.at] = at;
  for (let j = 0; j < count; j++) {
    const shared = r.varint('key prefix');
    const suffix = r.varint('key length');
    if (j === 0 ? shared !== 0 : shared > at - prev) throw r.fail(`key ${j} of a block shares ${shared} bytes with a shorter key`);
    if (shared + suffix > limit - at) throw r.fail('block keys exceed the key bytes it declares');
    r.need(suffix, 'key');
    for (let k = 0; k < shared; k++) out[at + k] = out[prev + k]; // keys are short: loops beat views + set
    const src = r.buf;
    for (let k = 0, from = r.at, to = at + shared; k < suffix; k++) out[to + k] = src[from + k];
    r.at += suffix;
    const next = at + shared + suffix;
    if (j > 0 && compareBytes(out, prev, at, out, at, next) >= 0) throw r.fail(`keys are not ascending at key ${j} of a block`);
    offs[t.at + j + 1] = next;
    prev = at;
    at = next;
  }
  if (at !== limit) throw r.fail(`block keys hold ${at - t.keyAt} bytes, the block declares ${keyBytes}`);
}

function readPacked(r: ByteReader, out: Int32Array, at: number, count: number, base: number, width: number): void {
  if (width === 0) {
    out.fill(base, at, at + count);
    return;
  }
  r.need(count * width, 'firstBatch column');
  const b = r.buf;
  for (let j = 0; j < count; j++, r.at += width) {
    let d = 0;
    for (let k = width - 1; k >= 0; k--) d = d * 256 + b[r.at + k];
    const v = base + d;
    if (v > 0x7fffffff) throw r.fail('firstBatch value overflows int32');
    out[at + j] = v;
  }
}

function readBits(r: ByteReader, out: Uint8Array, at: number, count: number): void {
  r.need((count + 7) >> 3, 'tombstone bitmap');
  const b = r.buf;
  for (let j = 0; j < count; j++) out[at + j] = (b[r.at + (j >> 3)] >> (j & 7)) & 1;
  r.at += (count + 7) >> 3;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
