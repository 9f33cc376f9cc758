/**
 * Regression: an `FTK3` key index's key-byte total K (header field at byte 20) sizes the
 * key buffer of a whole decode, and was bounded only by the 1 GiB cap: a 472-byte index
 * whose header declares K = 2^30 (header CRC resealed, which anyone who changes a header
 * can do) made `decodeBlockedKeyIndex` allocate 1 GiB before it found the blocks hold far
 * fewer key bytes. The same with a block that declares 2^30 key bytes itself. Now every
 * block is verified and its declared key bytes bounded by its own bytes, and their sum
 * must equal K, before anything is allocated by K.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CorruptEntryError } from '../src/errors.js';
import { crc32 } from '../src/format/crc32.js';
import { FTK3_HEADER, encodeBlockedKeyIndex } from '../src/format/key-index-blocks.js';
import { decodeKeyIndex } from '../src/format/key-index.js';
import { indexOf } from './support/key-index-fixture.js';

const PATH = 'shards/0/gen-2-e1-faf4d269/data.keys.ftk';
const GiB = 2 ** 30;

afterEach(() => void vi.unstubAllGlobals());

/** Keys 0..n-1 as 4-byte big-endian keys, rows by position. */
function index(n: number) {
  const key = (i: number) => new Uint8Array([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]);
  return indexOf(Array.from({ length: n }, (_, i) => ({ key: key(i * 3), row: 0, firstBatch: 0, tombstone: false })), true);
}

const field = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset).getUint32(8 + 4 * i, true);
const setField = (b: Uint8Array, i: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(8 + 4 * i, v, true);

/** Recomputes the header CRC (over the header's fields and the directory). */
function resealHeader(b: Uint8Array): Uint8Array {
  new DataView(b.buffer, b.byteOffset).setUint32(4, crc32(b, 8, FTK3_HEADER + field(b, 0)), true);
  return b;
}

/** Decodes `stored`; returns the error and the largest Uint8Array allocated by a size meanwhile. */
function decodeWatchingAllocations(stored: Uint8Array): { error: unknown; largest: number } {
  let largest = 0;
  vi.stubGlobal('Uint8Array', new Proxy(Uint8Array, {
    construct(target, args, newTarget) {
      if (typeof args[0] === 'number') largest = Math.max(largest, args[0]);
      return Reflect.construct(target, args, newTarget) as object;
    },
  }));
  try {
    decodeKeyIndex(stored, PATH, true);
    return { error: undefined, largest };
  } catch (error) {
    return { error, largest };
  } finally {
    vi.unstubAllGlobals();
  }
}

function expectRefusedCheaply(stored: Uint8Array, detail: RegExp): void {
  const { error, largest } = decodeWatchingAllocations(stored);
  expect(error).toBeInstanceOf(CorruptEntryError);
  expect((error as CorruptEntryError).context).toMatchObject({ path: PATH, detail: expect.stringMatching(detail) });
  expect(largest, `allocated ${largest} bytes for a ${stored.length}-byte object`).toBeLessThan(64 * 1024);
}

describe('regression: FTK3 key bytes are backed by the object before they size anything', () => {
  it('a header declaring 2^30 key bytes is refused without allocating them', () => {
    const stored = encodeBlockedKeyIndex(index(100), 16);
    expect(decodeWatchingAllocations(stored).error).toBeUndefined(); // intact, it decodes (and the watch does not disturb it)
    const forged = stored.slice();
    setField(forged, 3, GiB);
    expectRefusedCheaply(resealHeader(forged), /blocks hold \d+ key bytes, its header says 1073741824/);
  });

  it('a block declaring 2^30 key bytes (its CRC and the header resealed to match) is refused without allocating them', () => {
    const stored = encodeBlockedKeyIndex(index(3));
    const D = field(stored, 0);
    expect(field(stored, 1)).toBe(1); // one block, whose length is the directory's last byte (a one-byte varint)
    const block = stored.subarray(FTK3_HEADER + D);
    expect(block[0]).toBe(12); // its key bytes: a one-byte varint, replaced by a five-byte one of 2^30
    const payload = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x04, ...block.subarray(1, block.length - 4)]);
    const forged = new Uint8Array(FTK3_HEADER + D + payload.length + 4);
    forged.set(stored.subarray(0, FTK3_HEADER + D));
    forged[FTK3_HEADER + D - 1] = payload.length + 4;
    forged.set(payload, FTK3_HEADER + D);
    new DataView(forged.buffer).setUint32(forged.length - 4, crc32(payload, 0, payload.length), true);
    setField(forged, 3, GiB);
    setField(forged, 4, payload.length + 4);
    expectRefusedCheaply(resealHeader(forged), /block 0 declares 1073741824 key bytes, more than its 3 keys in \d+ bytes can hold/);
  });
});
