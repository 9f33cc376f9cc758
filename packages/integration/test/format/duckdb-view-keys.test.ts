/**
 * The SQL view on key shapes beyond one int64 — a float64 key (-0 and +0 are one key, and
 * the row keeps the -0 it was written with), a two-column key (utf8, date32), and an append-only
 * table (no key: every stored row). Each is written, overwritten, deleted, flushed and
 * compacted, and the view in DuckDB equals the scan. Paths and names with quotes are quoted.
 */
import { LocalStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, compact, latestStateSql, liveFiles } from '@freshtier/writer';
import { DateDay, Field, Float64, Int32, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Data } from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrowRows, duckdb, viewRows } from './duckdb-support.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function batch(fields: Field[], columns: Data[]): RecordBatch {
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: columns[0].length, nullCount: 0, children: columns }));
}

async function tableAt(schema: Schema, primaryKey: string[], name = 'freshtier-keys-'): Promise<{ table: Table; writer: ShardWriter }> {
  const dir = mkdtempSync(path.join(tmpdir(), name));
  dirs.push(dir);
  const table = await Table.create(new LocalStore(dir), { schema, primaryKey, shards: 1 });
  return { table, writer: await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false }) };
}

async function expectViewMatchesScan(table: Table, keyIdx: number[]): Promise<void> {
  const db = await duckdb();
  await db.run(latestStateSql(table, await liveFiles(table), { name: 'v' }));
  expect(await viewRows(db, 'v', table.schema.fields, keyIdx)).toEqual(arrowRows(await new LsmScanner(table).scan().toTable(), keyIdx));
  db.closeSync();
}

describe('the DuckDB view over other key shapes', () => {
  it('a float64 key: -0 and +0 are one key, and a row keeps its -0', async () => {
    const schema = new Schema([new Field('k', new Float64(), false), new Field('v', new Int32(), true)]);
    const { table, writer } = await tableAt(schema, ['k']);
    const rows = (ks: number[], v: number) => batch(schema.fields, [vectorFromArray(ks, new Float64()).data[0], vectorFromArray(ks.map(() => v), new Int32()).data[0]]);
    await writer.put(rows([-0, 0, 1.5, -2], 1));
    await writer.flush();
    await compact(table, { shard: 0 });
    await writer.put(rows([-0, 7], 2));
    await writer.delete(batch([schema.fields[0]], [vectorFromArray([1.5], new Float64()).data[0]]));
    await writer.flush();
    const scan = await new LsmScanner(table).scan().toTable();
    expect(scan.numRows).toBe(3); // ±0 (its newest row: -0, 2), -2 (1), 7 (2)
    await expectViewMatchesScan(table, [0]);
    await writer.close();
  });

  it('a two-column key (utf8, date32)', async () => {
    const schema = new Schema([new Field('name', new Utf8(), false), new Field('day', new DateDay(), false), new Field('v', new Int32(), true)]);
    const { table, writer } = await tableAt(schema, ['name', 'day']);
    const rows = (keys: [string, number][], v: number) => batch(schema.fields, [
      vectorFromArray(keys.map((k) => k[0]), new Utf8()).data[0],
      makeData({ type: new DateDay(), length: keys.length, data: Int32Array.from(keys, (k) => k[1]) }),
      vectorFromArray(keys.map(() => v), new Int32()).data[0],
    ]);
    await writer.put(rows([['a', 1], ['a', 2], ['b', 1], ["it's", -5]], 1));
    await writer.flush();
    await compact(table, { shard: 0 });
    await writer.put(rows([['a', 2], ['c', 3]], 2));
    await writer.delete(batch(schema.fields.slice(0, 2), rows([['b', 1]], 0).data.children.slice(0, 2)));
    await writer.flush();
    await expectViewMatchesScan(table, [0, 1]);
    await writer.close();
  });

  it('quotes paths and names: a directory with a quote, space and percent sign, a column named with a double quote', async () => {
    const schema = new Schema([new Field('i"d', new Int32(), false), new Field("it's v", new Utf8(), true)]);
    const { table, writer } = await tableAt(schema, ['i"d'], "it's a 100% dir-");
    const rows = (ids: number[], v: string) => batch(schema.fields, [vectorFromArray(ids, new Int32()).data[0], vectorFromArray(ids.map((i) => `${v}${i}`), new Utf8()).data[0]]);
    await writer.put(rows([1, 2], 'x'));
    await writer.flush();
    await compact(table, { shard: 0 });
    await writer.put(rows([2, 3], 'y'));
    await writer.flush();
    const live = await liveFiles(table);
    expect(live.files[0].url).toContain("it's a 100% dir-"); // a path, not a percent-encoded URL
    await expectViewMatchesScan(table, [0]);
    await writer.close();
  });

  it('an append-only table: every stored row, duplicates included', async () => {
    const schema = new Schema([new Field('id', new Int32(), true), new Field('v', new Utf8(), true)]);
    const { table, writer } = await tableAt(schema, []);
    const rows = (ids: number[], v: string) => batch(schema.fields, [vectorFromArray(ids, new Int32()).data[0], vectorFromArray(ids.map((i) => `${v}${i}`), new Utf8()).data[0]]);
    await writer.put(rows([1, 1, 2], 'x'));
    await writer.flush();
    await compact(table, { shard: 0 });
    await writer.put(rows([1, 3], 'y'));
    await writer.flush();
    const scan = await new LsmScanner(table).scan().toTable();
    expect(scan.numRows).toBe(5);
    await expectViewMatchesScan(table, [0, 1]);
    await writer.close();
  });
});
