import { Binary, Field, Int32, Schema, Struct, RecordBatch, Table, makeData, tableToIPC, vectorFromArray, Bool, Uint32 } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError } from '../src/errors.js';
import { decodeKeyIndex, emptyKeyIndex, encodeKeyIndex, findKey, lowerBoundKey, type KeyIndex } from '../src/format/key-index.js';
import { compareBytes } from '../src/keys/pk-encoding.js';
import { hex, indexOf, type Entry } from './support/key-index-fixture.js';

const PATH = 'shards/0/gen-3-abcd/data.keys.arrow';
const cmp = (a: Uint8Array, b: Uint8Array) => compareBytes(a, 0, a.length, b, 0, b.length);



function plain(ix: KeyIndex) {
  const keys = Array.from({ length: ix.count }, (_, i) => hex(ix.keyBytes.subarray(ix.keyOffsets[i], ix.keyOffsets[i + 1])));
  return { count: ix.count, keys, rows: Array.from(ix.rows), firstBatch: Array.from(ix.firstBatch), tombstone: Array.from(ix.tombstone) };
}

const keyArb = fc.oneof(fc.uint8Array({ maxLength: 6, max: 3 }), fc.uint8Array({ minLength: 1, maxLength: 12 }));
const entryArb: fc.Arbitrary<Entry> = fc.record({ key: keyArb, row: fc.nat(0xffffffff), firstBatch: fc.integer({ min: -1, max: 2 ** 31 - 1 }), tombstone: fc.boolean() });

function expectCorrupt(bytes: Uint8Array): CorruptEntryError {
  let err: unknown;
  try {
    decodeKeyIndex(bytes, PATH);
  } catch (e) {
    err = e;
  }
  expect(err, `decoding ${bytes.length} bytes`).toBeInstanceOf(CorruptEntryError);
  expect((err as CorruptEntryError).code).toBe('CORRUPT_ENTRY');
  expect((err as CorruptEntryError).message).toContain(PATH);
  return err as CorruptEntryError;
}

describe('encode / decode', () => {
  it('round-trips random indexes (keys, rows up to 2^32-1, firstBatch incl. -1, tombstones)', () => {
    fc.assert(fc.property(fc.array(entryArb, { maxLength: 60 }), (entries) => {
      const ix = indexOf(entries);
      const back = decodeKeyIndex(encodeKeyIndex(ix), PATH);
      expect(plain(back)).toEqual(plain(ix));
      expect(back.keyOffsets[0]).toBe(0);
    }), { seed: 3601, numRuns: 100 });
  });

  it('the empty index round-trips', () => {
    const back = decodeKeyIndex(encodeKeyIndex(emptyKeyIndex()), PATH);
    expect(plain(back)).toEqual({ count: 0, keys: [], rows: [], firstBatch: [], tombstone: [] });
    expect(Array.from(back.keyOffsets)).toEqual([0]);
  });

  it('decodes from a buffer with a non-zero byteOffset', () => {
    const ix = indexOf([{ key: new Uint8Array([1]), row: 0, firstBatch: 2, tombstone: true }, { key: new Uint8Array([0, 0]), row: 1, firstBatch: -1, tombstone: false }]);
    const bytes = encodeKeyIndex(ix);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    expect(plain(decodeKeyIndex(big.subarray(3), PATH))).toEqual(plain(ix));
  });

  it('keeps tombstone bits exact past the first byte', () => {
    const entries = Array.from({ length: 21 }, (_, i) => ({ key: new Uint8Array([i]), row: i, firstBatch: i % 3, tombstone: i % 3 === 1 || i === 20 }));
    const back = decodeKeyIndex(encodeKeyIndex(indexOf(entries)), PATH);
    expect(Array.from(back.tombstone)).toEqual(entries.map((e) => (e.tombstone ? 1 : 0)));
  });
});

