/**
 * Ingest of columns whose type differs from the table's, for bad-input.test.ts (issue
 * 18, "Exact at the edges"). The rule (docs/decisions.md "Ingest casts exactly"): ingest
 * matches Parquet files and Arrow batches to the table by column name and converts each
 * value exactly or refuses the whole input with `SchemaMismatchError` naming the column,
 * the row and the value, before anything is written. Before, an Arrow builder wrapped,
 * truncated or misread such values and stored them silently.
 *
 * Cases on the fixture's table (id Int64 key, v Int64, s Utf8) use its writer; cases
 * needing narrower types (Int32, Float32, timestamp[us, UTC], Date32) use a side table
 * under the fixture's root, written before `mark()`, so it is byte-compared too.
 */
import { LocalStore, Table, writeParquetFile } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import {
  DateDay, DateMillisecond, Field, Float32, Float64, Int32, Int64, LargeUtf8, RecordBatch, Schema, Struct, TimestampMicrosecond,
  TimestampMillisecond, TimestampNanosecond, Uint64, Utf8, makeData, vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import path from 'node:path';
import { expect } from 'vitest';
import type { Fixture, InputCase } from './bad-input-cases.js';

const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const DAY_MS = 86_400_000n;

/** A batch of `[name, type, raw values]` columns; numbers and times from raw typed arrays (Arrow's builders take timestamps as milliseconds). */
function rawBatch(columns: [string, DataType, unknown[]][]): RecordBatch {
  const fields = columns.map(([name, type]) => new Field(name, type, name !== 'id'));
  const children: Data[] = columns.map(([, type, raw]) => typeof raw[0] === 'string'
    ? vectorFromArray(raw as string[], type as never).data[0]
    : makeData({ type: type as never, length: raw.length, nullCount: 0, data: new (type.ArrayType as new (v: unknown[]) => never)(raw) }));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: columns[0][2].length, nullCount: 0, children }));
}

/** The fixture's writer, opened before `mark()`. */
async function fixtureWriter(f: Fixture, mark: () => Promise<void>): Promise<ShardWriter> {
  const w = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
  await mark();
  return w;
}

const narrowSchema = new Schema([
  new Field('id', new Int64(), false), new Field('n', new Int32(), true), new Field('f', new Float32(), true),
  new Field('ts', new TimestampMicrosecond('UTC'), true), new Field('d', new DateDay(), true),
]);
/** One row the narrow table holds exactly, in wider or other types. */
const goodRow = (): Record<string, [DataType, unknown[]]> => ({
  id: [new Int64(), [1n]], n: [new Int64(), [7n]], f: [new Float64(), [0.5]], ts: [new TimestampMillisecond('+01:00'), [1_714_521_600_123n]], d: [new DateMillisecond(), [19_844n * DAY_MS]],
});
const rowBatch = (row: Record<string, [DataType, unknown[]]>) => rawBatch(Object.entries(row).map(([name, [type, raw]]) => [name, type, raw]));

/** A side table (narrow types) under the fixture's root holding one ingested row, and its writer; then `mark()`. */
async function narrowTable(f: Fixture, mark: () => Promise<void>): Promise<{ table: Table; writer: ShardWriter }> {
  const table = await Table.create(new LocalStore(path.join(f.dir, 'casts')), { schema: narrowSchema, primaryKey: ['id'] });
  const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  await writer.ingest(rowBatch(goodRow()));
  await mark();
  return { table, writer };
}

/** Ingest into the narrow table of the good row with one column replaced, as Parquet or as an Arrow batch. */
const narrowIngest = (column: string, replace: [DataType, unknown[]], as: 'parquet' | 'batch') => async (f: Fixture, mark: () => Promise<void>) => {
  const { writer } = await narrowTable(f, mark);
  const batch = rowBatch({ ...goodRow(), id: [new Int64(), [2n]], [column]: replace });
  return fail(writer.ingest(as === 'parquet' ? writeParquetFile([batch]) : batch));
};

