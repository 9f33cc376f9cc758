/**
 * A table for merge-engine tests: `id` Int64 key, `ts` Int64 (the sequence field when
 * the options name it), `v` Int32 and `s` Utf8 (nullable).
 *
 * @example
 * ```ts
 * const table = await mergeTable(new MemoryStore(), { mergeEngine: 'aggregate', aggregates: { v: 'sum' } });
 * await writer.put(mergeRows([[1, 0, 5, 'a']])); // id, ts, v, s
 * ```
 */
import { Table, type MergeSpec, type ObjectStore } from '@freshtier/core';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Table as ArrowTable } from 'apache-arrow';

export const mergeSchema = new Schema([
  new Field('id', new Int64(), false),
  new Field('ts', new Int64(), false),
  new Field('v', new Int32(), true),
  new Field('s', new Utf8(), true),
]);

/** A table of {@link mergeSchema} keyed on `id` with these merge options. */
export function mergeTable(store: ObjectStore, spec: MergeSpec): Promise<Table> {
  return Table.create(store, { schema: mergeSchema, primaryKey: ['id'], ...spec });
}

/** A batch of `[id, ts, v, s]` rows. */
export function mergeRows(rows: readonly [number, number, number | null, string | null][]): RecordBatch {
  const children = [
    vectorFromArray(rows.map((r) => BigInt(r[0])), new Int64()).data[0],
    vectorFromArray(rows.map((r) => BigInt(r[1])), new Int64()).data[0],
    vectorFromArray(rows.map((r) => r[2]), new Int32()).data[0],
    vectorFromArray(rows.map((r) => r[3]), new Utf8()).data[0],
  ];
  return new RecordBatch(mergeSchema, makeData({ type: new Struct(mergeSchema.fields), length: rows.length, nullCount: 0, children }));
}

/** A key-only batch for `delete`. */
export function idsBatch(ids: readonly number[]): RecordBatch {
  const schema = new Schema([mergeSchema.fields[0]]);
  const data = vectorFromArray(ids.map(BigInt), new Int64()).data[0];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children: [data] }));
}

/** Rows as plain objects, sorted by id. */
export function rowsOf(t: ArrowTable): Record<string, unknown>[] {
  return t.toArray().map((r) => r.toJSON() as Record<string, unknown>).sort((a, b) => Number((a.id as bigint) - (b.id as bigint)));
}
