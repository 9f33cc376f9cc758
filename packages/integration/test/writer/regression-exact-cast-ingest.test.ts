/**
 * Regression (issue 18, "Exact at the edges"), end to end through the real writer:
 * `ingest` of a Parquet file or an Arrow batch whose columns look compatible but
 * have other types (Int64 for an Int32 column, Float64 for Float32, timestamps in
 * another unit and zone, Date64 for Date32, LargeUtf8 for Utf8) used to convert
 * them through Arrow builders, which wrapped, truncated or misread values and
 * stored them silently. Now exact values land (read back raw from scans), and an
 * inexact one is refused with `SchemaMismatchError` naming the column, row and
 * value, every stored object byte-identical and nothing added.
 */
import { MemoryStore, Table, isFreshtierError, writeParquetFile } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import type { ShardWriter } from '@freshtier/writer';
import {
  DateDay, DateMillisecond, Field, Float32, Float64, Int32, Int64, LargeUtf8, RecordBatch, Schema, Struct, TimestampMicrosecond,
  TimestampMillisecond, TimestampNanosecond, Uint64, Utf8, makeData, vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { diffObjects, hashObjects } from '../../../../reliability/src/data.js';
import { rawColumn } from '../support/key-types.js';
import { openWriter } from '../support/writers.js';

const DAY_MS = 86_400_000n;
const tableSchema = new Schema([
  new Field('id', new Int64(), false), new Field('n', new Int32(), true), new Field('f', new Float32(), true),
  new Field('ts', new TimestampMicrosecond('UTC'), true), new Field('d', new DateDay(), true), new Field('s', new Utf8(), true),
]);

/** One source column: its type and raw stored values (strings for text). */
type Column = [DataType, unknown[]];
/** Three rows whose every value the table's types hold exactly, each column in another type. */
const exactColumns = (): Record<string, Column> => ({
  id: [new Int64(), [1n, 2n, 3n]],
  n: [new Int64(), [7n, -(2n ** 31n), 2n ** 31n - 1n]],
  f: [new Float64(), [0.5, -1.25, 2 ** 100]],
  ts: [new TimestampMillisecond('+01:00'), [1_714_521_600_123n, 0n, -1n]],
  d: [new DateMillisecond(), [0n, 19_844n * DAY_MS, -DAY_MS]],
  s: [new LargeUtf8(), ['a', 'é', 'xxx']],
});

function batchOf(columns: Record<string, Column>): RecordBatch {
  const fields = Object.entries(columns).map(([name, [type]]) => new Field(name, type, name !== 'id'));
  const children: Data[] = Object.values(columns).map(([type, raw]) => (typeof raw[0] === 'string' ? vectorFromArray(raw as string[], type as never).data[0] : rawColumn(type, raw)));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 3, nullCount: 0, children }));
}

async function freshTable(): Promise<{ table: Table; writer: ShardWriter }> {
  const table = await Table.create(new MemoryStore(), { schema: tableSchema, primaryKey: ['id'] });
  return { table, writer: await openWriter(table, 0) };
}

/** Every row as raw stored values (timestamps in microseconds, dates in days), by id. */
async function storedRows(table: Table): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const b of new LsmScanner(table).scan()) {
    const raw = (name: string, i: number) => (b.getChild(name)!.data[0].values as ArrayLike<unknown>)[i]; // raw: `get` would give a timestamp as float milliseconds
    for (let i = 0; i < b.numRows; i++) rows.push([b.getChild('id')!.get(i), raw('n', i), raw('f', i), raw('ts', i), raw('d', i), b.getChild('s')!.get(i)]);
  }
  return rows.sort((a, b) => Number(a[0]) - Number(b[0]));
}

const EXPECTED = [
  [1n, 7, 0.5, 1_714_521_600_123_000n, 0, 'a'],
  [2n, -(2 ** 31), -1.25, 0n, 19_844, 'é'],
  [3n, 2 ** 31 - 1, 2 ** 100, -1000n, -1, 'xxx'],
];

