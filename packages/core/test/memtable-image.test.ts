/**
 * A MemtableImage (what the writer sends its flush worker) must encode to exactly
 * the bytes the memtable itself encodes to: same Parquet file, same key index —
 * after a structured clone with transfer, as postMessage does it. Random workloads of
 * puts, deletes, duplicate keys, nulls, sliced batches and nested/dictionary columns.
 */
import {
  Bool, Dictionary, Field, Float64, Int32, Int64, List, Schema, Struct, Table, TimeUnit, Timestamp, Utf8, vectorFromArray, type RecordBatch,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeGeneration } from '../src/format/generation-file.js';
import { encodeKeyIndex } from '../src/format/key-index.js';
import { imageInput, memtableImage } from '../src/memtable/memtable-image.js';
import { Memtable } from '../src/memtable/memtable.js';
import { encodeKeys } from '../src/keys/pk-encoding.js';

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('tag', new Utf8(), false),
  new Field('v', new Int32(), true),
  new Field('f', new Float64(), true),
  new Field('b', new Bool(), true),
  new Field('s', new Utf8(), true),
  new Field('ts', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), true),
  new Field('l', new List(new Field('item', new Int32(), true)), true),
  new Field('d', new Dictionary(new Utf8(), new Int32()), true),
  new Field('st', new Struct([new Field('x', new Int32(), true), new Field('y', new Utf8(), true)]), true),
]);

interface Row { id: number; tag: string; v: number | null; s: string | null; l: number[] | null; d: string | null }

function putBatch(rows: Row[], sliceFrom: number): RecordBatch {
  const pad: Row[] = Array.from({ length: sliceFrom }, (_, i) => ({ id: -1 - i, tag: 'pad', v: 0, s: 'pad', l: [9], d: 'pad' }));
  const all = [...pad, ...rows];
  const t = new Table({
    id: vectorFromArray(all.map((r) => BigInt(r.id)), new Int64()),
    tag: vectorFromArray(all.map((r) => r.tag), new Utf8()),
    v: vectorFromArray(all.map((r) => r.v), new Int32()),
    f: vectorFromArray(all.map((r) => (r.v === null ? null : r.v / 3)), new Float64()),
    b: vectorFromArray(all.map((r) => (r.v === null ? null : r.v % 2 === 0)), new Bool()),
    s: vectorFromArray(all.map((r) => r.s), new Utf8()),
    ts: vectorFromArray(all.map((r) => (r.v === null ? null : r.v * 1000)), new Timestamp(TimeUnit.MILLISECOND, 'UTC')),
    l: vectorFromArray(all.map((r) => r.l), new List(new Field('item', new Int32(), true))),
    d: vectorFromArray(all.map((r) => r.d), new Dictionary(new Utf8(), new Int32())),
    st: vectorFromArray(all.map((r) => (r.v === null ? null : { x: r.v, y: r.s })), schema.fields[9].type),
  });
  expect(t.batches).toHaveLength(1);
  const b = t.batches[0];
  return sliceFrom > 0 ? b.slice(sliceFrom) : b;
}

function deleteBatch(ids: number[], tags: string[]): RecordBatch {
  return new Table({ id: vectorFromArray(ids.map(BigInt), new Int64()), tag: vectorFromArray(tags, new Utf8()) }).batches[0];
}

const row: fc.Arbitrary<Row> = fc.record({
  id: fc.integer({ min: 0, max: 30 }),
  tag: fc.constantFrom('a', 'b', 'c\u0000'),
  v: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }),
  s: fc.option(fc.string({ maxLength: 6 }), { nil: null }),
  l: fc.option(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 3 }), { nil: null }),
  d: fc.option(fc.constantFrom('red', 'green', 'blue'), { nil: null }),
});

const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), rows: fc.array(row, { minLength: 1, maxLength: 8 }), slice: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), keys: fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom('a', 'b')), { minLength: 1, maxLength: 4 }) }) },
);

/** Encodes `m` directly and through an image that went through a transferring structured clone. */
function bothWays(m: Memtable) {
  const direct = encodeGeneration(m, schema, m.batchCount, { rowGroupSize: 7 });
  const { image, transfer } = memtableImage(m, schema);
  const received = structuredClone(image, { transfer });
  expect(transfer.every((b) => b.byteLength === 0)).toBe(true); // moved, not copied: the sender's copies are detached
  const viaImage = encodeGeneration(imageInput(received), schema, received.batchCount, { rowGroupSize: 7 });
  return { direct, viaImage };
}

describe('MemtableImage', () => {
  it('encodes to the same Parquet bytes and key index as the memtable (keyed table)', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), (ops) => {
      const m = new Memtable(0, 3, true);
      for (const o of ops) {
        const b = o.kind === 'put' ? putBatch(o.rows, o.slice) : deleteBatch(o.keys.map((k) => k[0]), o.keys.map((k) => k[1]));
        m.append(b, o.kind, encodeKeys(b, ['tag', 'id']), -1);
      }
      m.freeze();
      const { direct, viaImage } = bothWays(m);
      expect(Buffer.from(viaImage.parquet).equals(Buffer.from(direct.parquet))).toBe(true);
      expect(Buffer.from(encodeKeyIndex(viaImage.keyIndex!)).equals(Buffer.from(encodeKeyIndex(direct.keyIndex!)))).toBe(true);
      expect([viaImage.rows, viaImage.pkMin, viaImage.pkMax]).toEqual([direct.rows, direct.pkMin, direct.pkMax]);
    }), { seed: 4101, numRuns: 40 });
  });

  it('encodes append-only memtables (no key index) to the same bytes', () => {
    const m = new Memtable(0, 1, false);
    for (let i = 0; i < 5; i++) m.append(putBatch([{ id: i, tag: 'a', v: i, s: null, l: [i], d: 'red' }, { id: i, tag: 'a', v: null, s: 'x', l: null, d: null }], i % 2), 'put', undefined, -1);
    const { direct, viaImage } = bothWays(m);
    expect(viaImage.keyIndex).toBeUndefined();
    expect(viaImage.rows).toBe(10);
    expect(Buffer.from(viaImage.parquet).equals(Buffer.from(direct.parquet))).toBe(true);
  });

  it('an image of an empty memtable encodes an empty generation', () => {
    const { direct, viaImage } = bothWays(new Memtable(0, 1, true));
    expect(viaImage.rows).toBe(0);
    expect(Buffer.from(viaImage.parquet).equals(Buffer.from(direct.parquet))).toBe(true);
  });

  it('copies: appending to the memtable afterwards does not change an image taken before', () => {
    const m = new Memtable(0, 1, true);
    const b = putBatch([{ id: 1, tag: 'a', v: 1, s: 's', l: [], d: 'red' }], 0);
    m.append(b, 'put', encodeKeys(b, ['tag', 'id']), -1);
    const { image } = memtableImage(m, schema);
    const b2 = putBatch([{ id: 2, tag: 'a', v: 2, s: 't', l: [], d: 'blue' }], 0);
    m.append(b2, 'put', encodeKeys(b2, ['tag', 'id']), -1);
    const g = encodeGeneration(imageInput(image), schema, image.batchCount);
    expect(g.rows).toBe(1);
    expect(encodeGeneration(m, schema, m.batchCount).rows).toBe(2);
  });
});
