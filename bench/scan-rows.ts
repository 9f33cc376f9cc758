/**
 * The rows the scan benches write: an `id` key and three value columns, so both scan
 * benches (scan-throughput.ts, scan-cold-warm.ts) measure the same table shape.
 *
 * @example
 * ```ts
 * const batch = batchOf(evenIds(0, 1_000), 1); // ids 0, 2, …, 1998 at version 1
 * ```
 */
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';

/** The bench table's schema. */
export const schema = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8(), true), new Field('age', new Int32(), true), new Field('score', new Float64(), true)]);

/** Rows `ids` at `version` (the `age` column holds it). */
export function batchOf(ids: BigInt64Array, version: number): RecordBatch {
  const n = ids.length;
  const children = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: ids }),
    vectorFromArray(Array.from(ids, (id) => `user-${id}`), new Utf8()).data[0],
    makeData({ type: new Int32(), length: n, nullCount: 0, data: new Int32Array(n).fill(version) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: Float64Array.from(ids, (id) => Number(id) / 3) }),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

/** A key-only batch of `ids`, for deletes. */
export function keysOnly(ids: BigInt64Array): RecordBatch {
  const s = new Schema([schema.fields[0]]);
  return new RecordBatch(s, makeData({ type: new Struct(s.fields), length: ids.length, nullCount: 0, children: [makeData({ type: new Int64(), length: ids.length, nullCount: 0, data: ids })] }));
}

/** `count` even ids from `2 * from`. */
export const evenIds = (from: number, count: number) => BigInt64Array.from({ length: count }, (_, i) => BigInt(2 * (from + i)));
