/**
 * Reading an `FTK3` blocked key index (layout: key-index-blocks.ts): its directory,
 * which block can hold a key, one block alone (a lookup) or every block (a whole
 * decode, as scans, compaction and `verify` need). Every byte is verified by a CRC
 * before use and every size is bounded before anything is allocated by it.
 */
import { CorruptEntryError } from '../errors.js';
import { compareBytes } from '../keys/pk-encoding.js';
import { crc32 } from './crc32.js';
import { ByteReader } from './key-block-bytes.js';
import { decodeBlock, openBlock, type OpenBlock } from './key-block.js';
import { viewBlock, type BlockView } from './key-block-view.js';
import { FTK3_HEADER, MAX_BYTES, readHeader, type BlockedHeader } from './key-index-blocks.js';
import type { KeyIndex } from './key-index.js';

/**
 * A parsed directory: the fence and last key of every block, where each block starts
 * in the object and in the index. Arrays have `blockCount + 1` entries.
 */
export interface BlockDirectory {
  readonly header: BlockedHeader;
  readonly fenceBytes: Uint8Array;
  readonly fenceOffsets: Int32Array;
  readonly lastBytes: Uint8Array;
  readonly lastOffsets: Int32Array;
  /** Byte offset of block i in the object; entry B is the object's length. */
  readonly blockStart: Float64Array;
  /** Position of block i's first key in the index; entry B is the key count. */
  readonly firstPosition: Uint32Array;
}

/**
 * Verifies the header CRC over header and directory (`b` holds at least 32 + D bytes),
 * then parses the directory, checking every count, length and key order.
 *
 * @example
 * ```ts
 * const dir = readDirectory(await store.getRange(path, 0, 65536), path);
 * ```
 */
export function readDirectory(b: Uint8Array, path: string): BlockDirectory {
  const header = readHeader(b, path);
  const end = FTK3_HEADER + header.directoryBytes;
  const r = new ByteReader(b, FTK3_HEADER, end, path);
  if (b.length < end) throw r.fail(`directory cut short (${b.length - FTK3_HEADER} of ${header.directoryBytes} bytes)`);
  const want = new DataView(b.buffer, b.byteOffset + 4, 4).getUint32(0, true);
  const got = crc32(b, 8, end);
  if (got !== want) throw r.fail(`header checksum mismatch (stored ${hex(want)}, computed ${hex(got)})`);
  const B = header.blockCount;
  const fences = new KeyList(header.directoryBytes, B);
  const lasts = new KeyList(header.directoryBytes, B);
  const blockStart = new Float64Array(B + 1);
  const firstPosition = new Uint32Array(B + 1);
  blockStart[0] = end;
  for (let i = 0; i < B; i++) {
    fences.read(r, i === 0 ? -1 : i - 1, 'fence key');
    lasts.readFrom(r, fences, i, 'last key');
    const count = r.varint('block key count');
    const length = r.varint('block length');
    if (count < 1 || count > header.keyCount - firstPosition[i]) throw r.fail(`block ${i} declares ${count} keys, which do not fit the header's ${header.keyCount}`);
    firstPosition[i + 1] = firstPosition[i] + count;
    blockStart[i + 1] = blockStart[i] + length;
    checkOrder(r, fences, lasts, i, count);
  }
  if (r.at !== end) throw r.fail(`directory has ${end - r.at} bytes after its ${B} entries`);
  if (firstPosition[B] !== header.keyCount) throw r.fail(`blocks hold ${firstPosition[B]} keys, the header says ${header.keyCount}`);
  if (blockStart[B] !== end + header.bodyBytes) throw r.fail(`blocks take ${blockStart[B] - end} bytes, the header says ${header.bodyBytes}`);
  return { header, fenceBytes: fences.bytes(), fenceOffsets: fences.offsets, lastBytes: lasts.bytes(), lastOffsets: lasts.offsets, blockStart, firstPosition };
}

/** fence(i) <= last(i) (equal only for one key) < fence(i+1). */
function checkOrder(r: ByteReader, fences: KeyList, lasts: KeyList, i: number, count: number): void {
  const c = compareBytes(fences.buf, fences.offsets[i], fences.offsets[i + 1], lasts.buf, lasts.offsets[i], lasts.offsets[i + 1]);
  const prev = i === 0 ? -1 : compareBytes(lasts.buf, lasts.offsets[i - 1], lasts.offsets[i], fences.buf, fences.offsets[i], fences.offsets[i + 1]);
  if (c > 0 || (c === 0) !== (count === 1) || prev >= 0) throw r.fail(`directory keys are out of order at block ${i}`);
}

/** Keys read from the directory into one growing buffer. */
class KeyList {
  buf: Uint8Array;
  readonly offsets: Int32Array;
  private at = 0;
  private n = 0;

