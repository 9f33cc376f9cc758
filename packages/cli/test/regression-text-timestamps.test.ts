/**
 * Regression: CSV/JSONL dates and timestamps went through `new Date(text)`:
 * microseconds and nanoseconds were dropped (two distinct timestamp[us] keys became
 * one), a timestamp without an offset was read in the machine's time zone, and
 * `2024-02-30` was stored as March 1st. Text now goes through the exact ISO-8601
 * parser (src/iso-time.ts) to the column's unit; Parquet/Arrow temporal cells are
 * rescaled from their stored integers.
 */
import { rmSync } from 'node:fs';
import { TimestampMicrosecond, TimestampNanosecond, Table as ArrowTable, tableToIPC, makeData, makeVector, Int64, vectorFromArray } from 'apache-arrow';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './support.js';
import { appendText, expectRefused, initTable, rows } from './text-support.js';

const dir = tempDir('freshtier-ts-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** A timestamp[ns] column of raw values (apache-arrow's builders take milliseconds only). */
function nanos(values: bigint[]) {
  return makeVector(makeData({ type: new TimestampNanosecond(), length: values.length, nullCount: 0, data: new BigInt64Array(values) }));
}

describe('CSV and JSONL timestamps are exact', () => {
  it('two timestamp[us] keys one microsecond apart stay two keys', async () => {
    const uri = await initTable(dir, 'us', [['ts', 'timestamp[us]'], ['v', 'int64']], ['ts']);
    const r = await appendText(dir, uri, 'us.csv', 'ts,v\n2024-05-01T12:00:00.000001Z,1\n2024-05-01T12:00:00.000002Z,2\n');
    expect(r.code).toBe(0);
    expect(await rows(uri, 'ts')).toEqual([
      { ts: '2024-05-01T12:00:00.000001Z', v: 1 },
      { ts: '2024-05-01T12:00:00.000002Z', v: 2 },
    ]);
  });

  it('nanoseconds, offsets and epoch milliseconds reach a timestamp[ns, UTC] column exactly', async () => {
    const uri = await initTable(dir, 'ns', [['id', 'int64'], ['ts', 'timestamp[ns, UTC]']], ['id']);
    const text = ['{"id": 1, "ts": "2024-05-01T12:00:00.123456789Z"}', '{"id": 2, "ts": "2024-05-01T14:00:00.000000001+02:00"}', '{"id": 3, "ts": 1717200000123}', '{"id": 4, "ts": "1677-09-21T00:12:43.145224192Z"}'];
    expect((await appendText(dir, uri, 'ns.jsonl', text.join('\n'))).code).toBe(0);
    expect((await rows(uri)).map((x) => x.ts)).toEqual(['2024-05-01T12:00:00.123456789Z', '2024-05-01T12:00:00.000000001Z', '2024-06-01T00:00:00.123000000Z', '1677-09-21T00:12:43.145224192Z']);
  });

  it('zone-less text on a column without a time zone is UTC wall-clock, whatever the machine\'s zone', async () => {
    process.env.TZ = 'Asia/Kolkata'; // +05:30: `new Date('2024-05-01T12:00:00')` would be 06:30Z here
    const uri = await initTable(dir, 'naive', [['id', 'int64'], ['ts', 'timestamp[ms]'], ['d', 'date32']], ['id']);
    expect((await appendText(dir, uri, 'naive.csv', 'id,ts,d\n1,2024-05-01T12:00:00,2024-05-01\n2,2024-05-01 23:30:00.5+05:30,2024-02-29\n')).code).toBe(0);
    expect(await rows(uri)).toEqual([
      { id: 1, ts: '2024-05-01T12:00:00.000Z', d: '2024-05-01' },
      { id: 2, ts: '2024-05-01T18:00:00.500Z', d: '2024-02-29' },
    ]);
  });

  it('zone-less text on a column with a time zone is refused: add Z or an offset', async () => {
    const uri = await initTable(dir, 'zoned', [['id', 'int64'], ['ts', 'timestamp[ms, UTC]']], ['id']);
    await expectRefused(dir, uri, 'z.csv', 'id,ts\n1,2024-05-01T12:00:00Z\n2,2024-05-01T12:00:00\n', /line 3: column "ts" .*has no time zone.*add "Z" for UTC or an offset like \+02:00, e\.g\. 2024-05-01T12:00:00Z/);
  });

  it.each([
    ['2024-02-30T00:00:00Z', /February 2024 has 29 days/],
    ['2023-02-29T00:00:00Z', /2023 is not a leap year/],
    ['2024-01-01T24:00:00Z', /24:00 is refused/],
    ['2024-12-31T23:59:60Z', /leap seconds/],
    ['2024-05-01T12:00:00.0000001Z', /finer than the column's unit \(us: 6 digits\).*refused rather than truncated/],
    ['May 1 2024', /not an ISO-8601/],
  ])('impossible or inexact %s is refused with its line, nothing written', async (ts, message) => {
    const uri = await initTable(dir, `bad-${ts.replace(/\W/g, '')}`, [['id', 'int64'], ['ts', 'timestamp[us]']], ['id']);
    expect((await appendText(dir, uri, 'ok.csv', 'id,ts\n1,2024-05-01T00:00:00Z\n')).code).toBe(0);
    await expectRefused(dir, uri, 'bad.jsonl', `{"id": 2, "ts": "2024-05-02T00:00:00Z"}\n{"id": 3, "ts": ${JSON.stringify(ts)}}\n`, new RegExp(`line 2: column "ts" .*${message.source}`));
  });

  it('dates: YYYY-MM-DD exactly; a time part only at a UTC midnight; date64 is that midnight in ms', async () => {
    const uri = await initTable(dir, 'dates', [['id', 'int64'], ['d', 'date32'], ['e', 'date64']], ['id']);
    expect((await appendText(dir, uri, 'd.csv', 'id,d,e\n1,2024-02-29,2024-02-29T00:00:00Z\n2,1969-12-31,1709164800000\n')).code).toBe(0);
    expect(await rows(uri)).toEqual([
      { id: 1, d: '2024-02-29', e: '2024-02-29T00:00:00.000Z' },
      { id: 2, d: '1969-12-31', e: '2024-02-29T00:00:00.000Z' },
    ]);
    await expectRefused(dir, uri, 'd1.csv', 'id,d,e\n3,2024-02-30,\n', /line 2: column "d" .*February 2024 has 29 days/);
    await expectRefused(dir, uri, 'd2.csv', 'id,d,e\n3,2024-02-28T10:00:00Z,\n', /line 2: column "d" .*a date column stores a calendar day/);
    await expectRefused(dir, uri, 'd3.csv', 'id,d,e\n3,,1709164800001\n', /line 2: column "e" .*is not a UTC midnight/);
  });

  it('epoch milliseconds scale in BigInt; beyond int64 nanoseconds is refused', async () => {
    const uri = await initTable(dir, 'epoch', [['id', 'int64'], ['ts', 'timestamp[ns]'], ['s', 'timestamp[s]']], ['id']);
    expect((await appendText(dir, uri, 'e.jsonl', '{"id": 1, "ts": 9223372036854, "s": "-1000"}\n')).code).toBe(0);
    expect(await rows(uri)).toEqual([{ id: 1, ts: '2262-04-11T23:47:16.854000000Z', s: '1969-12-31T23:59:59.000Z' }]);
    await expectRefused(dir, uri, 'e2.jsonl', '{"id": 2, "ts": 9223372036855, "s": null}\n', /line 1: column "ts" .*outside what a 64-bit timestamp in ns can hold/);
    await expectRefused(dir, uri, 'e3.jsonl', '{"id": 2, "ts": null, "s": 1500}\n', /line 1: column "s" .*stores whole seconds/);
  });
});

describe('Arrow/Parquet temporal cells are rescaled from their stored integers', () => {
  it('timestamp[us] into timestamp[ns] keeps the microseconds; ns into us refuses a lost nanosecond', async () => {
    const ns = await initTable(dir, 'to-ns', [['id', 'int64'], ['ts', 'timestamp[ns]']], ['id']);
    const us = makeVector(makeData({ type: new TimestampMicrosecond(), length: 2, nullCount: 0, data: new BigInt64Array([1_714_564_800_000_001n, -1n]) }));
    const file = tableToIPC(new ArrowTable({ id: vectorFromArray([1n, 2n], new Int64()), ts: us }), 'file');
    expect((await appendText(dir, ns, 'us.arrow', file)).code).toBe(0);
    expect((await rows(ns)).map((x) => x.ts)).toEqual(['2024-05-01T12:00:00.000001000Z', '1969-12-31T23:59:59.999999000Z']);

    const toUs = await initTable(dir, 'to-us', [['id', 'int64'], ['ts', 'timestamp[us]']], ['id']);
    const fine = tableToIPC(new ArrowTable({ id: vectorFromArray([1n, 2n], new Int64()), ts: nanos([1_000n, 1_001n]) }), 'file');
    await expectRefused(dir, toUs, 'ns.arrow', fine, /row 2: column "ts" has 1001 .*Timestamp<NANOSECOND>.*cannot become Timestamp<MICROSECOND> \(is finer than the column's unit/);
  });
});
