import { Field, Float64, Int32, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Table } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_COLUMN, TOMBSTONE_COLUMN, encodeGeneration, generationFileSchema } from '../src/format/generation-file.js';
import { Memtable } from '../src/memtable/memtable.js';
import { readParquetFile } from '../src/format/parquet-codec.js';
import { compareBytes, encodeKeys, keyAt, keyToHex } from '../src/keys/pk-encoding.js';
import { decodeKeyIndex, encodeKeyIndex, type KeyIndex } from '../src/format/key-index.js';

const schema = new Schema([
  new Field('id', new Int32(), false),
  new Field('name', new Utf8(), true),
  new Field('score', new Float64(), false),
], new Map([['owner', 'tests']]));

function batchOf(s: Schema, cols: Record<string, unknown[]>): RecordBatch {
  const n = Object.values(cols)[0].length;
  const children = s.fields.map((f) => vectorFromArray(cols[f.name] as never, f.type as never).data[0]);
  return new RecordBatch(s, makeData({ type: new Struct(s.fields), length: n, nullCount: 0, children }));
}

const keySchema = new Schema([schema.fields[0]]);
const putBatch = (ids: number[], bi: number) => batchOf(schema, { id: ids, name: ids.map((i) => (i % 4 === 3 ? null : `n${i}@${bi}`)), score: ids.map((i) => i + bi / 100) });
const deleteBatch = (ids: number[]) => batchOf(keySchema, { id: ids });

interface Op {
  op: 'put' | 'delete';
  ids: number[];
  /** Append a slice of a bigger batch instead of a plain batch. */
  sliced: boolean;
}

function build(ops: Op[]): Memtable {
  const m = new Memtable(0, 5, true);
  ops.forEach((o, bi) => {
    let b = o.op === 'put' ? putBatch(o.ids, bi) : deleteBatch(o.ids);
    if (o.sliced) {
      const big = o.op === 'put' ? putBatch([-1, ...o.ids, -2], bi) : deleteBatch([-1, ...o.ids, -2]);
      b = big.slice(1, 1 + o.ids.length);
    }
    m.append(b, o.op, encodeKeys(b, ['id']), 100 + bi);
  });
  return m;
}

/** The single batch of a small read-back file, as plain rows. */
function rowsOf(t: Table) {
  return t.toArray().map((r) => ({
    id: r.id as number | null, name: r.name as string | null, score: r.score as number | null,
    batch: r[BATCH_COLUMN] as number, tombstone: r[TOMBSTONE_COLUMN] as boolean,
  }));
}

const plainIndex = (ix: KeyIndex) => ({
  count: ix.count,
  keys: Array.from({ length: ix.count }, (_, i) => keyToHex(ix.keyBytes.subarray(ix.keyOffsets[i], ix.keyOffsets[i + 1]))),
  rows: Array.from(ix.rows), firstBatch: Array.from(ix.firstBatch), tombstone: Array.from(ix.tombstone),
});

const idHex = (id: number) => keyToHex(keyAt(encodeKeys(deleteBatch([id]), ['id']), 0));

