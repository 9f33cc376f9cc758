/**
 * Test tables and batches: `id` Int64 primary key, `v` Int32 and `s` Utf8
 * (both nullable). Append-only tables use the same schema without a key.
 *
 * @example
 * ```ts
 * const table = await makeTable(new MemoryStore());
 * await writer.put(rowsBatch([1, 2, 3], 7));   // v = 7 for every row
 * ```
 */
import { Table, type ObjectStore } from '@freshtier/core';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('v', new Int32(), true),
  new Field('s', new Utf8(), true),
]);

export const keySchema = new Schema([schema.fields[0]]);

/** Creates a table: keyed on `id` unless `appendOnly`. */
export function makeTable(store: ObjectStore, opts: { appendOnly?: boolean; shards?: number } = {}): Promise<Table> {
  return Table.create(store, { schema, primaryKey: opts.appendOnly ? [] : ['id'], shards: opts.shards ?? 1 });
}

/** A batch of rows `ids` with `v` = `value` (one value or one per row) and `s` = `s<id>`. */
export function rowsBatch(ids: readonly (number | bigint)[], value: number | readonly (number | null)[] = 0): RecordBatch {
  const n = ids.length;
  const values = typeof value === 'number' ? ids.map(() => value) : value;
  const children = [
    makeData({ type: new Int64(), length: n, data: BigInt64Array.from(ids, (i) => BigInt(i)) }),
    vectorFromArray([...values], new Int32()).data[0],
    vectorFromArray(ids.map((i) => `s${i}`), new Utf8()).data[0],
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

/** A batch of `ids` in `[lo, hi)` with `v` = `value`. */
export function rangeBatch(lo: number, hi: number, value = 0): RecordBatch {
  return rowsBatch(Array.from({ length: hi - lo }, (_, i) => lo + i), value);
}

/** A key-only batch for `delete`. */
export function keysBatch(ids: readonly (number | bigint)[]): RecordBatch {
  const data = makeData({ type: new Int64(), length: ids.length, data: BigInt64Array.from(ids, (i) => BigInt(i)) });
  return new RecordBatch(keySchema, makeData({ type: new Struct(keySchema.fields), length: ids.length, nullCount: 0, children: [data] }));
}

/** A temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'freshtier-writer-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
