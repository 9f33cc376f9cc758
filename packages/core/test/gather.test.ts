/**
 * gatherColumn against Arrow's own getters: for every selected row, the gathered value
 * equals `vector.get(row)` of the source batch (null for a -1 selection or a batch that
 * lacks the column). Sources include sliced batches (Data with a non-zero offset).
 */
import {
  Binary, Bool, DateDay, Dictionary, Field, FixedSizeList, Float64, Int32, Int64, List, MapRow, Map_, RecordBatch, Schema, Struct, StructRow, Timestamp,
  TimeUnit, Uint8, Utf8, Vector, makeData, makeVector, vectorFromArray, type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatherColumn, type RowSelection } from '../src/arrow/gather.js';

function batchOf(cols: Record<string, { type: DataType; values: unknown[] }>): RecordBatch {
  const fields = Object.entries(cols).map(([name, c]) => new Field(name, c.type, true));
  const n = Object.values(cols)[0].values.length;
  const children = Object.values(cols).map((c) => vectorFromArray(c.values as never, c.type as never).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
}

/** Arrow values as plain, comparable JS (lists, structs and maps recursively). */
const norm = (v: unknown): unknown => {
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (v instanceof Vector) return { list: Array.from(v, norm) };
  if (v instanceof StructRow) return { struct: Object.fromEntries(Array.from(v as Iterable<[string, unknown]>, ([k, x]) => [k, norm(x)])) };
  if (v instanceof MapRow) return { map: Array.from(v as Iterable<[unknown, unknown]>, ([k, x]) => [norm(k), norm(x)]) };
  return v;
};

const int = new Field('item', new Int32(), true);

interface TypeCase {
  name: string;
  type: DataType;
  /** Values for rows 0..n-1 (null allowed). */
  gen: (i: number) => unknown;
}

const cases: TypeCase[] = [
  { name: 'int32', type: new Int32(), gen: (i) => (i % 5 === 3 ? null : i * 7 - 20) },
  { name: 'uint8', type: new Uint8(), gen: (i) => (i % 4 === 1 ? null : (i * 37) & 0xff) },
  { name: 'int64', type: new Int64(), gen: (i) => (i % 6 === 2 ? null : BigInt(i) * 10n ** 15n - 7n) },
  { name: 'float64', type: new Float64(), gen: (i) => (i % 5 === 0 ? null : i % 7 === 1 ? NaN : i / 3 - 2) },
  { name: 'bool', type: new Bool(), gen: (i) => (i % 7 === 4 ? null : i % 3 === 0) },
  { name: 'utf8', type: new Utf8(), gen: (i) => (i % 5 === 1 ? null : i % 4 === 0 ? '' : `v${i}\u0000é`.repeat(1 + (i % 3))) },
  { name: 'binary', type: new Binary(), gen: (i) => (i % 6 === 5 ? null : Uint8Array.from({ length: i % 4 }, (_, k) => (i + k) & 0xff)) },
  { name: 'timestamp', type: new Timestamp(TimeUnit.MILLISECOND, 'UTC'), gen: (i) => (i % 4 === 2 ? null : 1_700_000_000_000 + i * 1000) },
  { name: 'date', type: new DateDay(), gen: (i) => (i % 4 === 3 ? null : new Date(i * 86_400_000)) },
  { name: 'dictionary (generic path)', type: new Dictionary(new Utf8(), new Int32()), gen: (i) => (i % 5 === 2 ? null : ['red', 'green', 'blue'][i % 3]) },
  { name: 'list<int32> (generic path)', type: new List(int), gen: (i) => (i % 4 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => i + k)) },
  { name: 'fixed-size list (generic path)', type: new FixedSizeList(2, int), gen: (i) => (i % 4 === 1 ? null : [i, i % 3 === 0 ? null : -i]) },
  { name: 'list<list<int32>> (generic path)', type: new List(new Field('item', new List(int), true)), gen: (i) => (i % 5 === 0 ? null : [[i], [], [i + 1, i + 2]].slice(0, i % 4)) },
  {
    name: 'struct<int32, list<int32>> (generic path)', type: new Struct([new Field('a', new Int32(), true), new Field('l', new List(int), true)]),
    gen: (i) => (i % 4 === 2 ? null : { a: i % 3 === 0 ? null : i, l: Array.from({ length: i % 3 }, (_, k) => k * i) }),
  },
  {
    name: 'map<utf8, int32> (generic path)', type: new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]) as never, false)),
    gen: (i) => (i % 4 === 3 ? null : new Map(Array.from({ length: i % 3 }, (_, k) => [`k${k}`, k === 1 ? null : i * k] as [string, number | null]))),
  },
];

