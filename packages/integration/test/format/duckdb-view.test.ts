/**
 * The SQL view of `freshtier sql` (latestStateSql over liveFiles) run in DuckDB returns
 * exactly what `LsmScanner.scan()` returns — every column, every row — on a table with
 * upserts, deletes, an ingest, compactions, a rollback and GC, the view regenerated after
 * each commit (issue 15). Types: int64, utf8, float64 (with -0 and NaN), bool,
 * timestamp[us], date32. Random operations come from a seeded generator.
 */
import { LocalStore, Table, encodeKeys } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, compact, gc, latestStateSql, liveFiles, rollback, splitByShard, tag, checkout, type VersionRef } from '@freshtier/writer';
import {
  Bool, DateDay, Field, Float64, Int64, RecordBatch, Schema, Struct, TimestampMicrosecond, Utf8, makeData, vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrowRows, duckdb, rawData, viewRows } from './duckdb-support.js';

const schema = new Schema([
  new Field('id', new Int64(), false), new Field('name', new Utf8(), true), new Field('score', new Float64(), true),
  new Field('active', new Bool(), true), new Field('ts', new TimestampMicrosecond(), true), new Field('day', new DateDay(), true),
]);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** mulberry32: a small seeded generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


function rowsBatch(ids: number[], next: () => number): RecordBatch {
  const maybe = <T>(v: T): T | null => (next() < 0.15 ? null : v);
  const floats = [-0, Number.NaN, 1.5, -2.25, 1e300, 0.1];
  const children = [
    vectorFromArray(ids.map(BigInt), new Int64()).data[0],
    vectorFromArray(ids.map(() => maybe(`n${Math.floor(next() * 1e6)}`)), new Utf8()).data[0],
    vectorFromArray(ids.map(() => maybe(floats[Math.floor(next() * floats.length)])), new Float64()).data[0],
    vectorFromArray(ids.map(() => maybe(next() < 0.5)), new Bool()).data[0],
    rawData(new TimestampMicrosecond(), ids.map(() => maybe(1_700_000_000_000_000n + BigInt(Math.floor(next() * 1e12)))), BigInt64Array),
    rawData(new DateDay(), ids.map(() => maybe(Math.floor(next() * 40_000) - 20_000)), Int32Array),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

function keysBatch(ids: number[]): RecordBatch {
  const f = schema.fields[0];
  return new RecordBatch(new Schema([f]), makeData({ type: new Struct([f]), length: ids.length, nullCount: 0, children: [vectorFromArray(ids.map(BigInt), new Int64()).data[0]] }));
}

/** A table on local disk with one test writer per shard (in memory until flushed). */
class Fixture {
  writers: ShardWriter[] = [];
  private constructor(readonly table: Table, readonly next: () => number) {}

  static async create(seed: number): Promise<Fixture> {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-duckdb-'));
    dirs.push(dir);
    const f = new Fixture(await Table.create(new LocalStore(dir), { schema, primaryKey: ['id'], shards: 2 }), random(seed));
    await f.reopen();
    return f;
  }

  async reopen(): Promise<void> {
    this.writers = await Promise.all([0, 1].map((shard) => ShardWriter.open(this.table, { shard, durability: 'none', autoFlush: false, flushInWorker: false, rowGroupSize: 16 })));
  }

  async upsert(count: number, keySpace: number): Promise<void> {
    const ids = [...new Set(Array.from({ length: count }, () => Math.floor(this.next() * keySpace)))];
    for (const [shard, b] of splitByShard(this.table, rowsBatch(ids, this.next))) await this.writers[shard].put(b);
  }

  async remove(count: number, keySpace: number): Promise<void> {
    const ids = [...new Set(Array.from({ length: count }, () => Math.floor(this.next() * keySpace)))];
    const shards = this.table.shardsOf(encodeKeys(keysBatch(ids), ['id']));
    for (const shard of [0, 1]) {
      const mine = ids.filter((_, i) => shards[i] === shard);
      if (mine.length) await this.writers[shard].delete(keysBatch(mine));
    }
  }

  /** Bulk-ingests rows of shard `shard` only (an ingest takes one shard's rows). */
  async ingest(shard: number, keySpace: number): Promise<void> {
    const all = Array.from({ length: keySpace }, (_, i) => i);
    const shards = this.table.shardsOf(encodeKeys(keysBatch(all), ['id']));
    await this.writers[shard].ingest(rowsBatch(all.filter((_, i) => shards[i] === shard && this.next() < 0.3), this.next));
  }

  async flush(): Promise<void> {
    for (const w of this.writers) await w.flush();
  }

  async close(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.close().catch(() => undefined)));
  }
}

