/**
 * The memtable's key index (ordinal-index.ts: ordinals only, keys read from the batches —
 * row-keys.ts) against a plain `Map` model, over random put and delete batches (duplicates
 * inside a batch, rewrites, sliced batches) with fixed-width keys (Int64, Int32, Uint16,
 * timestamps: read from the column), variable-width ones (utf8: read from the column) and
 * keys kept as encoded (two columns, float): every bounded lookup, first batch, entry
 * walk, the flush worker's image and the batches' encoded keys must match the model.
 */
import { Field, Float64, Int32, Int64, Schema, Table, TimeUnit, Timestamp, Uint16, Utf8, vectorFromArray, type DataType, type RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchByteSize } from '../src/arrow/arrow-util.js';
import { encodeKeys, keyToHex } from '../src/keys/pk-encoding.js';
import { imageInput, memtableImage } from '../src/memtable/memtable-image.js';
import { Memtable } from '../src/memtable/memtable.js';

const SEED = 16_0616;

interface KeyKind {
  readonly name: string;
  readonly fields: { name: string; type: DataType; of: (k: number) => unknown }[];
  /** The key column holds the encoded keys: the memtable keeps none beside the batch. */
  readonly lean: boolean;
}

const KINDS: KeyKind[] = [
  { name: 'int64', lean: true, fields: [{ name: 'id', type: new Int64(), of: (k) => BigInt(k * 7919 - 40_000) }] },
  { name: 'int32', lean: true, fields: [{ name: 'id', type: new Int32(), of: (k) => k * 3 - 50 }] },
  { name: 'uint16', lean: true, fields: [{ name: 'id', type: new Uint16(), of: (k) => k * 257 }] },
  { name: 'timestamp', lean: true, fields: [{ name: 'id', type: new Timestamp(TimeUnit.MICROSECOND), of: (k) => k * 1000 - 5000 }] },
  { name: 'utf8', lean: true, fields: [{ name: 'id', type: new Utf8(), of: (k) => (k % 3 === 0 ? '' : `k${k}`.repeat(1 + (k % 4))) + (k % 5 === 0 ? '\u0000' : '') }] },
  { name: 'float64', lean: false, fields: [{ name: 'id', type: new Float64(), of: (k) => k / 4 - 3 }] },
  {
    name: 'int32+utf8', lean: false, fields: [
      { name: 'id', type: new Int32(), of: (k) => k % 5 },
      { name: 'tag', type: new Utf8(), of: (k) => `t${Math.floor(k / 5)}` },
    ],
  },
];

interface Op { readonly del: boolean; readonly keys: number[]; readonly slice: number }

/** A batch of the kind's key columns (a delete) or of keys plus a value column (a put); `slice` leading rows dropped. */
function batchOf(kind: KeyKind, op: Op): RecordBatch {
  const keys = [...Array.from({ length: op.slice }, (_, i) => 900 + i), ...op.keys];
  const cols: Record<string, ReturnType<typeof vectorFromArray>> = {};
  if (!op.del) cols.v = vectorFromArray(keys.map((k) => k * 2), new Int32()); // the key column is not the first
  for (const f of kind.fields) cols[f.name] = vectorFromArray(keys.map(f.of), f.type);
  const b = new Table(cols).batches[0];
  return op.slice > 0 ? b.slice(op.slice) : b;
}

/** The model: per key (hex of its encoded bytes), the ordinals of its versions in order. */
function model(batches: RecordBatch[], keyNames: string[]): { versions: Map<string, number[]>; batchOfOrd: number[] } {
  const versions = new Map<string, number[]>();
  const batchOfOrd: number[] = [];
  batches.forEach((b, i) => {
    const k = encodeKeys(b, keyNames);
    for (let r = 0; r < k.count; r++) {
      const hex = keyToHex(k.bytes.subarray(k.offsets[r], k.offsets[r + 1]));
      const list = versions.get(hex) ?? [];
      list.push(batchOfOrd.length);
      versions.set(hex, list);
      batchOfOrd.push(i);
    }
  });
  return { versions, batchOfOrd };
}

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

const opArb = fc.record({
  del: fc.boolean(),
  keys: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 40 }),
  slice: fc.constantFrom(0, 0, 3),
});