/** Encodes the first `batchCount` batches of `ops` and compares the file and key index with a model: newest version per key, first batch per key. */
function matchesModel(ops: Op[], batchCount: number): void {
  const m = build(ops);
  const g = encodeGeneration(m, schema, batchCount, { rowGroupSize: 4 });

  // model: newest version per key among the first batchCount batches, first batch per key
  const newest = new Map<number, { bi: number; op: 'put' | 'delete' }>();
  const first = new Map<number, number>();
  ops.slice(0, batchCount).forEach((o, bi) => o.ids.forEach((id) => {
    newest.set(id, { bi, op: o.op });
    if (!first.has(id)) first.set(id, bi);
  }));
  const ids = [...newest.keys()].sort((a, b) => a - b);

  const t = readParquetFile(g.parquet, 'data.parquet');
  expect(g.rows).toBe(ids.length);
  expect(t.numRows).toBe(ids.length);
  expect(t.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual(generationFileSchema(schema).fields.map((f) => [f.name, String(f.type), f.nullable]));
  expect(rowsOf(t)).toEqual(ids.map((id) => {
    const v = newest.get(id)!;
    const dead = v.op === 'delete';
    return {
      id, batch: v.bi, tombstone: dead,
      name: dead || id % 4 === 3 ? null : `n${id}@${v.bi}`,
      score: dead ? null : id + v.bi / 100,
    };
  }));

  expect(g.keyIndex).toBeDefined();
  expect(plainIndex(g.keyIndex!)).toEqual({
    count: ids.length, keys: ids.map(idHex), rows: ids.map((_, i) => i),
    firstBatch: ids.map((id) => first.get(id)!), tombstone: ids.map((id) => (newest.get(id)!.op === 'delete' ? 1 : 0)),
  });
  expect(plainIndex(decodeKeyIndex(encodeKeyIndex(g.keyIndex!), 'k'))).toEqual(plainIndex(g.keyIndex!));
  expect(g.pkMin).toBe(ids.length ? idHex(ids[0]) : undefined);
  expect(g.pkMax).toBe(ids.length ? idHex(ids[ids.length - 1]) : undefined);
}

describe('encodeGeneration (keyed)', () => {
  it('matches a model: sorted by key, newest per key, tombstones, _ft_batch, key index, pkMin/pkMax, bounded batchCount', () => {
    const opArb: fc.Arbitrary<Op> = fc.record({
      op: fc.constantFrom('put' as const, 'put' as const, 'delete' as const),
      ids: fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 8 }),
      sliced: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 8 }).chain((ops) => fc.tuple(fc.constant(ops), fc.integer({ min: 0, max: ops.length }))), ([ops, batchCount]) => {
      matchesModel(ops, batchCount);
    }), { seed: 4201, numRuns: 40 });
  });

  it('keys that arrive ascending, each once: written from the batches themselves, and the same as the model', () => {
    // every row of every batch in order: the encoder skips the gather (generation-file.ts)
    const ascending = fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { minLength: 1, maxLength: 6 }).map((sizes) => {
      let next = -20;
      return sizes.map(([n, sliced]): Op => ({ op: 'put', ids: Array.from({ length: n }, () => (next += 3)), sliced }));
    });
    fc.assert(fc.property(ascending.chain((ops) => fc.tuple(fc.constant(ops), fc.integer({ min: 0, max: ops.length }))), ([ops, batchCount]) => {
      matchesModel(ops, batchCount);
    }), { seed: 4202, numRuns: 60 });
  });

  it('a spelled-out generation', () => {
    const m = build([
      { op: 'put', ids: [5, 1, 3], sliced: false },
      { op: 'put', ids: [3, 3], sliced: false },
      { op: 'delete', ids: [1, 9], sliced: false },
      { op: 'put', ids: [9], sliced: false },
    ]);
    const g = encodeGeneration(m, schema, 4);
    expect(rowsOf(readParquetFile(g.parquet, 'x'))).toEqual([
      { id: 1, name: null, score: null, batch: 2, tombstone: true },
      { id: 3, name: null, score: 3.01, batch: 1, tombstone: false }, // 3 % 4 === 3: name is null in the input
      { id: 5, name: 'n5@0', score: 5, batch: 0, tombstone: false },
      { id: 9, name: 'n9@3', score: 9.03, batch: 3, tombstone: false },
    ]);
    expect(plainIndex(g.keyIndex!).firstBatch).toEqual([0, 0, 0, 2]);
    expect(plainIndex(g.keyIndex!).tombstone).toEqual([1, 0, 0, 0]);
    // bounded to the first two batches: the delete and the re-put of 9 are not there
    const g2 = encodeGeneration(m, schema, 2);
    expect(rowsOf(readParquetFile(g2.parquet, 'x')).map((r) => [r.id, r.batch, r.tombstone])).toEqual([[1, 0, false], [3, 1, false], [5, 0, false]]);
    expect(g2.pkMax).toBe(idHex(5));
  });

  it('sorts by encoded key bytes for composite keys with "\\u0000" (not by JS string order)', () => {
    const s = new Schema([new Field('t', new Utf8(), false), new Field('n', new Int32(), false), new Field('v', new Int32(), true)]);
    const keys = [['b', 1], ['a\u0000', 0], ['a', 5], ['\u{10000}', 0], ['\uffff', 0], ['a', -5], ['', 2]] as const;
    const b = batchOf(s, { t: keys.map((k) => k[0]), n: keys.map((k) => k[1]), v: keys.map((_, i) => i) });
    const m = new Memtable(0, 1, true);
    m.append(b, 'put', encodeKeys(b, ['t', 'n']), -1);
    const g = encodeGeneration(m, s, 1);
    const t = readParquetFile(g.parquet, 'x');
    expect(t.batches.length).toBe(1);
    const back = encodeKeys(t.batches[0], ['t', 'n']);
    for (let i = 0; i + 1 < back.count; i++) expect(compareBytes(back.bytes, back.offsets[i], back.offsets[i + 1], back.bytes, back.offsets[i + 1], back.offsets[i + 2])).toBeLessThan(0);
    expect(t.toArray().map((r) => [r.t, r.n])).toEqual([['', 2], ['a', -5], ['a', 5], ['a\u0000', 0], ['b', 1], ['\uffff', 0], ['\u{10000}', 0]]);
    expect(plainIndex(g.keyIndex!).keys).toEqual(Array.from({ length: back.count }, (_, i) => keyToHex(keyAt(back, i))));
  });

  it('an empty keyed memtable encodes to zero rows and an empty index', () => {
    const g = encodeGeneration(new Memtable(0, 1, true), schema, 0);
    expect(g.rows).toBe(0);
    expect(g.keyIndex?.count).toBe(0);
    expect(g.pkMin).toBeUndefined();
    expect(g.pkMax).toBeUndefined();
    expect(readParquetFile(g.parquet, 'x').numRows).toBe(0);
  });
});

