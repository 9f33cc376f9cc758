/**
 * Checking caller batches before anything is written ("bad input never
 * corrupts stored data", DESIGN.md "Errors"): schema (`Table.conform`),
 * primary keys (`encodeKeys`: no nulls), and shard ownership (a row belongs to
 * the shard its key hashes to). Also routing rows, or the keys of a delete, to
 * shards for callers that feed several writers (`splitByShard`).
 */
import {
  InvalidOptionsError, SchemaMismatchError, assertBatchColumnNames, batchByteSize, encodeKeys, gatherColumn, isArrowRecordBatch, sameType,
  type EncodedKeys, type ShardId, type Table,
} from '@freshtier/core';
import { RecordBatch, Schema, Struct, makeData, type Data } from 'apache-arrow';

/**
 * A batch that passed every check, ready for the memtable and the WAL.
 *
 * @example
 * ```ts
 * const p: PreparedBatch = preparePut(table, 0, batch);
 * memtable.append(p.batch, p.op, p.keys, walPosition);
 * ```
 */
export interface PreparedBatch {
  readonly op: 'put' | 'delete';
  /** Columns in table order (puts) or the key columns only (deletes). */
  readonly batch: RecordBatch;
  /** Encoded primary keys; absent on append-only tables. */
  readonly keys: EncodedKeys | undefined;
  readonly rows: number;
  /** Memory the batch adds to a memtable (Arrow buffers + encoded keys), as `Memtable` counts it. */
  readonly bytes: number;
}

/**
 * Checks a batch for `put` on `shard`: schema, key nulls, and that every row's
 * key hashes to `shard`. Throws `SchemaMismatchError`, `NullPrimaryKeyError` or
 * `InvalidOptionsError` (path `batch`) before anything is written.
 *
 * @example
 * ```ts
 * const prepared = preparePut(table, 0, batch); // throws on a bad batch
 * ```
 */
export function preparePut(table: Table, shard: ShardId, batch: unknown): PreparedBatch {
  const conformed = table.conform(batch);
  const keys = table.appendOnly ? undefined : encodeKeys(conformed, table.primaryKey);
  if (keys) assertOwnShard(table, shard, keys, 'ShardWriter.put batch');
  return prepared('put', conformed, keys);
}

/**
 * Checks a batch for `delete` on `shard`. The batch holds the key columns (any
 * other table columns are dropped; a repeated or `_ft_` column is refused); the result is a batch of key columns only,
 * which becomes tombstones. Throws on append-only tables, which have no keys.
 *
 * @example
 * ```ts
 * const tombstones = prepareDelete(table, 0, keyBatch);
 * tombstones.batch.schema.fields.map((f) => f.name); // ['id']
 * ```
 */
export function prepareDelete(table: Table, shard: ShardId, keys: unknown): PreparedBatch {
  if (table.appendOnly) {
    throw new InvalidOptionsError('ShardWriter.delete call', [{ path: 'keys', message: 'the table is append-only (no primary key): rows cannot be deleted' }]);
  }
  if (!isArrowRecordBatch(keys)) throw new SchemaMismatchError('delete expects an Arrow RecordBatch of the primary-key columns');
  const keyBatch = keyColumnsOf(table, keys);
  const encoded = encodeKeys(keyBatch, table.primaryKey);
  assertOwnShard(table, shard, encoded, 'ShardWriter.delete keys');
  return prepared('delete', keyBatch, encoded);
}

/**
 * Splits a batch into one batch per shard (by the hash of each row's key), for
 * callers that feed one writer per shard. Rows keep their order within a shard.
 * A batch of whole rows is checked as `put` checks it (`Table.conform`); a batch
 * holding only the primary-key columns is routed as delete keys: each part holds
 * the key columns (typed as in the table), ready for `ShardWriter.delete`.
 *
 * @example
 * ```ts
 * for (const [shard, part] of splitByShard(table, batch)) await writers[shard].put(part);
 * for (const [shard, keys] of splitByShard(table, keyBatch)) await writers[shard].delete(keys);
 * ```
 */
