/**
 * `freshtier files` and `freshtier sql` (issue 15): the live files of a table version —
 * base files of the base version, then the generations the base does not cover — read at
 * one version (`--version` as a table or base version, `--tag`), and a DuckDB view over
 * exactly those files (the DuckDB run itself: packages/integration/test/format/). Bad
 * flags are usage errors; every merge engine gets a view (an aggregate table's adds the exact
 * `_ft_sum_<c>` sums).
 */
import { ShardWriter } from '@freshtier/writer';
import { Int64, RecordBatch, Struct, makeData, vectorFromArray } from 'apache-arrow';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTable } from '../src/table-uri.js';
import { USERS_SCHEMA, run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Listed { kind: string; shard: number; generation: number | null; path: string; url: string; rows: number; bytes: number; checksum: number; keyIndexPath: string }

async function files(args: string[]): Promise<{ version: { baseVersion: number; shardVersions: number[] }; newest: boolean; files: Listed[]; shards: { pendingWal?: number }[] }> {
  const r = await run(['files', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** A table: two appends, a compaction of the first, then a third append (one base file, two generations). */
async function makeTable(name: string): Promise<string> {
  const uri = join(dir, name);
  const csv = (ids: number[]) => write(dir, `${name}-${ids[0]}.csv`, `id,name,age,score,active,joined\n${ids.map((i) => `${i},n${i},,,,`).join('\n')}\n`);
  expect((await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id'])).code).toBe(0);
  expect((await run(['append', uri, csv([1, 2, 3])])).code).toBe(0);
  expect((await run(['compact', uri])).code).toBe(0);
  expect((await run(['tag', uri, 'after-compaction'])).code).toBe(0);
  expect((await run(['append', uri, csv([3, 4])])).code).toBe(0);
  expect((await run(['append', uri, csv([5])])).code).toBe(0);
  return uri;
}

describe('freshtier files', () => {
  it('lists the newest version: base files, then uncompacted generations, each with its numbers', async () => {
    const uri = await makeTable('t1');
    const live = await files([uri]);
    expect(live.newest).toBe(true);
    expect(live.files.map((f) => [f.kind, f.generation, f.rows])).toEqual([['base', null, 3], ['generation', expect.any(Number), 2], ['generation', expect.any(Number), 1]]);
    expect(live.files[1].generation!).toBeLessThan(live.files[2].generation!);
    for (const f of live.files) {
      expect(existsSync(f.url)).toBe(true);
      expect(f.url).toBe(join(uri, f.path));
      expect(f.checksum).toEqual(expect.any(Number));
      expect(f.keyIndexPath).toMatch(/\.keys\.ftk$/);
    }
    const human = await run(['files', uri]);
    expect(human.stdout).toMatch(/table version \d+:\d+ \(base:shards\), the newest, schema version 0: 3 live file\(s\), 6 stored row\(s\)/);
    expect(human.stdout).toMatch(/^0\s+base\s+-\s+0\s+3\s+\d+\s+crc32:[0-9a-f]{8}\s+base\/data\/\S+\.parquet/m);
    // after a schema change the header names the new version; the files keep the version they were written with
    expect((await run(['alter', uri, 'add-column', 'note', 'utf8'])).code).toBe(0);
    const evolved = await run(['files', uri]);
    expect(evolved.stdout).toMatch(/the newest, schema version 1: 3 live file\(s\)/);
    expect(evolved.stdout).toMatch(/^0\s+base\s+-\s+0\s+3\s/m);
  });

  it('--version (table or base version) and --tag read that version, even after newer commits', async () => {
    const uri = await makeTable('t2');
    const tagged = await files([uri, '--tag', 'after-compaction']);
    expect(tagged.newest).toBe(false);
    expect(tagged.files.map((f) => f.kind)).toEqual(['base']);
    const v = `${tagged.version.baseVersion}:${tagged.version.shardVersions.join(',')}`;
    expect((await files([uri, '--version', v])).files).toEqual(tagged.files);
    expect((await files([uri, `--version=${v}`])).version).toEqual(tagged.version);
    const base1 = await files([uri, '--version', '1']); // right after base version 1 (the compaction)
    expect(base1.files.map((f) => f.path)).toEqual(tagged.files.map((f) => f.path));
  });

  it.each([
    [['--version', '1', '--tag', 'after-compaction'], /--version and --tag both given/],
    [['--version', 'after-compaction'], /is not a version/],
    [['--version', '99'], /base version 99 is not stored/],
    [['--version', '1:1,1'], /names 2 shard version\(s\), the table has 1 shards/],
  ])('refuses %j as a usage error', async (flags, message) => {
    const uri = join(dir, 't3');
    if (!existsSync(uri)) await makeTable('t3');
    const r = await run(['files', uri, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('counts the WAL entries a writer acked but did not flush (no file holds their rows yet)', async () => {
    const uri = await makeTable('t4');
    const opened = await openTable(uri, dir);
    const w = await ShardWriter.open(opened.table, { shard: 0, autoFlush: false });
    const t = opened.table;
    const children = t.schema.fields.map((f) => (f.name === 'id' ? vectorFromArray([9n], new Int64()).data[0] : vectorFromArray([null], f.type).data[0]));
    await w.put(new RecordBatch(t.schema, makeData({ type: new Struct(t.schema.fields), length: 1, nullCount: 0, children })));
    opened.close(); // the writer "dies" without flushing
    const live = await files([uri]);
    expect(live.shards[0].pendingWal).toBeGreaterThan(0);
    expect((await run(['files', uri])).stdout).toMatch(/WAL entr(y|ies) after position -?\d+ may hold acked rows no file holds yet/);
    const sql = await run(['sql', uri]);
    expect(sql.stderr).toMatch(/the view shows committed files only/);
  });
});

describe('freshtier sql', () => {
  it('prints a view over exactly the live files of the version asked for', async () => {
    const uri = await makeTable('t5');
    for (const args of [[uri], [uri, '--tag', 'after-compaction'], [uri, '--version', '1']]) {
      const r = await run(['sql', ...args, '--name', 'users']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^-- the latest state of freshtier table file:\/\/\S+, table version \d+:\d+ \(base:shards\)$/m);
      expect(r.stdout).toContain('CREATE OR REPLACE VIEW "users" AS');
      const named = [...r.stdout.matchAll(/'([^']+\.parquet)'/g)].map((m) => m[1]).sort();
      expect(named).toEqual((await files(args)).files.map((f) => f.url).sort());
    }
    expect((await run(['sql', uri])).stdout).toContain('CREATE OR REPLACE VIEW "t5" AS'); // the directory name by default
    const json = JSON.parse((await run(['sql', uri, '--json'])).stdout);
    expect(json).toMatchObject({ files: 3, sql: expect.stringContaining('row_number() OVER (PARTITION BY "id" ORDER BY _ft_generation DESC)') });
  });

  it('prints the view of an aggregate table (exact sums), and refuses an unknown dialect', async () => {
    const uri = join(dir, 'agg');
    expect((await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id', '--merge-engine', 'aggregate', '--aggregate', 'age=sum'])).code).toBe(0);
    const r = await run(['sql', uri]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sum(CAST("_ft_sum_age" AS HUGEINT))');
    const d = await run(['sql', uri, '--dialect', 'spark']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/spark/);
  });
});