describe('encodeGeneration (append-only)', () => {
  it('keeps every row in order, with its batch, no tombstones and no key index', () => {
    const m = new Memtable(0, 1, false);
    const b0 = putBatch([3, 1, 3], 0);
    const b1 = putBatch([10, 11, 12, 13], 1).slice(1, 3);
    const b2 = putBatch([1], 2);
    for (const b of [b0, b1, b2]) m.append(b, 'put', undefined, -1);
    const g = encodeGeneration(m, schema, 3);
    expect(g.keyIndex).toBeUndefined();
    expect(g.pkMin).toBeUndefined();
    expect(g.rows).toBe(6);
    expect(rowsOf(readParquetFile(g.parquet, 'x')).map((r) => [r.id, r.name, r.batch, r.tombstone])).toEqual([
      [3, null, 0, false], [1, 'n1@0', 0, false], [3, null, 0, false], [11, null, 1, false], [12, 'n12@1', 1, false], [1, 'n1@2', 2, false],
    ]);
    const bounded = encodeGeneration(m, schema, 1);
    expect(bounded.rows).toBe(3);
    expect(rowsOf(readParquetFile(bounded.parquet, 'x')).map((r) => r.id)).toEqual([3, 1, 3]);
  });
});

describe('generationFileSchema', () => {
  it('makes every table field nullable, keeps metadata, and appends the system columns', () => {
    const fs = generationFileSchema(schema);
    expect(fs.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['id', 'Int32', true], ['name', 'Utf8', true], ['score', 'Float64', true], [BATCH_COLUMN, 'Int32', false], [TOMBSTONE_COLUMN, 'Bool', false],
    ]);
    expect(BATCH_COLUMN).toBe('_ft_batch');
    expect(TOMBSTONE_COLUMN).toBe('_ft_tombstone');
    expect(fs.metadata.get('owner')).toBe('tests');
  });
});
