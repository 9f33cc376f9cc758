/**
 * Regression (found by a review against real DuckDB): the open format's view answered
 * differently from the scan, or changed a column's type, where DuckDB reads a stored value
 * as another:
 * - `timestamp[ns, tz]` was stored as TIMESTAMP(NANOS, isAdjustedToUTC = true), which DuckDB
 *   reads as TIMESTAMPTZ (microseconds): keys 1 ns apart became one row, and a sequence field
 *   1 ns later lost to an older generation. Now stored as nanoseconds without a zone
 *   (TIMESTAMP_NS, the same UTC instants), tagged so freshtier restores the zone.
 * - a `date64` file holding a value that is not a midnight stores the column as a bare INT64:
 *   the view now fails on it in every arrangement (alone it read as BIGINT; in one list with
 *   a file of midnights DuckDB would take the first file's type). So do the dates DuckDB
 *   reads as infinity.
 * - a `timestamp[s]` beyond ±2^63 ms (stored as INT64) read as BIGINT; a `timestamp[us]` of
 *   ±(2^63 − 1) read as ±infinity (NULL to the client). The view now fails on them instead.
 */
import { LocalStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, latestStateSql, liveFiles } from '@freshtier/writer';
import { DateMillisecond, Field, Int64, RecordBatch, Schema, Struct, Timestamp, TimeUnit, makeData, type DataType } from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { duckdb, rawData } from './duckdb-support.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const DAY = 86_400_000n;
const NS = 1_700_000_000_123_456_000n;

/** A table of (k, v) whose batches are written as one generation each; returns its view's DuckDB connection and the scan. */
async function tableOf(k: DataType, v: DataType, generations: [(bigint | null)[], (bigint | null)[]][], merge: { mergeEngine?: 'deduplicate'; sequenceField?: string } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-exact-temporal-'));
  dirs.push(dir);
  const schema = new Schema([new Field('k', k, false), new Field('v', v, true)]);
  const table = await Table.create(new LocalStore(dir), { schema, primaryKey: ['k'], shards: 1, ...merge });
  const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
  for (const [ks, vs] of generations) {
    const children = [rawData(k, ks, BigInt64Array), rawData(v, vs, BigInt64Array)];
    await w.put(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ks.length, nullCount: 0, children })));
    await w.flush();
  }
  await w.close();
  const db = await duckdb();
  await db.run(latestStateSql(table, await liveFiles(table), { name: 'v' }));
  const scan = await new LsmScanner(table).scan().toTable();
  const scanned = Array.from({ length: scan.numRows }, (_, i) => [BigInt(scan.getChildAt(0)!.data[0].values[i]), scan.getChildAt(1)!.data[0].getValid(i) ? BigInt(scan.getChildAt(1)!.data[0].values[i]) : null]);
  return { db, scanned: scanned.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)) };
}

async function viewed(db: Awaited<ReturnType<typeof duckdb>>, select: string): Promise<(bigint | null)[][]> {
  const r = await db.runAndReadAll(`SELECT ${select} FROM v ORDER BY 1`);
  return r.getRows().map((row) => row.map((x) => (x === null ? null : BigInt(x as bigint))));
}

describe('DuckDB reads what the scan reads, or fails (regression: other values, other types)', () => {
  it('timestamp[ns, UTC] keys 1 ns apart stay three keys, values exact', async () => {
    const ts = new Timestamp(TimeUnit.NANOSECOND, 'UTC');
    const { db, scanned } = await tableOf(ts, ts, [[[NS, NS + 1n, NS + 2n], [-1n, 1n, NS + 999n]]]);
    expect(scanned).toHaveLength(3);
    expect(await viewed(db, 'epoch_ns(k), epoch_ns(v)')).toEqual(scanned);
    db.closeSync();
  });

  it('a timestamp[ns, Europe/Paris] sequence field 1 ns later wins over a newer generation', async () => {
    const ts = new Timestamp(TimeUnit.NANOSECOND, 'Europe/Paris');
    const { db, scanned } = await tableOf(new Int64(), ts, [[[1n], [NS + 1n]], [[1n], [NS]]], { mergeEngine: 'deduplicate', sequenceField: 'v' });
    expect(scanned).toEqual([[1n, NS + 1n]]);
    expect(await viewed(db, 'k, epoch_ns(v)')).toEqual(scanned);
    db.closeSync();
  });

  it('date64: a file with a value that is not a midnight fails the view (was BIGINT, or cut to a day in a list of files)', async () => {
    const { db, scanned } = await tableOf(new Int64(), new DateMillisecond(), [[[1n, 2n], [10n * DAY, null]], [[3n], [30n * DAY + 5n]]]);
    expect(scanned).toEqual([[1n, 10n * DAY], [2n, null], [3n, 30n * DAY + 5n]]);
    await expect(db.runAndReadAll('SELECT * FROM v')).rejects.toThrow(/BIGINT -> DATE/);
    db.closeSync();
  });

  it('date64 midnights read as DATE, exactly; the largest date DuckDB reads as infinity fails', async () => {
    const ok = await tableOf(new Int64(), new DateMillisecond(), [[[1n, 2n], [10n * DAY, -DAY]]]);
    expect(await viewed(ok.db, 'k, epoch_ms(v)')).toEqual(ok.scanned);
    ok.db.closeSync();
    const edge = await tableOf(new Int64(), new DateMillisecond(), [[[1n], [(2n ** 31n - 1n) * DAY]]]);
    await expect(edge.db.runAndReadAll('SELECT * FROM v')).rejects.toThrow(/reads as infinity/);
    edge.db.closeSync();
  });

  it('a timestamp[s] beyond ±2^63 ms fails the view instead of reading as BIGINT', async () => {
    const { db, scanned } = await tableOf(new Int64(), new Timestamp(TimeUnit.SECOND), [[[1n, 2n], [2n ** 62n, 0n]]]);
    expect(scanned).toEqual([[1n, 2n ** 62n], [2n, 0n]]);
    await expect(db.runAndReadAll('SELECT * FROM v')).rejects.toThrow(/BIGINT -> TIMESTAMP/);
    db.closeSync();
  });

  it.each([['the largest', 2n ** 63n - 1n], ['the smallest', -(2n ** 63n - 1n)]])('a timestamp[us] of %s value fails the view instead of reading as infinity', async (_, edge) => {
    const { db, scanned } = await tableOf(new Int64(), new Timestamp(TimeUnit.MICROSECOND), [[[1n, 2n], [edge, 5n]]]);
    expect(scanned).toEqual([[1n, edge], [2n, 5n]]);
    await expect(db.runAndReadAll('SELECT * FROM v')).rejects.toThrow(/reads as infinity/);
    db.closeSync();
  });
});