export function splitByShard(table: Table, batch: unknown): Map<ShardId, RecordBatch> {
  if (table.appendOnly) {
    throw new InvalidOptionsError('splitByShard call', [{ path: 'batch', message: 'the table is append-only: rows have no key to route by, choose the shard yourself' }]);
  }
  const routed = isKeyBatch(table, batch) ? keyColumnsOf(table, batch) : table.conform(batch);
  const shards = table.shardsOf(encodeKeys(routed, table.primaryKey));
  const rowsOf = new Map<ShardId, number[]>();
  shards.forEach((s, row) => {
    const rows = rowsOf.get(s);
    if (rows) rows.push(row);
    else rowsOf.set(s, [row]);
  });
  const out = new Map<ShardId, RecordBatch>();
  for (const [s, rows] of [...rowsOf].sort((a, b) => a[0] - b[0])) {
    out.set(s, rows.length === routed.numRows ? routed : takeRows(routed.schema, routed, rows));
  }
  return out;
}

/**
 * Whether `batch` holds exactly the primary-key columns of a table that has others: the
 * keys of a delete. (A table of key columns only takes the same batch as rows.)
 */
function isKeyBatch(table: Table, batch: unknown): batch is RecordBatch {
  if (!isArrowRecordBatch(batch) || table.schema.fields.length === table.primaryKey.length) return false;
  const names = batch.schema.fields.map((f) => f.name);
  return names.length === table.primaryKey.length && table.primaryKey.every((k) => names.includes(k));
}

function prepared(op: 'put' | 'delete', batch: RecordBatch, keys: EncodedKeys | undefined): PreparedBatch {
  const keyBytes = keys ? keys.bytes.byteLength + keys.offsets.byteLength : 0;
  return { op, batch, keys, rows: batch.numRows, bytes: batchByteSize(batch) + keyBytes };
}

function assertOwnShard(table: Table, shard: ShardId, keys: EncodedKeys, what: string): void {
  if (table.shardCount === 1) return;
  const shards = table.shardsOf(keys);
  const row = shards.findIndex((s) => s !== shard);
  if (row < 0) return;
  throw new InvalidOptionsError(what, [{
    path: 'batch',
    message: `row ${row} belongs to shard ${shards[row]}, but this writer owns shard ${shard}; route rows with splitByShard(table, batch)`,
  }]);
}

/** The key columns of `batch` as a batch of their own (typed as in the table schema). */
function keyColumnsOf(table: Table, batch: RecordBatch): RecordBatch {
  assertBatchColumnNames(batch.schema.fields.map((f) => f.name), 'delete keys');
  const unknown = batch.schema.fields.filter((f) => !table.schema.fields.some((t) => t.name === f.name)).map((f) => f.name);
  if (unknown.length) throw new SchemaMismatchError(`delete keys have unknown column(s) ${unknown.join(', ')}`, { extra: unknown });
  const fields = table.primaryKey.map((name) => table.schema.fields.find((f) => f.name === name)!);
  const children: Data[] = fields.map((field) => {
    const idx = batch.schema.fields.findIndex((f) => f.name === field.name);
    if (idx < 0) throw new SchemaMismatchError(`delete keys lack primary-key column "${field.name}"`, { column: field.name });
    const got = batch.schema.fields[idx].type;
    if (!sameType(got, field.type)) throw new SchemaMismatchError(`key column "${field.name}" has type ${String(got)}, the table has ${String(field.type)}`, { column: field.name });
    const vec = batch.getChildAt(idx)!;
    if (vec.data.length !== 1) throw new SchemaMismatchError(`key column "${field.name}" must be a single chunk`, { column: field.name });
    return vec.data[0];
  });
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
}

function takeRows(schema: Schema, batch: RecordBatch, rows: number[]): RecordBatch {
  const sel = { count: rows.length, batchOf: new Int32Array(rows.length), rowOf: Int32Array.from(rows) };
  const children = schema.fields.map((f) => gatherColumn([batch], f.name, f.type, sel));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}
