/**
 * Story: rollback is one commit (DESIGN.md invariant 12).
 *
 * The table: two shards, a tag `good`, then more writes, compactions, and writes
 * acked into the WAL only, after which the writers "crash" (are abandoned).
 * - Rolled back after that restart, the table equals the tag once writers reopen
 *   and replay (the WAL's generations are excluded); live writers are fenced; new
 *   writes after the rollback count, also through flush and compaction.
 * - A rollback SIGKILLed after each of its steps leaves the table at the old head
 *   (every step before the base commit) or the new one (after it) — compared by full
 *   scans after writers reopen — and running it again finishes it.
 */
import { LocalStore, ShardFencedError, Table } from '@freshtier/core';
import { spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardWriter, compact, rollback, splitByShard, tag, type RollbackStep } from '../src/index.js';
import { makeTable, rangeBatch, tempDir } from './support/fixtures.js';
import { tableRows, type PlainRow } from './support/table-state.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/crash-rollback.ts', import.meta.url));

async function openWriters(table: Table): Promise<ShardWriter[]> {
  return Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard, durability: 'durable', autoFlush: false })));
}

async function put(table: Table, writers: ShardWriter[], lo: number, hi: number, v: number, flush: boolean): Promise<void> {
  for (const [s, part] of splitByShard(table, rangeBatch(lo, hi, v))) await writers[s].put(part);
  if (flush) for (const w of writers) await w.flush();
}

/** Builds the story's table at `root`; returns the rows of the tag. */
async function buildTable(root: string): Promise<PlainRow[]> {
  const table = await makeTable(new LocalStore(root), { shards: 2 });
  const writers = await openWriters(table);
  await put(table, writers, 0, 40, 1, true);
  await tag(table, 'good');
  const good = await tableRows(table);
  await put(table, writers, 20, 60, 2, true);
  await Promise.all([0, 1].map((shard) => compact(table, { shard })));
  await put(table, writers, 0, 10, 3, true);
  await put(table, writers, 50, 70, 4, false); // acked into the WAL only; then the writers crash
  return good;
}

/** The table as it reads once writers reopen (replaying the WAL) and flush. */
async function recoveredRows(root: string): Promise<PlainRow[]> {
  const table = await Table.open(new LocalStore(root));
  const writers = await openWriters(table);
  for (const w of writers) await w.close();
  return tableRows(table);
}

function runChild(root: string, killAtStep: number): Promise<{ out: string; signal: string | null }> {
  const child = spawn(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', fixture, root, 'good'], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FRESHTIER_KILL_AT_STEP: String(killAtStep) },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code, signal) => {
    if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (code ${code}): ${err}`));
    else resolve({ out, signal });
  }));
}

describe('rollback is one commit', () => {
  let template: string;
  let good: PlainRow[];
  let oldHead: PlainRow[];
  const cleanups: (() => Promise<void>)[] = [];
  const scratch = async () => {
    const t = await tempDir('freshtier-rollback-');
    cleanups.push(t.cleanup);
    return t.dir;
  };

  beforeAll(async () => {
    template = await scratch();
    good = await buildTable(template);
    const copy = await scratch();
    await cp(template, copy, { recursive: true });
    oldHead = await recoveredRows(copy);
    expect(oldHead).not.toEqual(good);
  });
  afterAll(async () => {
    await Promise.all(cleanups.map((c) => c()));
  });

  it('after a restart with a WAL to replay, returns to the tag and fences live writers', async () => {
    const root = await scratch();
    await cp(template, root, { recursive: true });
    const table = await Table.open(new LocalStore(root));
    const live = await ShardWriter.open(table, { shard: 0, autoFlush: false }); // replays the WAL, then is fenced
    const steps: RollbackStep['step'][] = [];
    const result = await rollback(table, 'good', { onStep: (s) => void steps.push(s.step) });
    expect(steps).toEqual(['start', 'epoch-claimed', 'wal-fenced', 'generation-raised', 'epoch-claimed', 'wal-fenced', 'generation-raised', 'committed']);
    expect(Object.keys(result.excluded).sort()).toEqual(['0', '1']);
    expect(await tableRows(table)).toEqual(good);
    await expect(live.put(splitByShard(table, rangeBatch(0, 10, 9)).get(0)!)).rejects.toThrow(ShardFencedError);
    expect(await recoveredRows(root)).toEqual(good);
    const writers = await openWriters(table);
    await put(table, writers, 100, 103, 5, false); // written after the rollback: counts
    const expected = [...good, ...[100, 101, 102].map((id) => ({ id: String(id), v: 5, s: `s${id}` }))];
    expect(await tableRows(table, writers)).toEqual(expected);
    for (const w of writers) await w.flush();
    await Promise.all([0, 1].map((shard) => compact(table, { shard })));
    expect(await tableRows(table)).toEqual(expected);
    for (const w of writers) await w.close();
  });

  it('killed after any step, leaves the old head or the new one, never in between', async () => {
    const STEPS = 8;
    const outcomes = await runPool(Array.from({ length: STEPS }, (_, i) => i + 1), 2, async (k) => {
      const root = await scratch();
      await cp(template, root, { recursive: true });
      const { out, signal } = await runChild(root, k);
      expect(signal, `kill at step ${k}: ${out}`).toBe('SIGKILL');
      const rows = await recoveredRows(root);
      const again = await rollback(await Table.open(new LocalStore(root)), 'good'); // a crashed rollback can be run again
      expect(again.baseVersion).toBeGreaterThan(0);
      expect(await recoveredRows(root)).toEqual(good);
      return rows;
    });
    outcomes.forEach((rows, i) => {
      const k = i + 1;
      expect(rows, `killed after step ${k}`).toEqual(k < STEPS ? oldHead : good);
    });
  }, 120_000);
});

async function runPool<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}
