/**
 * The blocked key index (`FTK3`, format/key-index-blocks.ts): round trips whole and
 * block by block against a sorted-array model, every bit flip detected, and sizes that
 * cannot fit the stored bytes refused before anything is allocated by them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError } from '../src/errors.js';
import { blockFor, readBlock, readDirectory } from '../src/format/key-block-directory.js';
import { entryAt, findInBlock } from '../src/format/key-block-view.js';
import { FTK3_HEADER, encodeBlockedKeyIndex, readHeader } from '../src/format/key-index-blocks.js';
import { decodeKeyIndex, encodeKeyIndexFtk2, findKey, type KeyIndex } from '../src/format/key-index.js';
import { compareBytes } from '../src/keys/pk-encoding.js';
import { hex, indexOf, type Entry } from './support/key-index-fixture.js';

const PATH = 'base/data/u.keys.ftk';



const plain = (ix: KeyIndex) => ({
  keys: Array.from({ length: ix.count }, (_, i) => hex(ix.keyBytes.subarray(ix.keyOffsets[i], ix.keyOffsets[i + 1]))),
  rows: Array.from(ix.rows), firstBatch: Array.from(ix.firstBatch), tombstone: Array.from(ix.tombstone),
});

/** Looks `probe` up the way a lookup does: directory, then the one block that can hold it. */
function lookup(stored: Uint8Array, probe: Uint8Array) {
  const dir = readDirectory(stored, PATH);
  const b = blockFor(dir, probe, 0, probe.length);
  if (b < 0) return undefined;
  const view = readBlock(dir, b, stored.slice(dir.blockStart[b], dir.blockStart[b + 1]), dir.blockStart[b], PATH);
  const j = findInBlock(view, probe, 0, probe.length);
  return j < 0 ? undefined : entryAt(view, j);
}

const keyArb = fc.oneof(fc.uint8Array({ maxLength: 4, max: 3 }), fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.bigInt({ min: 0n, max: 5000n }).map((v) => new Uint8Array(Buffer.from(v.toString(16).padStart(8, '0'), 'hex'))));
const entryArb: fc.Arbitrary<Entry> = fc.record({ key: keyArb, row: fc.nat(0xffffffff), firstBatch: fc.integer({ min: -1, max: 2 ** 31 - 1 }), tombstone: fc.boolean() });
const smallFirstBatch: fc.Arbitrary<Entry> = fc.record({ key: keyArb, row: fc.nat(100), firstBatch: fc.integer({ min: -1, max: 300 }), tombstone: fc.constant(false) });

function expectCorrupt(run: () => unknown): void {
  let err: unknown;
  try {
    run();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CorruptEntryError);
  expect((err as CorruptEntryError).message).toContain(PATH);
}

describe('FTK3 round trip', () => {
  it('whole decode and block lookups agree with the index written (property: random key sets, block sizes 1..9 and the default)', () => {
    const blocks = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(64));
    fc.assert(fc.property(fc.array(fc.oneof(entryArb, smallFirstBatch), { maxLength: 120 }), blocks, fc.boolean(), fc.array(keyArb, { maxLength: 20 }), (entries, maxKeys, positions, probes) => {
      const ix = indexOf(entries, positions);
      const stored = encodeBlockedKeyIndex(ix, maxKeys);
      expect(new TextDecoder().decode(stored.subarray(0, 4))).toBe('FTK3');
      expect(plain(decodeKeyIndex(stored, PATH, true))).toEqual(plain(ix));
      for (const probe of [...Array.from({ length: ix.count }, (_, i) => ix.keyBytes.slice(ix.keyOffsets[i], ix.keyOffsets[i + 1])), ...probes]) {
        const pos = findKey(ix, probe, 0, probe.length);
        const want = pos < 0 ? undefined : { row: ix.rows[pos], firstBatch: ix.firstBatch[pos], tombstone: ix.tombstone[pos] === 1 };
        expect(lookup(stored, probe)).toEqual(want);
      }
    }), { seed: 1601, numRuns: 250 });
  });

  it('the empty index round-trips and holds nothing', () => {
    const stored = encodeBlockedKeyIndex(indexOf([]));
    expect(stored.length).toBe(FTK3_HEADER);
    expect(decodeKeyIndex(stored, PATH).count).toBe(0);
    expect(lookup(stored, new Uint8Array([1]))).toBeUndefined();
  });

  it('sorted integer keys take under 4 bytes each, less than the FTK2 brotli frame', () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ key: new Uint8Array(Buffer.from((i * 3).toString(16).padStart(16, '0'), 'hex')), row: 0, firstBatch: -1, tombstone: false }));
    const ix = indexOf(entries, true);
    const stored = encodeBlockedKeyIndex(ix);
    expect(stored.length / ix.count).toBeLessThan(4);
    expect(stored.length).toBeLessThan(encodeKeyIndexFtk2(ix).length);
  });
});

