/**
 * Type fidelity in other engines (issue 15): `date64` and `timestamp[s]` columns reached
 * DuckDB as BIGINT, and a non-null key was REQUIRED in base files but OPTIONAL in
 * generation files, so combining them needed `union_by_name`. Now every stored type has
 * its Parquet logical type (DuckDB `DESCRIBE` below), base and generation files declare
 * the table's columns alike (all OPTIONAL: a tombstone row holds only its key), and the
 * `freshtier sql` view over both returns what the scan returns.
 */
import { LocalStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, compact, latestStateSql, liveFiles } from '@freshtier/writer';
import {
  DateDay, DateMillisecond, Field, Int64, RecordBatch, Schema, Struct, Table as ArrowTable, TimeSecond, Timestamp, TimeUnit, Utf8, makeData, vectorFromArray, type DataType,
} from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrowRows, duckdb, viewRows } from './duckdb-support.js';

const DAY = 86_400_000n;
/** Each column: its Arrow type, what DuckDB must read it as, and a raw value per row index. */
const COLUMNS: [string, DataType, string, (i: number) => number | bigint][] = [
  ['d64', new DateMillisecond(), 'DATE', (i) => BigInt(i * 97 - 5_000) * DAY],
  ['d32', new DateDay(), 'DATE', (i) => i * 37 - 900],
  ['ts_s', new Timestamp(TimeUnit.SECOND), 'TIMESTAMP', (i) => 1_700_000_000n + BigInt(i) * 86_399n],
  ['ts_s_utc', new Timestamp(TimeUnit.SECOND, 'UTC'), 'TIMESTAMP WITH TIME ZONE', (i) => -1_000_000n + BigInt(i)],
  ['ts_ms', new Timestamp(TimeUnit.MILLISECOND), 'TIMESTAMP', (i) => 1_700_000_000_123n + BigInt(i)],
  ['ts_us', new Timestamp(TimeUnit.MICROSECOND), 'TIMESTAMP', (i) => 1_700_000_000_123_456n + BigInt(i)],
  ['ts_ns', new Timestamp(TimeUnit.NANOSECOND), 'TIMESTAMP_NS', (i) => 1_700_000_000_123_456_789n + BigInt(i)],
  ['t_s', new TimeSecond(), 'TIME', (i) => (i * 977) % 86_400],
];
const fields = [new Field('id', new Int64(), false), new Field('name', new Utf8(), false), ...COLUMNS.map(([n, t]) => new Field(n, t, true))];
const schema = new Schema(fields);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function rows(ids: number[]): RecordBatch {
  const temporal = COLUMNS.map(([, type, , value]) => {
    const big = typeof value(0) === 'bigint';
    const data = big ? BigInt64Array.from(ids, (i) => BigInt(value(i))) : Int32Array.from(ids, (i) => Number(value(i)));
    return makeData({ type, length: ids.length, data } as never);
  });
  const children = [vectorFromArray(ids.map(BigInt), new Int64()).data[0], vectorFromArray(ids.map((i) => `r${i}`), new Utf8()).data[0], ...temporal];
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: ids.length, nullCount: 0, children }));
}

async function describeFile(db: Awaited<ReturnType<typeof duckdb>>, url: string): Promise<Record<string, string>> {
  const r = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${url}')`);
  return Object.fromEntries(r.getRowObjectsJson().map((x) => [String(x.column_name), String(x.column_type)]));
}

async function repetition(db: Awaited<ReturnType<typeof duckdb>>, url: string): Promise<Record<string, string>> {
  const r = await db.runAndReadAll(`SELECT name, repetition_type FROM parquet_schema('${url}') WHERE name IN (${fields.map((f) => `'${f.name}'`).join(', ')})`);
  return Object.fromEntries(r.getRowObjectsJson().map((x) => [String(x.name), String(x.repetition_type)]));
}

describe('stored types reach DuckDB with their logical types (regression: BIGINT, REQUIRED vs OPTIONAL)', () => {
  it('generation and base files: DuckDB types, one nullability, and the view equals the scan', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-types-'));
    dirs.push(dir);
    const table = await Table.create(new LocalStore(dir), { schema, primaryKey: ['id'], shards: 1 });
    const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
    await w.put(rows(Array.from({ length: 100 }, (_, i) => i)));
    await w.flush();
    await compact(table, { shard: 0 });
    await w.put(rows(Array.from({ length: 50 }, (_, i) => i * 3)));
    await w.flush();
    await w.close();
    const live = await liveFiles(table);
    const base = live.files.find((f) => f.kind === 'base')!;
    const gen = live.files.find((f) => f.kind === 'generation')!;
    const db = await duckdb();
    for (const file of [base, gen]) {
      const types = await describeFile(db, file.url);
      for (const [name, , want] of COLUMNS) expect(types[name], `${name} in the ${file.kind} file`).toBe(want);
      expect(types.id).toBe('BIGINT');
    }
    const [baseRep, genRep] = [await repetition(db, base.url), await repetition(db, gen.url)];
    expect(baseRep).toEqual(genRep);
    expect(new Set(Object.values(baseRep))).toEqual(new Set(['OPTIONAL']));
    // one schema: a plain multi-file read of both (no union_by_name) works
    const both = await db.runAndReadAll(`SELECT count(*) FROM read_parquet(['${base.url}', '${gen.url}'])`);
    expect(Number(both.getRows()[0][0])).toBe(150);
    await db.run(latestStateSql(table, live, { name: 'v' }));
    expect(await viewRows(db, 'v', fields, [0])).toEqual(arrowRows(await new LsmScanner(table).scan().toTable(), [0]));
    db.closeSync();
  });

  it('freshtier reads every file back with the table\'s exact types', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-types-'));
    dirs.push(dir);
    const table = await Table.create(new LocalStore(dir), { schema, primaryKey: ['id'], shards: 1 });
    const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
    const ids = Array.from({ length: 20 }, (_, i) => i);
    await w.put(rows(ids));
    await w.flush();
    await w.close();
    const t = await new LsmScanner(table).scan().toTable();
    expect(t.schema.fields.map((f) => String(f.type))).toEqual(fields.map((f) => String(f.type)));
    expect(arrowRows(t, [0])).toEqual(arrowRows(new ArrowTable([rows(ids)]), [0]));
  });
});
