/**
 * Shared pieces of the end-to-end tests (writer + scanner on an S3Store against
 * the loopback s3rver): a small table schema, batch builders, and readers that
 * turn a scan into plain rows.
 *
 * These tests live in the integration package, which may depend on every package
 * (s3-store itself may depend on core only); the loopback server and the fault proxy
 * stay with s3-store's own tests, which use them too.
 *
 * @example
 * ```ts
 * const { table } = await newS3Table(server);
 * const writer = await ShardWriter.open(table, { shard: 0 });
 * await writer.put(rangeBatch(0, 10));
 * expect(idsOf(await readRows(new LsmScanner(table, { writers: [writer] })))).toEqual(range(0, 10));
 * ```
 */
import { Table } from '@freshtier/core';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { S3Store, type S3StoreOptions } from '@freshtier/s3-store';
import type { LsmScanner } from '@freshtier/scanner';
import type { S3TestServer } from '../../../s3-store/test/s3-server.js';

export { ShardWriter, splitByShard, type WriterEvent } from '@freshtier/writer';
export { LsmScanner, col } from '@freshtier/scanner';

/** `id` Int64 (the key unless append-only), `v` Int32, `s` Utf8. */
export const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Int32(), true), new Field('s', new Utf8(), true)]);
const keySchema = new Schema([schema.fields[0]]);

/** A batch of `ids` with `v` = `value` and `s` = `s<id>`. */
export function rowsBatch(ids: readonly number[], value = 0): RecordBatch {
  const n = ids.length;
  const children = [
    makeData({ type: new Int64(), length: n, data: BigInt64Array.from(ids, (i) => BigInt(i)) }),
    makeData({ type: new Int32(), length: n, data: Int32Array.from(ids, () => value) }),
    vectorFromArray(ids.map((i) => `s${i}`), new Utf8()).data[0],
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

/** `[lo, hi)` as an array. */
export const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);

/** Rows `[lo, hi)` with `v` = `value`. */
export const rangeBatch = (lo: number, hi: number, value = 0): RecordBatch => rowsBatch(range(lo, hi), value);

/** A key-only batch, for `delete`. */
export function keysBatch(ids: readonly number[]): RecordBatch {
  const data = makeData({ type: new Int64(), length: ids.length, data: BigInt64Array.from(ids, (i) => BigInt(i)) });
  return new RecordBatch(keySchema, makeData({ type: new Struct(keySchema.fields), length: ids.length, nullCount: 0, children: [data] }));
}

/** A row of a scan, as plain numbers. */
export interface Row {
  id: number;
  v: number | null;
}

/** Every row a scan returns (all columns read, so `s` is checked too). */
export async function readRows(scanner: LsmScanner): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of scanner.scan()) {
    for (const r of batch.toArray()) {
      const { id, v, s } = r.toJSON() as { id: bigint; v: number | null; s: string | null };
      if (s !== `s${id}`) throw new Error(`row ${id} has s=${s}`);
      rows.push({ id: Number(id), v });
    }
  }
  return rows;
}

/** The ids of `rows`, ascending. */
export const idsOf = (rows: readonly Row[]): number[] => rows.map((r) => r.id).sort((a, b) => a - b);

/**
 * A fresh bucket with a table under `tables/t` (prefix exercised everywhere).
 * `extra` overrides store options, e.g. `endpoint` to go through a fault proxy.
 */
export async function newS3Table(
  server: S3TestServer,
  opts: { appendOnly?: boolean; shards?: number; extra?: Partial<S3StoreOptions> } = {},
): Promise<{ store: S3Store; table: Table; storeOptions: S3StoreOptions }> {
  const storeOptions: S3StoreOptions = { ...server.storeOptions, bucket: await server.newBucket(), prefix: 'tables/t', ...opts.extra };
  const store = new S3Store(storeOptions);
  const table = await Table.create(store, { schema, primaryKey: opts.appendOnly ? [] : ['id'], shards: opts.shards ?? 1 });
  return { store, table, storeOptions };
}
