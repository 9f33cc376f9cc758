/**
 * A streamed Parquet file fixes a column's stored type from its first row group
 * (core's `parquetByteStream`): a date64 column whose first rows are midnights is
 * declared date32, and a later non-midnight value would then be refused. Compaction
 * writes base files of such columns (date64, timestamp[s], time32[s]) in one piece,
 * so every value is kept exactly, whatever row group it falls in.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { DateMillisecond, Field, Int64, RecordBatch, Schema, Struct, TimeSecond, Timestamp, TimeUnit, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact } from '../src/index.js';

const DAY = 86_400_000;

describe('compaction of columns stored under a value-chosen type', () => {
  it.each([
    ['date64', new DateMillisecond(), (i: number) => (i < 30 ? i * DAY : i * DAY + 1234)],
    ['timestamp[s]', new Timestamp(TimeUnit.SECOND), (i: number) => (i < 30 ? i : 9_300_000_000_000_000n + BigInt(i))], // × 1000 overflows int64
    ['time32[s]', new TimeSecond(), (i: number) => (i < 30 ? i : 5_000_000 + i)],
  ] as const)('%s: midnights/exact values first, then values the stand-in cannot hold', async (_, type, value) => {
    const schema = new Schema([new Field('id', new Int64(), false), new Field('t', type, true)]);
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'] });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none', rowGroupSize: 10 });
    const ids = Array.from({ length: 60 }, (_, i) => i);
    const values = (type.ArrayType as unknown as { from(v: unknown[]): ArrayLike<unknown> }).from(ids.map((i) => (type.ArrayType === BigInt64Array ? BigInt(value(i)) : Number(value(i)))));
    const column = makeData({ type: type as never, length: ids.length, nullCount: 0, data: values as never });
    const children = [vectorFromArray(ids.map(BigInt), new Int64()).data[0], column];
    await writer.put(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children })));
    await writer.flush();
    const r = await compact(table, { shard: 0, maxFileRows: 1000, rowGroupSize: 10 });
    expect(r).toMatchObject({ committed: true, rowsWritten: 60 });
    const rows = await new LsmScanner(table).scan().toTable();
    const got = rows.getChild('t')!.data.flatMap((d) => Array.from(d.values.subarray(d.offset, d.offset + d.length) as ArrayLike<unknown>));
    expect(String(rows.getChild('t')!.type)).toBe(String(type));
    expect(got).toEqual(Array.from(values));
    await writer.close();
  });
});
