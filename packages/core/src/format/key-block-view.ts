/**
 * A verified block of an `FTK3` key index (key-block.ts), searched where it lies in the
 * bytes read from the store: a lookup touches a few keys of a few blocks, so decoding
 * whole blocks into arrays would cost more (allocations, GC) than the search. The block
 * is verified once, when read (CRC, every varint and column inside the block, keys
 * ascending, first and last key equal to the directory's), so searches need no checks.
 */
import { compareBytes } from '../keys/pk-encoding.js';
import type { ByteReader } from './key-block-bytes.js';
import type { BlockExpect, OpenBlock } from './key-block.js';

/**
 * Where the parts of a verified block are in `buf`.
 *
 * @example
 * ```ts
 * const v = viewBlock(openBlock(bytes, s, e, path, room), { count, firstPosition }, ends);
 * const j = findInBlock(v, key, 0, key.length);
 * ```
 */
export interface BlockView {
  readonly buf: Uint8Array;
  readonly count: number;
  readonly firstPosition: number;
  readonly keysAt: number;
  /** Byte offset of the rows column (-1: rows are positions). */
  readonly rowsAt: number;
  readonly fbBase: number;
  readonly fbWidth: number;
  readonly fbAt: number;
  /** Byte offset of the tombstone bitmap (-1: no tombstones). */
  readonly bitsAt: number;
}

/** The keys a block must start and end with (its directory entry). */
export interface BlockEnds {
  readonly bytes: Uint8Array;
  readonly fenceStart: number;
  readonly fenceEnd: number;
  readonly lastBytes: Uint8Array;
  readonly lastStart: number;
  readonly lastEnd: number;
}

const WIDTHS = [0, 1, 2, 4];
let scratch = new Uint8Array(256);

/** The scratch buffer with room for `n` bytes, keeping what it holds (the previous key's prefix). */
function room(n: number): Uint8Array {
  if (scratch.length < n) {
    const next = new Uint8Array(Math.max(n, scratch.length * 2));
    next.set(scratch);
    scratch = next;
  }
  return scratch;
}

/**
 * Walks an opened block once, checking everything a search will rely on.
 *
 * @example
 * ```ts
 * const view = viewBlock(open, { count: 64, firstPosition: 128 }, ends);
 * ```
 */
export function viewBlock(open: OpenBlock, x: BlockExpect, ends: BlockEnds): BlockView {
  const { r, flags } = open;
  const keysAt = r.at;
  const last = walkKeys(r, x.count, open.keyBytes, ends);
  if (compareBytes(scratch, 0, last, ends.lastBytes, ends.lastStart, ends.lastEnd) !== 0) throw r.fail('block does not end with the key its directory names');
  const rowsAt = flags & 1 ? r.at : -1;
  if (flags & 1) r.need(4 * x.count, 'rows');
  if (flags & 1) r.at += 4 * x.count;
  const fbBase = r.i32('firstBatch base');
  const fbWidth = WIDTHS[(flags >> 2) & 3];
  const fbAt = r.at;
  r.need(fbWidth * x.count, 'firstBatch column');
  r.at += fbWidth * x.count;
  const view = { buf: r.buf, count: x.count, firstPosition: x.firstPosition, keysAt, rowsAt, fbBase, fbWidth, fbAt, bitsAt: flags & 2 ? r.at : -1 };
  if (flags & 2) r.need((x.count + 7) >> 3, 'tombstone bitmap');
  if (flags & 2) r.at += (x.count + 7) >> 3;
  if (r.at !== r.end) throw r.fail(`block has ${r.end - r.at} bytes after its columns`);
  for (let j = 0; j < x.count && fbWidth > 0; j++) if (fbBase + packedAt(view, j) > 0x7fffffff) throw r.fail('firstBatch value overflows int32');
  return view;
}