/** Three sources: a plain batch, a slice of a bigger batch (offset 5), and a batch without the column. */
function sources(c: TypeCase): RecordBatch[] {
  const plain = batchOf({ v: { type: c.type, values: Array.from({ length: 9 }, (_, i) => c.gen(i)) } });
  const big = batchOf({ v: { type: c.type, values: Array.from({ length: 23 }, (_, i) => c.gen(i + 100)) } });
  const sliced = big.slice(5, 19);
  expect(sliced.getChildAt(0)!.data[0].offset).toBe(5);
  const other = batchOf({ w: { type: new Int32(), values: [1, 2, 3] } });
  return [plain, sliced, other];
}

function expected(batches: RecordBatch[], col: string, sel: RowSelection): unknown[] {
  return Array.from({ length: sel.count }, (_, i) => {
    const b = sel.batchOf[i];
    if (b < 0) return null;
    const v = batches[b].getChild(col);
    return v ? norm(v.get(sel.rowOf[i])) : null;
  });
}

function check(c: TypeCase, batches: RecordBatch[], sel: RowSelection): void {
  const data = gatherColumn(batches, 'v', c.type, sel);
  expect(data.length).toBe(sel.count);
  expect(String(data.type)).toBe(String(c.type));
  const out = makeVector(data);
  const got = Array.from({ length: sel.count }, (_, i) => norm(out.get(i)));
  const want = expected(batches, 'v', sel);
  expect(got).toEqual(want);
  expect(data.nullCount).toBe(want.filter((x) => x === null).length);
  for (let i = 0; i < sel.count; i++) expect(out.isValid(i)).toBe(want[i] !== null);
}

const selectionArb = (batches: RecordBatch[]) =>
  fc.array(fc.tuple(fc.integer({ min: -1, max: batches.length - 1 }), fc.nat(1000)), { maxLength: 60 }).map((picks): RowSelection => ({
    count: picks.length,
    batchOf: Int32Array.from(picks, ([b]) => b),
    rowOf: Int32Array.from(picks, ([b, r]) => (b < 0 ? 0 : r % batches[b].numRows)),
  }));

describe.each(cases.map((c) => [c.name, c] as const))('gatherColumn: %s', (_name, c) => {
  const batches = sources(c);

  it('random selections across batches, incl. sliced sources, -1 and missing columns', () => {
    fc.assert(fc.property(selectionArb(batches), (sel) => check(c, batches, sel)), { seed: 3301, numRuns: 60 });
  });

  it('every row of the sliced source, in order (offset handling)', () => {
    const n = batches[1].numRows;
    check(c, batches, { count: n, batchOf: new Int32Array(n).fill(1), rowOf: Int32Array.from({ length: n }, (_, i) => i) });
  });

  it('an empty selection', () => {
    check(c, batches, { count: 0, batchOf: new Int32Array(0), rowOf: new Int32Array(0) });
  });

  it('no source has the column: all nulls', () => {
    check(c, [batches[2]], { count: 3, batchOf: Int32Array.of(0, -1, 0), rowOf: Int32Array.of(0, 0, 2) });
  });
});

it('gathered fixed-width data is a copy: later changes to a source do not show', () => {
  const src = batchOf({ v: { type: new Int32(), values: [1, 2, 3] } });
  const data = gatherColumn([src], 'v', new Int32(), { count: 2, batchOf: Int32Array.of(0, 0), rowOf: Int32Array.of(2, 0) });
  (src.getChildAt(0)!.data[0].values as Int32Array)[2] = 99;
  expect(Array.from(makeVector(data).toArray() as Int32Array)).toEqual([3, 1]);
});
