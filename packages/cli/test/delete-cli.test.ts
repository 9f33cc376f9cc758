/**
 * `freshtier delete <uri> <file>` (issue 15: there was no delete command): keys from a
 * CSV, JSON Lines, Parquet or Arrow file, routed to their shards and written as
 * tombstones through the writers; a `scan` export with every column can be fed back.
 * A file that lacks a key column, holds a null or mistyped key, or a table without a
 * primary key is refused with a typed error before anything is written.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeParquetFile } from '@freshtier/core';
import { Int64, Table as ArrowTable, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { shell } from './bin-support.js';
import { run, tempDir, write } from './support.js';
import { appendText, fingerprint, initTable, jsonLines, rows } from './text-support.js';

const dir = tempDir('freshtier-delete-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS: [string, string, boolean?][] = [['id', 'int64'], ['region', 'utf8', false], ['v', 'int32']];

async function seeded(name: string, n: number, shards = 3): Promise<string> {
  const uri = join(dir, name);
  const schema = { fields: FIELDS.map(([f, type, nullable]) => ({ name: f, type, nullable: nullable ?? false })), primaryKey: ['id', 'region'] };
  // more shards than one, so keys are routed
  expect((await run(['init', uri, '--schema', write(dir, `${name}.json`, JSON.stringify(schema)), '--shards', String(shards)])).code).toBe(0);
  const data = Array.from({ length: n }, (_, i) => ({ id: BigInt(i), region: i % 2 ? 'eu' : 'us', v: i }));
  expect((await appendText(dir, uri, `${name}.jsonl`, jsonLines(data))).code).toBe(0);
  return uri;
}

const ids = async (uri: string) => (await rows(uri)).map((r) => Number(r.id)).sort((a, b) => a - b);

describe('freshtier delete', () => {
  it('the real program deletes the keys of a CSV file, across shards', async () => {
    const uri = await seeded('csv', 20);
    const keys = write(dir, 'keys.csv', 'id,region\n1,eu\n4,us\n5,eu\n7,us\n'); // 7,us is not a row: a no-op
    const r = shell(`freshtier delete '${uri}' '${keys}'`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deleted the 4 key\(s\) of .*keys\.csv/);
    expect(await ids(uri)).toEqual([0, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('a scan export with every column (CSV) deletes the rows it holds', async () => {
    const uri = await seeded('export', 10);
    const exported = await run(['scan', uri, '--where', 'v >= 7', '--format', 'csv']);
    expect((await run(['delete', uri, write(dir, 'old.csv', exported.stdout)])).code).toBe(0);
    expect(await ids(uri)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it.each([
    ['jsonl', (k: [bigint, string][]) => jsonLines(k.map(([id, region]) => ({ id, region })))],
    ['parquet', (k: [bigint, string][]) => writeParquetFile(keyTable(k))],
    ['arrow', (k: [bigint, string][]) => tableToIPC(keyTable(k), 'stream')],
  ] as const)('keys from a %s file', async (format, encode) => {
    const uri = await seeded(`f-${format}`, 6);
    expect((await run(['--json', 'delete', uri, write(dir, `keys.${format}`, encode([[0n, 'us'], [3n, 'eu']]))])).code).toBe(0);
    expect(await ids(uri)).toEqual([1, 2, 4, 5]);
  });

  it('property (seeded): after deleting any subset of keys, a scan holds exactly the others', async () => {
    const uri = await seeded('prop', 40, 4);
    const alive = new Set(Array.from({ length: 40 }, (_, i) => i));
    const rounds = fc.sample(fc.subarray(Array.from({ length: 45 }, (_, i) => i)), { seed: 1_515, numRuns: 3 });
    for (const [k, subset] of rounds.entries()) {
      const lines = subset.map((i) => `${i},${i % 2 ? 'eu' : 'us'}`);
      expect((await run(['delete', uri, write(dir, `round-${k}.csv`, `id,region\n${lines.join('\n')}\n`)])).code).toBe(0);
      for (const i of subset) alive.delete(i);
      expect(await ids(uri)).toEqual([...alive].sort((a, b) => a - b));
    }
  });
});

describe('freshtier delete refuses bad keys before writing anything', () => {
  it.each([
    ['a missing key column', 'k1.csv', 'id\n1\n', /header: no value for primary-key column\(s\) "region".*a delete names each row by its whole primary key/s],
    ['a null key', 'k2.csv', 'id,region\n1,eu\n2,\n', /line 3: column "region" is empty\/null .*every row needs a value in each primary-key column/s],
    ['a mistyped key', 'k3.jsonl', '{"id": "x", "region": "eu"}\n', /line 1: column "id" expected an integer/],
    ['a column the table does not have', 'k4.csv', 'id,region,nope\n1,eu,2\n', /header names column\(s\) the table does not have: "nope"/],
  ])('%s', async (_what, file, content, message) => {
    const uri = await seeded(`bad-${file}`, 4);
    const before = fingerprint(uri);
    const r = await run(['--json', 'delete', uri, write(dir, file, content)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(JSON.parse(r.stdout).error.code).toBe('SCHEMA_MISMATCH');
    expect(fingerprint(uri)).toEqual(before);
  });

  it('an append-only table has no keys to delete by', async () => {
    const uri = await initTable(dir, 'log', [['msg', 'utf8']], []);
    const r = await run(['delete', uri, write(dir, 'log-keys.csv', 'msg\nx\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/append-only table .* no key to delete by/);
  });

});

function keyTable(keys: [bigint, string][]): ArrowTable {
  return new ArrowTable({ id: vectorFromArray(keys.map(([id]) => id), new Int64()), region: vectorFromArray(keys.map(([, r]) => r), new Utf8()) });
}