/** The view of `ref` in DuckDB against the scan of the same version, row for row. */
async function expectViewMatchesScan(table: Table, ref?: VersionRef): Promise<number> {
  const live = await liveFiles(table, ref);
  for (const f of live.files) expect(existsSync(f.url), f.url).toBe(true);
  const db = await duckdb();
  await db.run(latestStateSql(table, live, { name: 'v' }));
  const scanner = ref === undefined ? new LsmScanner(table) : await checkout(table, ref);
  const expected = arrowRows(await scanner.scan().toTable(), [0]);
  const got = await viewRows(db, 'v', schema.fields, [0]);
  expect(got).toEqual(expected);
  db.closeSync();
  return expected.length;
}

describe('the DuckDB view returns the latest state', () => {
  it('after upserts, deletes, an ingest, compactions, a rollback and GC', { timeout: 120_000 }, async () => {
    const f = await Fixture.create(15);
    const { table } = f;
    expect(await expectViewMatchesScan(table)).toBe(0); // no file yet: an empty view of the right columns
    await f.upsert(300, 200);
    await f.flush();
    expect(await expectViewMatchesScan(table)).toBeGreaterThan(100);
    await f.upsert(120, 300);
    await f.remove(60, 300);
    await f.flush();
    await tag(table, 'before-ingest');
    await f.ingest(0, 400);
    await f.upsert(50, 400);
    await f.remove(30, 400);
    await f.flush();
    const live = await liveFiles(table);
    expect(new Set(live.files.map((x) => x.kind))).toEqual(new Set(['generation', 'ingest']));
    await expectViewMatchesScan(table);
    await compact(table, { shard: 0 });
    expect((await liveFiles(table)).files.some((x) => x.kind === 'base')).toBe(true);
    await expectViewMatchesScan(table);
    await f.upsert(80, 400); // deletes of keys now in base files, and overwrites of them
    await f.remove(80, 400);
    await f.flush();
    await expectViewMatchesScan(table);
    await f.close();
    await rollback(table, 'before-ingest');
    await expectViewMatchesScan(table); // the excluded generations are in no view
    await f.reopen();
    await f.upsert(100, 500);
    await f.remove(40, 500);
    await f.flush();
    await compact(table, { shard: 0 });
    await compact(table, { shard: 1 });
    await f.upsert(30, 500);
    await f.flush();
    await expectViewMatchesScan(table);
    await f.close();
    const report = await gc(table, { olderThan: 0 });
    expect(report.deleted.baseFiles.length).toBeGreaterThan(0); // base files older versions read are gone (a glob would still see them)
    await expectViewMatchesScan(table);
    await expectViewMatchesScan(table, 'before-ingest'); // a tagged version GC kept
  });

  it('a pinned version keeps its files and rows while newer commits land', async () => {
    const f = await Fixture.create(7);
    const { table } = f;
    await f.upsert(100, 100);
    await f.flush();
    const before = await liveFiles(table);
    await f.upsert(50, 100);
    await f.remove(20, 100);
    await f.flush();
    await compact(table, { shard: 1 });
    const again = await liveFiles(table, before.version);
    expect(again.files).toEqual(before.files);
    expect(again.newest).toBe(false);
    await expectViewMatchesScan(table, before.version);
    await expectViewMatchesScan(table);
    await f.close();
  });
});
