/**
 * `freshtier verify` and `freshtier repair` as a user runs them: verify exits 0 on a
 * healthy table and 1 naming a damaged WAL entry and what it affects; repair is a dry
 * run that changes no byte and lists the rows setting the entry aside would lose; with
 * `--apply` it sets it aside, verify passes again, and the shard's writer opens.
 */
import { ShardWriter, listWal } from '@freshtier/writer';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTable } from '../src/table-uri.js';
import { USERS_SCHEMA, filesOf, idsBatch, run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verify and repair from the command line', () => {
  it('finds a damaged WAL entry, plans without changing anything, repairs with --apply', async () => {
    const uri = join(dir, 't');
    expect((await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id'])).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'a.csv', 'id,name,age,score,active,joined\n1,a,,,,\n2,b,,,,\n')])).code).toBe(0);
    const ok = await run(['verify', uri, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, damaged: [] });

    // a writer acks three durable puts and dies before flushing
    const opened = await openTable(uri, dir);
    const w = await ShardWriter.open(opened.table, { shard: 0, autoFlush: false });
    for (const ids of [[10, 11], [12, 13], [14, 15]]) await w.put(idsBatch(opened.table, ids));
    const doc = (await opened.table.shardManifests(0).latest()).doc;
    const damaged = (await listWal(opened.table.store, 0, doc.replayAfter, '.ftw')).filter((e) => e.size > 200)[1];
    opened.close();
    const file = join(uri, damaged.key);
    const bytes = readFileSync(file);
    bytes[bytes.length - 40] ^= 0x04;
    writeFileSync(file, bytes);

    const bad = await run(['verify', uri]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`DAMAGED wal-entry ${damaged.key}`);
    expect(bad.stdout).toMatch(/affects: acked rows of shard 0 not yet flushed/);

    const before = filesOf(uri);
    const dry = await run(['repair', uri]);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain(`WOULD set-aside-wal-entry ${damaged.key}`);
    expect(dry.stdout).toMatch(/lost batch: generation \d+ batch 1 \(put/);
    expect(dry.stdout).toContain('dry run: nothing changed');
    expect(filesOf(uri)).toEqual(before);

    const applied = await run(['repair', uri, '--apply', '--json']);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ applied: true, remaining: [], actions: [{ action: 'set-aside-wal-entry', applied: true }] });
    expect((await run(['verify', uri])).code).toBe(0);
    const again = await openTable(uri, dir);
    const w2 = await ShardWriter.open(again.table, { shard: 0 });
    await w2.close();
    again.close();
    const ids = (await run(['scan', uri, '--columns', 'id', '--format', 'csv'])).stdout.trim().split('\n').slice(1).map(Number).sort((a, b) => a - b);
    expect(ids).toEqual([1, 2, 10, 11, 14, 15]); // 12 and 13 were in the entry set aside
  });

  it('checks a given --version, refuses --version with --tag, and a tag that does not exist', async () => {
    const uri = join(dir, 't2');
    expect((await run(['init', uri, '--schema', write(dir, 'users2.json', USERS_SCHEMA), '--primary-key', 'id'])).code).toBe(0);
    expect((await run(['verify', uri, '--version', '0', '--tag', 'x'])).code).toBe(2);
    const pinned = await run(['verify', uri, '--version', '0:0']); // --version names a table version here, not the CLI's
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toContain('table version 0:0');
    const missing = await run(['verify', uri, '--tag', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no tag "nope"');
  });
});