describe('the memtable key index against a Map model', () => {
  for (const kind of KINDS) {
    it(`property (${kind.name} keys): lookups, first batches, entries, image and encoded keys match the model`, () => {
      const keyNames = kind.fields.map((f) => f.name);
      fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.nat(2_000), (ops, hint) => {
        const m = new Memtable(0, 1, true, hint % 2 === 0 ? undefined : { keys: hint % 50, rows: hint % 70 });
        const batches = ops.map((op) => batchOf(kind, op));
        batches.forEach((b, i) => m.append(b, ops[i].del ? 'delete' : 'put', encodeKeys(b, keyNames), i));
        const { versions, batchOfOrd } = model(batches, keyNames);
        expect(m.keyCount).toBe(versions.size);
        for (const [hex, ords] of versions) {
          const key = fromHex(hex);
          expect(m.firstBatchOf(key, 0, key.length)).toBe(batchOfOrd[ords[0]]);
          for (let limit = 0; limit <= batches.length; limit++) {
            const within = ords.filter((o) => batchOfOrd[o] < limit);
            expect(m.lookup(key, 0, key.length, limit)).toBe(within.length ? within[within.length - 1] : -1);
          }
          for (let v = 1; v < ords.length; v++) expect(m.previousVersion(ords[v])).toBe(ords[v - 1]);
          expect(m.previousVersion(ords[0])).toBe(-1);
        }
        const absent = encodeKeys(batchOf(kind, { del: true, keys: [61, 62], slice: 0 }), keyNames);
        expect(m.lookup(absent.bytes, absent.offsets[0], absent.offsets[1])).toBe(-1);
        expectEntries(m, versions, batchOfOrd, batches.length);
        const schema = new Schema([new Field('v', new Int32()), ...kind.fields.map((f) => new Field(f.name, f.type))]);
        expectEntries(imageInput(structuredClone(memtableImage(m, schema).image)), versions, batchOfOrd, batches.length);
        batches.forEach((b, i) => expect(m.batch(i).keys).toEqual(encodeKeys(b, keyNames)));
        const arrow = batches.reduce((s, b) => s + batchByteSize(b), 0);
        if (kind.lean) expect(m.arrowByteSize).toBe(arrow);
        else expect(m.arrowByteSize).toBeGreaterThan(arrow);
      }), { seed: SEED, numRuns: 40 });
    });
  }

  it('a memtable past 2^20 rows (the tag gives the ordinal more bits) still finds every key', () => {
    const n = 1_100_000;
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7) % 700_001));
    const b = new Table({ id: vectorFromArray(ids, new Int64()) }).batches[0];
    const m = new Memtable(0, 1, true);
    m.append(b, 'put', encodeKeys(b, ['id']), -1);
    m.append(b.slice(0, 10), 'put', encodeKeys(b.slice(0, 10), ['id']), -1);
    expect(m.keyCount).toBe(700_001);
    for (const i of [0, 1, 99_999, 700_000, 700_001, 1_099_999]) {
      const key = encodeKeys(b.slice(i, i + 1), ['id']);
      const inSecond = ids.subarray(0, 10).indexOf(ids[i]); // the second batch rewrote the first ten rows' keys
      const last = inSecond >= 0 ? n + inSecond : ids.lastIndexOf(ids[i]);
      expect(m.lookup(key.bytes, 0, key.bytes.length)).toBe(last);
      expect(m.lookup(key.bytes, 0, key.bytes.length, 1)).toBe(ids.lastIndexOf(ids[i]));
    }
  });
});

type Entries = Pick<Memtable, 'keyEntries' | 'firstBatchOfEntry' | 'newestOfEntry'>;

/** Every entry is a distinct model key, with the model's first batch and newest ordinal under every bound. */
function expectEntries(m: Entries, versions: Map<string, number[]>, batchOfOrd: number[], batchCount: number): void {
  const { arena, offsets, count } = m.keyEntries();
  expect(count).toBe(versions.size);
  const seen = new Set<string>();
  let lastFirst = -1;
  for (let e = 0; e < count; e++) {
    const hex = keyToHex(arena.subarray(offsets[e], offsets[e + 1]));
    const ords = versions.get(hex)!;
    expect(ords).toBeDefined();
    seen.add(hex);
    expect(m.firstBatchOfEntry(e)).toBe(batchOfOrd[ords[0]]);
    expect(ords[0]).toBeGreaterThan(lastFirst); // numbered by first appearance
    lastFirst = ords[0];
    for (let limit = batchOfOrd[ords[0]] + 1; limit <= batchCount; limit++) {
      const within = ords.filter((o) => batchOfOrd[o] < limit);
      expect(m.newestOfEntry(e, limit)).toBe(within[within.length - 1]);
    }
  }
  expect(seen.size).toBe(count);
}
