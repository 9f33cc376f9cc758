/**
 * Test data: a users table (id Int64 key, name Utf8, age Int32), batch builders,
 * the shard of a key, and reading results back as plain sorted rows. Also used by the
 * cross-package tests in packages/integration (which write with the real writer).
 */
import { MemoryStore, Table, encodeKeys, type ObjectStore } from '@freshtier/core';
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Table as ArrowTable } from 'apache-arrow';

export interface User {
  id: bigint;
  name: string | null;
  age: number | null;
}

export const usersSchema = new Schema([
  new Field('id', new Int64(), false),
  new Field('name', new Utf8(), true),
  new Field('age', new Int32(), true),
  new Field('score', new Float64(), true),
]);

export async function usersTable(opts: { shards?: number; store?: ObjectStore; appendOnly?: boolean } = {}): Promise<Table> {
  return Table.create(opts.store ?? new MemoryStore(), { schema: usersSchema, primaryKey: opts.appendOnly ? [] : ['id'], shards: opts.shards ?? 1 });
}

export function user(id: number | bigint, age: number | null = 30, name: string | null = `u${id}`): User {
  return { id: BigInt(id), name, age };
}

/** A batch of users (score = age / 2). */
export function usersBatch(rows: readonly User[]): RecordBatch {
  const n = rows.length;
  const children = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: BigInt64Array.from(rows, (r) => r.id) }),
    vectorFromArray(rows.map((r) => r.name), new Utf8()).data[0],
    vectorFromArray(rows.map((r) => r.age), new Int32()).data[0],
    vectorFromArray(rows.map((r) => (r.age === null ? null : r.age / 2)), new Float64()).data[0],
  ];
  return new RecordBatch(usersSchema, makeData({ type: new Struct(usersSchema.fields), length: n, nullCount: 0, children }));
}

/** A batch holding only the key column. */
export function idsBatch(ids: readonly (number | bigint)[]): RecordBatch {
  const schema = new Schema([usersSchema.fields[0]]);
  const data = makeData({ type: new Int64(), length: ids.length, nullCount: 0, data: BigInt64Array.from(ids, (i) => BigInt(i)) });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children: [data] }));
}

/** The shard of each id. */
export function shardOfIds(table: Table, ids: readonly (number | bigint)[]): number[] {
  return [...table.shardsOf(encodeKeys(idsBatch(ids), ['id']))];
}

/** Rows of an Arrow table as plain objects sorted by id. */
export function rowsOf(t: ArrowTable): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const b of t.batches) {
    for (let r = 0; r < b.numRows; r++) {
      const row: Record<string, unknown> = {};
      for (const f of b.schema.fields) row[f.name] = b.getChild(f.name)!.get(r);
      out.push(row);
    }
  }
  return out.sort((a, b) => (a.id as bigint) < (b.id as bigint) ? -1 : (a.id as bigint) > (b.id as bigint) ? 1 : 0);
}

/** `id → age` of a result (ages are the "version" in many tests). */
export function agesById(t: ArrowTable): Map<bigint, number | null> {
  return new Map(rowsOf(t).map((r) => [r.id as bigint, r.age as number | null]));
}