/** Rebuilds each key in the scratch buffer, checking sizes and order; returns the last key's length. */
function walkKeys(r: ByteReader, count: number, keyBytes: number, ends: BlockEnds): number {
  const b = r.buf;
  let len = 0;
  let total = 0;
  for (let j = 0; j < count; j++) {
    const shared = r.varint('key prefix');
    const suffix = r.varint('key length');
    if (shared > len || (j === 0 && shared !== 0)) throw r.fail(`key ${j} of a block shares ${shared} bytes with a shorter key`);
    r.need(suffix, 'key');
    total += shared + suffix;
    if (total > keyBytes) throw r.fail('block keys exceed the key bytes it declares');
    // ascending: the new key's bytes after the shared prefix must sort after the previous key's
    if (j > 0 && compareBytes(b, r.at, r.at + suffix, scratch, shared, len) <= 0) throw r.fail(`keys are not ascending at key ${j} of a block`);
    const s = room(shared + suffix);
    for (let i = 0; i < suffix; i++) s[shared + i] = b[r.at + i];
    r.at += suffix;
    len = shared + suffix;
    if (j === 0 && compareBytes(s, 0, len, ends.bytes, ends.fenceStart, ends.fenceEnd) !== 0) throw r.fail('block does not start with the key its directory names');
  }
  if (total !== keyBytes) throw r.fail(`block keys hold ${total} bytes, the block declares ${keyBytes}`);
  return len;
}

function varintAt(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let scale = 1;
  for (;;) {
    const x = b[at++];
    v += (x & 0x7f) * scale;
    if (x < 0x80) return [v, at];
    scale *= 128;
  }
}

/**
 * Position in the block of `key[s,e)`, or -1. A linear walk (blocks are small) that
 * never rebuilds a key: it tracks how many leading bytes the current key shares with
 * the probe (`match`). A key sharing more bytes with its predecessor than `match` sorts
 * before the probe, like its predecessor; otherwise only its suffix is compared with the
 * probe from the shared length on.
 *
 * @example
 * ```ts
 * const j = findInBlock(view, keys.bytes, keys.offsets[k], keys.offsets[k + 1]);
 * ```
 */
export function findInBlock(v: BlockView, key: Uint8Array, s: number, e: number): number {
  const b = v.buf;
  const n = e - s;
  let at = v.keysAt;
  let match = 0;
  for (let j = 0; j < v.count; j++) {
    let shared = b[at++];
    if (shared >= 0x80) [shared, at] = varintAt(b, at - 1);
    let suffix = b[at++];
    if (suffix >= 0x80) [suffix, at] = varintAt(b, at - 1);
    if (shared < match) match = shared; // (written keys share maximally, so this key sorts after: the compare below says so at once)
    if (shared === match) {
      let i = 0;
      while (i < suffix && match + i < n && b[at + i] === key[s + match + i]) i++;
      match += i;
      if (i === suffix) {
        if (match === n) return j; // equal
        // the key is a proper prefix of the probe: it sorts before, keep walking
      } else if (match === n || b[at + i] > key[s + match]) return -1; // sorts after the probe
    }
    at += suffix;
  }
  return -1;
}

function packedAt(v: BlockView, j: number): number {
  let d = 0;
  for (let k = v.fbWidth - 1; k >= 0; k--) d = d * 256 + v.buf[v.fbAt + j * v.fbWidth + k];
  return d;
}

/**
 * Row, first batch and tombstone flag of key `j` of the block.
 *
 * @example
 * ```ts
 * const { row, tombstone } = entryAt(view, j);
 * ```
 */
export function entryAt(v: BlockView, j: number): { row: number; firstBatch: number; tombstone: boolean } {
  const b = v.buf;
  const r = v.rowsAt + 4 * j;
  const row = v.rowsAt < 0 ? v.firstPosition + j : (b[r] | (b[r + 1] << 8) | (b[r + 2] << 16) | (b[r + 3] << 24)) >>> 0;
  const firstBatch = v.fbWidth === 0 ? v.fbBase : v.fbBase + packedAt(v, j);
  const tombstone = v.bitsAt >= 0 && ((b[v.bitsAt + (j >> 3)] >> (j & 7)) & 1) === 1;
  return { row, firstBatch, tombstone };
}