describe('findKey', () => {
  it('agrees with a sorted-array model: present keys at their position, absent keys -1', () => {
    fc.assert(fc.property(fc.array(entryArb, { maxLength: 50 }), fc.array(keyArb, { maxLength: 30 }), fc.boolean(), (entries, probes, viaFile) => {
      const built = indexOf(entries);
      const ix = viaFile ? decodeKeyIndex(encodeKeyIndex(built), PATH) : built;
      const model = plain(built).keys; // ascending, unique
      for (const k of [...entries.map((e) => e.key), ...probes]) {
        // the key embedded in a larger buffer, to exercise s/e
        const buf = new Uint8Array(k.length + 4).fill(0xaa);
        buf.set(k, 2);
        expect(findKey(ix, buf, 2, 2 + k.length)).toBe(model.indexOf(hex(k)));
      }
    }), { seed: 3602, numRuns: 150 });
  });

  it('finds the first and last keys and misses just outside', () => {
    const ix = indexOf([0x10, 0x20, 0x30].map((b, i) => ({ key: new Uint8Array([b]), row: i, firstBatch: 0, tombstone: false })));
    const at = (...b: number[]) => findKey(ix, new Uint8Array(b), 0, b.length);
    expect([at(0x10), at(0x20), at(0x30)]).toEqual([0, 1, 2]);
    expect([at(0x0f), at(0x11), at(0x31), at(0x10, 0), at(), at(0x30, 0xff)]).toEqual([-1, -1, -1, -1, -1, -1]);
  });

  it('the empty index holds nothing', () => {
    expect(findKey(emptyKeyIndex(), new Uint8Array([1]), 0, 1)).toBe(-1);
    expect(findKey(emptyKeyIndex(), new Uint8Array(0), 0, 0)).toBe(-1);
  });
});

describe('damage is a CorruptEntryError', () => {
  const ix = indexOf(Array.from({ length: 40 }, (_, i) => ({ key: new Uint8Array([i, i * 3]), row: i, firstBatch: i % 4, tombstone: i % 5 === 0 })));
  const good = encodeKeyIndex(ix);

  it('garbage bytes', () => {
    expectCorrupt(new Uint8Array(0));
    expectCorrupt(new TextEncoder().encode('not an arrow stream at all'));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void expectCorrupt(b)), { seed: 3603, numRuns: 100 });
  });

  it('truncation at any length (a cut file must never read as a smaller or empty index)', () => {
    for (let len = 0; len < good.length; len++) expectCorrupt(good.slice(0, len));
    const emptyEncoded = encodeKeyIndex(emptyKeyIndex());
    for (let len = 0; len < emptyEncoded.length; len++) expectCorrupt(emptyEncoded.slice(0, len));
  });

  it('an Arrow stream that is not a key index', () => {
    const other = new Table({ id: vectorFromArray([1, 2], new Int32()) });
    expect(expectCorrupt(tableToIPC(other, 'stream')).message).toMatch(/not a key index/);
  });

  it('a key index split across two batches', () => {
    const schema = new Schema([new Field('key', new Binary(), false), new Field('row', new Uint32(), false), new Field('firstBatch', new Int32(), false), new Field('tombstone', new Bool(), false)]);
    const b = new RecordBatch(schema, makeData({
      type: new Struct(schema.fields), length: 1, nullCount: 0, children: [
        vectorFromArray([new Uint8Array([1])], new Binary()).data[0], vectorFromArray([0], new Uint32()).data[0],
        vectorFromArray([0], new Int32()).data[0], vectorFromArray([false], new Bool()).data[0],
      ],
    }));
    expectCorrupt(tableToIPC(new Table([b, b]), 'stream'));
  });
});

describe('lowerBoundKey', () => {
  it('is the first position whose key is >= the probe (a model over random keys)', () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 4 });
    fc.assert(fc.property(fc.array(key, { maxLength: 30 }), key, (keys, probe) => {
      const ix = indexOf(keys.map((k, row) => ({ key: k, row, firstBatch: 0, tombstone: false })));
      const sorted = Array.from({ length: ix.count }, (_, i) => ix.keyBytes.subarray(ix.keyOffsets[i], ix.keyOffsets[i + 1]));
      const expected = sorted.findIndex((k) => cmp(k, probe) >= 0);
      expect(lowerBoundKey(ix, probe, 0, probe.length)).toBe(expected < 0 ? ix.count : expected);
    }), { seed: 1203, numRuns: 300 });
  });
});
