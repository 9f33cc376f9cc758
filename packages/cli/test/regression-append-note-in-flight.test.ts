/**
 * Regression (found by review): with several batches' WAL writes in flight, a failed write
 * could be followed by later batches that succeeded. On an append-only table with two shards
 * the note then counted rows that were not the start of the file ("20 rows … append only the
 * rest" after rows 0-9 and 20-29 were written), so following it lost rows and doubled others.
 * Now an append-only table writes one batch at a time and nothing more is sent after a
 * failure; on keyed tables the note counts exactly the rows acknowledged, shard by shard.
 * The failure is a real one: the `wal:before-append` failpoint, in this process.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { armFailpoint, disarmAllFailpoints } from '@freshtier/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => disarmAllFailpoints());

const SCHEMA = JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'v', type: 'utf8' }] });
const csv = (n: number) => `id,v\n${Array.from({ length: n }, (_, i) => `${i},r${i}`).join('\n')}\n`;

async function scanIds(uri: string): Promise<number[]> {
  const r = await run(['scan', uri, '--format', 'csv', '--columns', 'id']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').slice(1).map(Number).sort((a, b) => a - b);
}

function noted(stderr: string): number {
  const m = /note: ([\d,]+) rows of \S+ were appended/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return Number(m![1].replace(/,/g, ''));
}

describe('the note after a failed write counts what was acknowledged', () => {
  it('append-only, two shards: the rows written are the start of the file, and the note says how many', async () => {
    const uri = join(dir, 'events');
    expect((await run(['init', uri, '--schema', write(dir, 'events.json', SCHEMA), '--shards', '2'])).code).toBe(0);
    armFailpoint('wal:before-append', 'throw', { after: 1, times: 1 }); // the second batch's write (shard 1) fails
    const r = await run(['append', uri, write(dir, 'events.csv', csv(40)), '--batch-rows', '10']);
    disarmAllFailpoints();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/append only the rest/);
    const ids = await scanIds(uri);
    expect(ids).toEqual(Array.from({ length: noted(r.stderr) }, (_, i) => i)); // a prefix, exactly as many as noted
    expect(ids.length).toBe(10);
  });

  it('keyed, two shards, batches in flight: the note equals the rows the table now holds', async () => {
    const uri = join(dir, 'users');
    expect((await run(['init', uri, '--schema', write(dir, 'users.json', SCHEMA), '--primary-key', 'id', '--shards', '2'])).code).toBe(0);
    armFailpoint('wal:before-append', 'throw', { after: 3, times: 1 });
    const r = await run(['append', uri, write(dir, 'users.csv', csv(80)), '--batch-rows', '10']);
    disarmAllFailpoints();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/appending the whole file again is safe/);
    expect((await scanIds(uri)).length).toBe(noted(r.stderr));
  });

  it('a failed write is the error reported, even when a bad line is read after it (--no-validate)', async () => {
    const uri = join(dir, 'late-input-error');
    expect((await run(['init', uri, '--schema', write(dir, 'late.json', SCHEMA), '--primary-key', 'id', '--shards', '2'])).code).toBe(0);
    const lines = csv(80).split('\n');
    lines[55] = 'x,bad'; // line 56 of the file: not an integer id
    armFailpoint('wal:before-append', 'throw', { after: 2, times: 1 });
    const r = await run(['append', uri, write(dir, 'late.csv', lines.join('\n')), '--batch-rows', '10', '--no-validate']);
    disarmAllFailpoints();
    expect(r.code).toBe(1); // the write failure (exit 1), not the input refusal (exit 2) read after it
    expect(r.stderr).not.toMatch(/expected an integer/);
    expect((await scanIds(uri)).length).toBe(noted(r.stderr));
  });
});
