/**
 * Tables keyed on one column `id` of any key type, filled by the real
 * `ShardWriter` (a flushed generation plus rows still in the memtable), for the
 * exact-literal tests. Rows carry `v` (Int32) = their position, so a result is
 * read back as the set of `v`s. Values are given as the raw stored value of the
 * type (number, or bigint for 64-bit storage; strings for utf8).
 *
 * @example
 * ```ts
 * const t = await keyedTable(new Int32(), [1, 2], [3, 4]); // 1, 2 flushed (v 0, 1); 3, 4 in the memtable (v 1000, 1001)
 * const vs = valuesOf(await t.scanner.scan({ filter: col('id').lt(2 ** 40) }).toTable());
 * ```
 */
import { MemoryStore, Table } from '@freshtier/core';
import { Field, Int32, RecordBatch, Schema, Struct, Type, Utf8, makeData, vectorFromArray, type Data, type DataType, type Table as ArrowTable } from 'apache-arrow';
import { LsmScanner } from '@freshtier/scanner';
import type { ShardWriter } from '@freshtier/writer';
import { openWriter } from './writers.js';

/** A table keyed on `id`, its writer and a scanner that reads the writer's memtables. */
export interface KeyedTable {
  readonly table: Table;
  readonly writer: ShardWriter;
  readonly scanner: LsmScanner;
}

/** The column of `type` holding `raw` stored values (typed arrays for fixed-width types). */
export function rawColumn(type: DataType, raw: readonly unknown[]): Data {
  if (type.typeId === Type.Utf8) return vectorFromArray([...raw] as string[], new Utf8()).data[0];
  const A = type.ArrayType as unknown as new (v: unknown[]) => ArrayLike<unknown>;
  return makeData({ type: type as never, length: raw.length, nullCount: 0, data: new A([...raw]) as never });
}

function batchOf(schema: Schema, raw: readonly unknown[], firstV: number): RecordBatch {
  const fields = firstV < 0 ? [schema.fields[0]] : schema.fields;
  const children: Data[] = [rawColumn(fields[0].type, raw)];
  if (firstV >= 0) children.push(makeData({ type: new Int32(), length: raw.length, nullCount: 0, data: Int32Array.from(raw, (_, i) => firstV + i) }));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: raw.length, nullCount: 0, children }));
}

/** `v` of the i-th flushed row and of the i-th fresh row. */
export const flushedV = (i: number): number => i;
export const freshV = (i: number): number => 1000 + i;

/**
 * Creates the table, puts `flushed` (v = i) and flushes them as one generation,
 * then puts `fresh` (v = 1000 + i; a key also in `flushed` is an update) and
 * deletes `deleted` in the active memtable. Keys within one list must be distinct.
 */
export async function keyedTable(type: DataType, flushed: readonly unknown[], fresh: readonly unknown[] = [], deleted: readonly unknown[] = []): Promise<KeyedTable> {
  const schema = new Schema([new Field('id', type, false), new Field('v', new Int32(), true)]);
  const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 1 });
  // row groups of 2 rows: pruning by key index picks row groups, not only files
  const writer = await openWriter(table, 0, 2);
  if (flushed.length) {
    await writer.put(batchOf(schema, flushed, flushedV(0)));
    await writer.flush();
  }
  if (fresh.length) await writer.put(batchOf(schema, fresh, freshV(0)));
  if (deleted.length) await writer.delete(batchOf(schema, deleted, -1));
  return { table, writer, scanner: new LsmScanner(table, { writers: [writer] }) };
}

/** The `v`s of a result, ascending (the rows it returned). */
export function valuesOf(t: ArrowTable): number[] {
  const v = t.getChild('v');
  return Array.from({ length: t.numRows }, (_, i) => v!.get(i) as number).sort((a, b) => a - b);
}
