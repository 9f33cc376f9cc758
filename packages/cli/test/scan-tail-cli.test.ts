/**
 * `freshtier scan` and `inspect` read like remote readers by default (issue 14): rows a
 * live writer acked durably but has not flushed are shown; `--committed` shows only
 * base and flushed data. The writer here lives in the test process and is never given
 * to the CLI: the CLI finds its rows in the WAL.
 */
import { ShardWriter } from '@freshtier/writer';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTable } from '../src/table-uri.js';
import { USERS_SCHEMA, idsBatch, run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const idsOf = (csv: string) => csv.trim().split('\n').slice(1).map(Number).sort((a, b) => a - b);

describe('scan and inspect see a live writer\'s acked rows', () => {
  it('by default; --committed shows only what was flushed', async () => {
    const uri = join(dir, 't');
    expect((await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id'])).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'a.csv', 'id,name,age,score,active,joined\n1,a,,,,\n')])).code).toBe(0);
    const opened = await openTable(uri, dir);
    const w = await ShardWriter.open(opened.table, { shard: 0, autoFlush: false });
    await w.put(idsBatch(opened.table, [2, 3]));
    await w.put(idsBatch(opened.table, [4]));
    expect(idsOf((await run(['scan', uri, '--columns', 'id', '--format', 'csv'])).stdout)).toEqual([1, 2, 3, 4]);
    expect(idsOf((await run(['scan', uri, '--columns', 'id', '--format', 'csv', '--committed'])).stdout)).toEqual([1]);
    const inspected = JSON.parse((await run(['inspect', uri, '--json'])).stdout);
    expect(inspected.shards[0].wal.unflushedRows).toBe(3); // the backlog also holds the writer's fence entries
    const committed = JSON.parse((await run(['inspect', uri, '--json', '--committed'])).stdout);
    expect(committed.shards[0].wal.unflushedRows).toBeUndefined();
    await w.close(); // flushes
    expect(idsOf((await run(['scan', uri, '--columns', 'id', '--format', 'csv', '--committed'])).stdout)).toEqual([1, 2, 3, 4]);
    opened.close();
  });
});