  constructor(directoryBytes: number, count: number) {
    this.buf = new Uint8Array(Math.min(directoryBytes, 1 << 16) + 16);
    this.offsets = new Int32Array(count + 1);
  }

  /** Key `i`, prefix-coded on key `ref` of this list (-1: none). */
  read(r: ByteReader, ref: number, what: string): void {
    this.readFrom(r, this, ref, what);
  }

  /** The next key, prefix-coded on key `ref` of `src`. */
  readFrom(r: ByteReader, src: KeyList, ref: number, what: string): void {
    const shared = r.varint(what);
    const suffix = r.varint(what);
    const refLength = ref < 0 ? 0 : src.offsets[ref + 1] - src.offsets[ref];
    if (shared > refLength) throw r.fail(`${what} shares ${shared} bytes with a key of ${refLength}`);
    r.need(suffix, what);
    if (this.at + shared + suffix > MAX_BYTES) throw r.fail(`${what}s exceed ${MAX_BYTES} bytes`);
    this.grow(shared + suffix);
    const out = this.buf;
    const from = ref < 0 ? 0 : src.offsets[ref];
    for (let k = 0; k < shared; k++) out[this.at + k] = src.buf[from + k]; // keys are short: a loop beats a view + set
    for (let k = 0; k < suffix; k++) out[this.at + shared + k] = r.buf[r.at + k];
    r.at += suffix;
    this.at += shared + suffix;
    this.offsets[++this.n] = this.at;
  }

  private grow(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + extra));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/**
 * The block whose key range can hold `key[s,e)`, or -1 (before the first fence, after
 * its block's last key, or between blocks).
 *
 * @example
 * ```ts
 * const i = blockFor(dir, keys.bytes, keys.offsets[k], keys.offsets[k + 1]);
 * ```
 */
export function blockFor(dir: BlockDirectory, key: Uint8Array, s: number, e: number): number {
  return withinLast(dir, fenceAtOrBefore(dir, key, s, e, 0), key, s, e);
}

/**
 * The last block whose fence is <= `key[s,e)` (-1: none), searched from block `hint` on
 * by galloping when the key is at or after that fence: keys asked in ascending order
 * then cost a few compares each instead of a binary search of every fence.
 *
 * @example
 * ```ts
 * let hint = 0;
 * for (const k of sortedCands) hint = Math.max(0, fenceAtOrBefore(dir, bytes, offsets[k], offsets[k + 1], hint));
 * ```
 */
