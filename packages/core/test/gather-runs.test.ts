/**
 * gatherColumn on selections made of runs (consecutive rows of one source, as scans
 * produce them: a row group minus a few masked rows), which are copied a block at a time:
 * every gathered value and validity bit equals Arrow's own getter on the source, for long
 * and short runs, sliced sources (non-zero offsets), null rows (-1) and a source lacking
 * the column.
 */
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Uint8, Utf8, makeData, makeVector, vectorFromArray, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatherColumn, type RowSelection } from '../src/arrow/gather.js';

const cases: { name: string; type: DataType; gen: (i: number) => unknown }[] = [
  { name: 'int32', type: new Int32(), gen: (i) => (i % 7 === 3 ? null : i * 3 - 50) },
  { name: 'int64', type: new Int64(), gen: (i) => (i % 9 === 2 ? null : BigInt(i) * 10n ** 12n - 1n) },
  { name: 'float64', type: new Float64(), gen: (i) => (i % 8 === 5 ? null : i / 7) },
  { name: 'uint8 (element copy)', type: new Uint8(), gen: (i) => (i % 6 === 1 ? null : i & 0xff) },
  { name: 'utf8', type: new Utf8(), gen: (i) => (i % 5 === 4 ? null : i % 11 === 0 ? '' : `s${i}`.repeat(1 + (i % 40))) },
];

function batchOf(name: string, type: DataType, values: unknown[]): RecordBatch {
  const fields = [new Field(name, type, true)];
  const child = vectorFromArray(values as never, type as never).data[0];
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: values.length, nullCount: 0, children: [child] }));
}

/** A plain batch of 200 rows, a slice (offset 37) of a bigger one, one without nulls, and one lacking the column. */
function sources(c: (typeof cases)[number]): RecordBatch[] {
  const plain = batchOf('v', c.type, Array.from({ length: 200 }, (_, i) => c.gen(i)));
  const sliced = batchOf('v', c.type, Array.from({ length: 300 }, (_, i) => c.gen(i + 1000))).slice(37, 277);
  const dense = batchOf('v', c.type, Array.from({ length: 120 }, (_, i) => c.gen(i * 7 + 1) ?? c.gen(0) ?? 1));
  return [plain, sliced, dense, batchOf('w', new Int32(), [1, 2, 3])];
}

/** Runs: (source, first row, length); source -1 makes null rows. */
const runsArb = (batches: RecordBatch[]) =>
  fc.array(fc.tuple(fc.integer({ min: -1, max: batches.length - 1 }), fc.nat(400), fc.integer({ min: 1, max: 90 })), { maxLength: 12 }).map((runs): RowSelection => {
    const batchOf: number[] = [];
    const rowOf: number[] = [];
    for (const [b, start, len] of runs) {
      const n = b < 0 ? len : Math.min(len, batches[b].numRows);
      const first = b < 0 ? 0 : start % (batches[b].numRows - n + 1);
      for (let k = 0; k < n; k++) batchOf.push(b), rowOf.push(first + k);
    }
    return { count: batchOf.length, batchOf: Int32Array.from(batchOf), rowOf: Int32Array.from(rowOf) };
  });

describe.each(cases.map((c) => [c.name, c] as const))('gatherColumn over runs: %s', (_name, c) => {
  const batches = sources(c);
  it('equals the sources value by value and bit by bit', () => {
    fc.assert(
      fc.property(runsArb(batches), (sel) => {
        const out = makeVector(gatherColumn(batches, 'v', c.type, sel));
        const want = Array.from({ length: sel.count }, (_, i) => (sel.batchOf[i] < 0 ? null : batches[sel.batchOf[i]].getChild('v')?.get(sel.rowOf[i]) ?? null));
        expect(Array.from({ length: sel.count }, (_, i) => out.get(i))).toEqual(want);
        for (let i = 0; i < sel.count; i++) expect(out.isValid(i)).toBe(want[i] !== null);
        expect(out.nullCount).toBe(want.filter((x) => x === null).length);
      }),
      { seed: 1618, numRuns: 80 },
    );
  });
});