export const CAST_INPUTS: InputCase[] = [
  { name: 'ingest of an Arrow batch whose int64 column holds 2^40 into an int32 column', expected: { code: 'SCHEMA_MISMATCH', message: /column "n", row 0: the value 1099511627776 \(Int64\) does not fit the table's Int32 exactly/ },
    act: narrowIngest('n', [new Int64(), [2n ** 40n]], 'batch') },
  { name: 'ingest of Parquet whose float64 column holds 0.1 into a float32 column', expected: { code: 'SCHEMA_MISMATCH', message: /column "f", row 0: the value 0\.1 \(Float64\).*not a float32 value/ },
    act: narrowIngest('f', [new Float64(), [0.1]], 'parquet') },
  { name: 'ingest of Parquet whose timestamp[ns] is not a whole microsecond', expected: { code: 'SCHEMA_MISMATCH', message: /column "ts", row 0: the value 1714521600123456789 .*not a whole microsecond/ },
    act: narrowIngest('ts', [new TimestampNanosecond('UTC'), [1_714_521_600_123_456_789n]], 'parquet') },
  { name: 'ingest of Parquet with zone-less timestamps into a zoned column', expected: { code: 'SCHEMA_MISMATCH', message: /column "ts" has type Timestamp<MILLISECOND>.*no time zone/ },
    act: narrowIngest('ts', [new TimestampMillisecond(), [1_714_521_600_123n]], 'parquet') },
  { name: 'ingest of Parquet whose date64 is not a UTC midnight', expected: { code: 'SCHEMA_MISMATCH', message: /column "d", row 0: .*not a whole day/ },
    act: narrowIngest('d', [new DateMillisecond(), [DAY_MS + 1n]], 'parquet') },
  { name: 'ingest of Parquet whose uint64 key holds 2^64 - 1 into the int64 key', expected: { code: 'SCHEMA_MISMATCH', message: /column "id", row 1: the value 18446744073709551615 \(Uint64\)/ },
    act: async (f, mark) => fail((await fixtureWriter(f, mark)).ingest(writeParquetFile([rawBatch([['id', new Uint64(), [5n, 2n ** 64n - 1n]], ['v', new Int64(), [1n, 1n]], ['s', new Utf8(), ['a', 'b']]])]))) },
  { name: 'ingest of Parquet whose float64 column holds 1.5 into an int64 column', expected: { code: 'SCHEMA_MISMATCH', message: /column "v", row 0: the value 1\.5 \(Float64\).*not an integer/ },
    act: async (f, mark) => fail((await fixtureWriter(f, mark)).ingest(writeParquetFile([rawBatch([['id', new Int64(), [5n]], ['v', new Float64(), [1.5]], ['s', new Utf8(), ['a']]])]))) },
  { name: 'ingest of an Arrow batch whose text column holds "x" into an int64 column', expected: { code: 'SCHEMA_MISMATCH', message: /column "v" has type Utf8, which does not convert exactly to the table's Int64.*row 0 holds "x"/ },
    act: async (f, mark) => fail((await fixtureWriter(f, mark)).ingest(rawBatch([['id', new Int64(), [5n]], ['v', new Utf8(), ['x']], ['s', new Utf8(), ['a']]]))) },
  { name: 'ingest of exact widenings (int32 key, integral float64, LargeUtf8) lands the exact values', expected: 'rule',
    act: async (f, mark) => {
      const w = await fixtureWriter(f, mark);
      await w.ingest(rawBatch([['id', new Int32(), [500, -7]], ['v', new Float64(), [2 ** 53, -3]], ['s', new LargeUtf8(), ['é', 'x']]]));
      const rows: [bigint, bigint, string][] = [];
      for await (const b of new LsmScanner(f.table, { writers: [w] }).scan()) {
        for (let i = 0; i < b.numRows; i++) if (b.getChild('id')!.get(i) >= 500n || b.getChild('id')!.get(i) < 0n) rows.push([b.getChild('id')!.get(i), b.getChild('v')!.get(i), b.getChild('s')!.get(i)]);
      }
      expect(rows.sort((a, b) => Number(a[0] - b[0]))).toEqual([[-7n, -3n, 'x'], [500n, 2n ** 53n, 'é']]);
      return undefined;
    } },
  { name: 'ingest of other time units and zones (ms +01:00 → us UTC, date64 midnight → date32) lands the exact instants', expected: 'rule',
    act: async (f, mark) => {
      const { table, writer } = await narrowTable(f, mark);
      await writer.ingest(writeParquetFile([rowBatch({ ...goodRow(), id: [new Int64(), [2n]], ts: [new TimestampMillisecond('+01:00'), [-1n]], d: [new DateMillisecond(), [-DAY_MS]] })]));
      const rows: unknown[][] = [];
      for await (const b of new LsmScanner(table).scan()) {
        for (let i = 0; i < b.numRows; i++) rows.push(['id', 'n', 'f', 'ts', 'd'].map((c) => (b.getChild(c)!.data[0].values as ArrayLike<unknown>)[i]));
      }
      expect(rows.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[1n, 7, 0.5, 1_714_521_600_123_000n, 19_844], [2n, 7, 0.5, -1000n, -1]]);
      return undefined;
    } },
];