const AS = {
  parquet: (b: RecordBatch) => writeParquetFile([b]),
  'Arrow batch': (b: RecordBatch) => b,
} as const;

describe('ingest of compatible-but-different column types', () => {
  it.each(Object.keys(AS))('exact values land (%s)', async (kind) => {
    const { table, writer } = await freshTable();
    await writer.ingest(AS[kind as keyof typeof AS](batchOf(exactColumns())));
    expect(await storedRows(table)).toEqual(EXPECTED);
    await writer.close();
  });

  const REFUSED: { name: string; column: string; replace: Column; row: number; message: RegExp }[] = [
    { name: 'int64 2^40 into int32', column: 'n', replace: [new Int64(), [1n, 2n ** 40n, 3n]], row: 1, message: /column "n", row 1: the value 1099511627776 \(Int64\).*Int32/ },
    { name: 'uint64 2^64 - 1 into the int64 key', column: 'id', replace: [new Uint64(), [1n, 2n, 2n ** 64n - 1n]], row: 2, message: /column "id", row 2: the value 18446744073709551615/ },
    { name: 'float64 0.1 into float32', column: 'f', replace: [new Float64(), [0.5, 1, 0.1]], row: 2, message: /column "f", row 2: the value 0\.1 .*not a float32 value/ },
    { name: 'float64 1.5 into int32', column: 'n', replace: [new Float64(), [1.5, 2, 3]], row: 0, message: /column "n", row 0: the value 1\.5 .*not an integer/ },
    { name: 'timestamp[ns] not a whole microsecond', column: 'ts', replace: [new TimestampNanosecond('UTC'), [0n, 1_714_521_600_123_456_789n, 0n]], row: 1, message: /column "ts", row 1: .*not a whole microsecond/ },
    { name: 'zone-less timestamps into a zoned column', column: 'ts', replace: [new TimestampMillisecond(), [5n, 6n, 7n]], row: 0, message: /column "ts" has type Timestamp<MILLISECOND>.*no time zone.*row 0 holds 5/ },
    { name: 'date64 that is not a UTC midnight', column: 'd', replace: [new DateMillisecond(), [0n, DAY_MS, DAY_MS + 1n]], row: 2, message: /column "d", row 2: .*not a whole day/ },
    { name: 'text into int32', column: 'n', replace: [new Utf8(), ['x', '2', '3']], row: 0, message: /column "n" has type Utf8, which does not convert exactly to the table's Int32.*row 0 holds "x"/ },
  ];

  for (const c of REFUSED) {
    it.each(Object.keys(AS))(`refused, store unchanged: ${c.name} (%s)`, async (kind) => {
      const { table, writer } = await freshTable();
      await writer.ingest(batchOf(exactColumns())); // something stored, to compare
      const before = await hashObjects(table.store);
      const err = await writer.ingest(AS[kind as keyof typeof AS](batchOf({ ...exactColumns(), [c.column]: c.replace }))).then(() => undefined, (e: unknown) => e);
      expect(isFreshtierError(err, 'SCHEMA_MISMATCH'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(c.message);
      expect((err as { context: object }).context).toMatchObject({ column: c.column, row: c.row });
      expect(diffObjects(before, await hashObjects(table.store))).toEqual({ changed: [], added: [] });
      expect(await storedRows(table)).toEqual(EXPECTED);
      await writer.close();
    });
  }

  it('put stays strict: a batch of other column types is refused, even when exact', async () => {
    const { table, writer } = await freshTable();
    const before = await hashObjects(table.store);
    await expect(writer.put(batchOf(exactColumns()))).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringMatching(/column "n" has type Int64, the table has Int32/) });
    expect(diffObjects(before, await hashObjects(table.store))).toEqual({ changed: [], added: [] });
    await writer.close();
  });
});