export function fenceAtOrBefore(dir: BlockDirectory, key: Uint8Array, s: number, e: number, hint: number): number {
  const n = dir.header.blockCount;
  let lo = 0;
  let hi = n - 1;
  if (hint > 0 && hint < n && fenceLE(dir, hint, key, s, e)) {
    let step = 1;
    lo = hint;
    while (lo + step < n && fenceLE(dir, lo + step, key, s, e)) {
      lo += step;
      step *= 2;
    }
    hi = Math.min(n - 1, lo + step - 1);
  }
  let found = lo > 0 ? lo : -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (fenceLE(dir, mid, key, s, e)) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Fence `i` <= `key[s,e)`. */
function fenceLE(dir: BlockDirectory, i: number, key: Uint8Array, s: number, e: number): boolean {
  return compareBytes(dir.fenceBytes, dir.fenceOffsets[i], dir.fenceOffsets[i + 1], key, s, e) <= 0;
}

/**
 * `block` when `key[s,e)` is at or before its last key, else -1.
 *
 * @example
 * ```ts
 * const b = withinLast(dir, fenceAtOrBefore(dir, key, 0, key.length, 0), key, 0, key.length);
 * ```
 */
export function withinLast(dir: BlockDirectory, block: number, key: Uint8Array, s: number, e: number): number {
  if (block < 0) return -1;
  return compareBytes(key, s, e, dir.lastBytes, dir.lastOffsets[block], dir.lastOffsets[block + 1]) <= 0 ? block : -1;
}

/**
 * Verifies block `i` in `bytes`, which hold the object's bytes from `offset` on, and
 * returns a view to search it where it lies (key-block-view.ts; rows stay file rows).
 *
 * @example
 * ```ts
 * const at = dir.blockStart[3];
 * const block = readBlock(dir, 3, await store.getRange(path, at, dir.blockStart[4] - at), at, path);
 * ```
 */
export function readBlock(dir: BlockDirectory, i: number, bytes: Uint8Array, offset: number, path: string): BlockView {
  const [start, end] = blockBounds(dir, i, bytes, offset, path);
  const open = openBlock(bytes, start, end, path, dir.header.keyBytes);
  const ends = { bytes: dir.fenceBytes, fenceStart: dir.fenceOffsets[i], fenceEnd: dir.fenceOffsets[i + 1], lastBytes: dir.lastBytes, lastStart: dir.lastOffsets[i], lastEnd: dir.lastOffsets[i + 1] };
  return viewBlock(open, { count: dir.firstPosition[i + 1] - dir.firstPosition[i], firstPosition: dir.firstPosition[i] }, ends);
}

/**
 * Every block of a whole `FTK3` object, verified and decoded into one key index.
 *
 * @example
 * ```ts
 * const index = decodeBlockedKeyIndex(await store.get(path), path);
 * ```
 */
export function decodeBlockedKeyIndex(stored: Uint8Array, path: string): KeyIndex {
  const dir = readDirectory(stored, path);
  const h = dir.header;
  if (stored.length !== FTK3_HEADER + h.directoryBytes + h.bodyBytes) {
    throw new CorruptEntryError(path, `key index is ${stored.length} bytes, its header says ${FTK3_HEADER + h.directoryBytes + h.bodyBytes} (cut short or extended)`);
  }
  const blocks = openBlocks(dir, stored, path);
  const n = h.keyCount;
  const index = { count: n, keyBytes: new Uint8Array(h.keyBytes), keyOffsets: new Int32Array(n + 1), rows: new Uint32Array(n), firstBatch: new Int32Array(n), tombstone: new Uint8Array(n) };
  let keyAt = 0;
  for (let i = 0; i < h.blockCount; i++) {
    const at = dir.firstPosition[i];
    decodeBlock(blocks[i], { count: dir.firstPosition[i + 1] - at, firstPosition: at }, { index, at, keyAt });
    keyAt += blocks[i].keyBytes;
    checkEnds(dir, i, index, at, path);
  }
  return index;
}

/**
 * Every block verified (CRC) and opened up to its declared key bytes, before anything is
 * sized by the header's key-byte total K: K is covered only by the header CRC, which anyone
 * resealing a damaged header also fixes, so it must be backed by the blocks (their sum) and
 * each block's share by its own bytes — else a small object could declare 1 GiB of keys.
 */
function openBlocks(dir: BlockDirectory, stored: Uint8Array, path: string): OpenBlock[] {
  const h = dir.header;
  const blocks: OpenBlock[] = [];
  let keyBytes = 0;
  for (let i = 0; i < h.blockCount; i++) {
    const [start, end] = blockBounds(dir, i, stored, 0, path);
    const open = openBlock(stored, start, end, path, h.keyBytes - keyBytes);
    checkBlockKeyBytes(dir, i, open.keyBytes, end - start, path);
    keyBytes += open.keyBytes;
    blocks.push(open);
  }
  if (keyBytes !== h.keyBytes) throw new CorruptEntryError(path, `key index blocks hold ${keyBytes} key bytes, its header says ${h.keyBytes}`);
  return blocks;
}

/**
 * A key shares its prefix only with the key before it, so no key of a block is longer than
 * the block's own bytes: `count` keys hold at most `count` times the block's length.
 */
function checkBlockKeyBytes(dir: BlockDirectory, i: number, keyBytes: number, length: number, path: string): void {
  const count = dir.firstPosition[i + 1] - dir.firstPosition[i];
  if (keyBytes > count * length) throw new CorruptEntryError(path, `key index block ${i} declares ${keyBytes} key bytes, more than its ${count} keys in ${length} bytes can hold`);
}

function blockBounds(dir: BlockDirectory, i: number, bytes: Uint8Array, offset: number, path: string): [number, number] {
  const start = dir.blockStart[i] - offset;
  const end = dir.blockStart[i + 1] - offset;
  if (start < 0 || end > bytes.length) throw new CorruptEntryError(path, `key index cut short: block ${i} ends at byte ${dir.blockStart[i + 1]}, the bytes read at ${offset + bytes.length}`);
  return [start, end];
}

/** The block's first and last keys (at `at` in `index`) are its directory fence and last key. */
function checkEnds(dir: BlockDirectory, i: number, index: KeyIndex, at: number, path: string): void {
  const ko = index.keyOffsets;
  const last = at + dir.firstPosition[i + 1] - dir.firstPosition[i] - 1;
  const sameFirst = compareBytes(index.keyBytes, ko[at], ko[at + 1], dir.fenceBytes, dir.fenceOffsets[i], dir.fenceOffsets[i + 1]) === 0;
  const sameLast = compareBytes(index.keyBytes, ko[last], ko[last + 1], dir.lastBytes, dir.lastOffsets[i], dir.lastOffsets[i + 1]) === 0;
  if (!sameFirst || !sameLast) throw new CorruptEntryError(path, `key index block ${i} does not start and end with the keys its directory names`);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