describe('FTK3 damage', () => {
  const entries = Array.from({ length: 40 }, (_, i) => ({ key: new Uint8Array([i >> 2, (i * 37) & 0xff, i]), row: i * 3, firstBatch: i % 5 === 0 ? -1 : i, tombstone: i % 3 === 0 }));
  const stored = encodeBlockedKeyIndex(indexOf(entries), 4);

  it('every single-bit flip anywhere is a CorruptEntryError, whole and in the lookup path', () => {
    const dir = readDirectory(stored, PATH);
    for (let o = 0; o < stored.length; o++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = stored.slice();
        bad[o] ^= 1 << bit;
        expectCorrupt(() => decodeKeyIndex(bad, PATH, true));
        if (o < dir.blockStart[0]) expectCorrupt(() => readDirectory(bad, PATH));
        else {
          const b = dir.blockStart.findIndex((s) => s > o) - 1;
          expectCorrupt(() => readBlock(dir, b, bad.subarray(dir.blockStart[b], dir.blockStart[b + 1]), dir.blockStart[b], PATH));
        }
      }
    }
  });

  it('a cut or extended object is refused at every length', () => {
    for (let n = 0; n < stored.length; n++) expectCorrupt(() => decodeKeyIndex(stored.subarray(0, n), PATH, true));
    expectCorrupt(() => decodeKeyIndex(new Uint8Array([...stored, 0]), PATH, true));
  });

  it('a block read short is refused, not read past', () => {
    const dir = readDirectory(stored, PATH);
    expectCorrupt(() => readBlock(dir, 2, stored.subarray(dir.blockStart[2], dir.blockStart[3] - 1), dir.blockStart[2], PATH));
  });

  it('header sizes beyond the stored bytes are refused before anything is sized by them (table)', () => {
    const cases: [string, number[]][] = [
      ['a 1 GiB + 1 directory', [2 ** 30 + 1, 0, 0, 0, 0, 0]],
      ['4 billion blocks in a small directory', [64, 0xffffffff, 0xffffffff, 0, 2 ** 30, 0]],
      ['more keys than the body could hold', [64, 1, 1000, 0, 100, 0]],
      ['fewer keys than blocks', [64, 5, 4, 0, 100, 0]],
      ['a reserved field set', [0, 0, 0, 0, 0, 1]],
    ];
    for (const [label, fields] of cases) {
      const h = new Uint8Array(FTK3_HEADER);
      h.set([0x46, 0x54, 0x4b, 0x33]);
      const view = new DataView(h.buffer);
      fields.forEach((v, i) => view.setUint32(8 + 4 * i, v, true));
      expect(() => readHeader(h, PATH), label).toThrow(CorruptEntryError);
    }
  });

  it('a directory longer than the bytes read is refused as cut short', () => {
    const dir = readDirectory(stored, PATH);
    expectCorrupt(() => readDirectory(stored.subarray(0, dir.blockStart[0] - 1), PATH));
  });
});
