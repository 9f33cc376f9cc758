/**
 * Failpoint-driven crashes and failures: for EVERY named failpoint of the engine
 * (core's FAILPOINTS), two cases.
 *
 * exit — a child runs the crash-matrix workload with `FRESHTIER_FAILPOINTS=<name>=exit@n`
 *   and dies by SIGKILL exactly at that step (for the open-time failpoints, replay and
 *   fence, on the open after an ordinary crash). The parent reopens and checks the
 *   ledger: every acked write present, no torn batch, then the same after flushing.
 * throw — in-process, the failpoint throws once. A failure at a WAL step is an unknown
 *   outcome: the put fails with WriterPoisonedError and so does every later call; a
 *   failure in a flush step is retried by the flush (files of the failed attempt are
 *   orphans, the manifest names only complete files); a failure during open fails the
 *   open; a failure around the base commit fails that compaction, and the next one
 *   redoes it (before the commit) or finds nothing left (after). In every case a
 *   reopen recovers every acked row.
 */
import { FAILPOINTS, LocalStore, MemoryStore, armFailpoint, disarmAllFailpoints, isFreshtierError, keyIndexPathFor, type Table } from '@freshtier/core';
import { ShardWriter, compact } from '@freshtier/writer';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runAndKill, runToExit } from '../src/child.js';
import { makeTable, prng, rangeBatch, tempDir } from '../src/data.js';
import { Ledger } from '../src/ledger.js';
import { closeAll, recover, scanAll } from '../src/recover.js';
import { emptyCounts, reportPart } from '../src/summary.js';

const counts = emptyCounts();
const NAMES = Object.keys(FAILPOINTS) as (keyof typeof FAILPOINTS)[];
/** Failpoints passed while a writer opens: the child must crash there on a later open. */
const AT_OPEN = new Set<string>(['replay:entry', 'open:before-fence']);
const rnd = prng(Number(process.env.FRESHTIER_SEED ?? 7));

afterEach(() => disarmAllFailpoints());
afterAll(() => reportPart('failpoints', counts));

async function checkRecovery(root: string, ledger: Ledger, what: string): Promise<void> {
  const r = await recover(new LocalStore(root), { flushRetry: { initialDelayMs: 5 } });
  for (const rows of [r.rows, await closeAll(r.writers).then(async () => (await scanAll(r.table)).rows)]) {
    const res = ledger.check(rows);
    counts.lost += res.lost;
    counts.corrupted += res.corrupted;
    expect(res.problems, what).toEqual([]);
  }
}

describe('failpoint exit: a crash at exactly that step', () => {
  it.each(NAMES)('%s', async (name) => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeTable(new LocalStore(dir));
      const ledger = new Ledger(false);
      let run = 1;
      if (AT_OPEN.has(name)) {
        // leave WAL entries to replay, then crash the next open at the failpoint
        counts.acked += ledger.record((await runAndKill('workload-child.ts', [dir, String(run++), String(rnd.int(1, 1e9))], 300)).lines);
        counts.kills++;
      }
      const after = name === 'wal:before-append' || name === 'wal:after-append' ? rnd.int(3, 30) : name === 'replay:entry' ? 1 : rnd.int(0, 2);
      const env = { FRESHTIER_FAILPOINTS: `${name}=exit@${after}`, RELIABILITY_COMPACT_P: name.startsWith('compaction:') ? '0.3' : '0.02' };
      const out = await runToExit('workload-child.ts', [dir, String(run), String(rnd.int(1, 1e9))], env);
      expect(out.signal, `the child should die at ${name}: ${out.stderr.slice(-1000)}`).toBe('SIGKILL');
      expect(out.lines.includes('ready')).toBe(!AT_OPEN.has(name));
      counts.kills++;
      counts.acked += ledger.record(out.lines);
      await checkRecovery(dir, ledger, `after exit at ${name}@${after}`);
      counts.failpoints.push(name);
    } finally {
      await cleanup();
    }
  }, 120_000);
});

/** A keyed table on a MemoryStore with `n` acked puts of 10 rows each (ids 0..10n). */
async function tableWithWrites(n: number): Promise<{ table: Table; writer: ShardWriter; model: Map<number, number> }> {
  const table = await makeTable(new MemoryStore());
  const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushRetry: { initialDelayMs: 0, maxAttempts: 3 } });
  const model = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    await writer.put(rangeBatch(i * 10, i * 10 + 10, i));
    for (let id = i * 10; id < i * 10 + 10; id++) model.set(id, i);
  }
  return { table, writer, model };
}

async function expectModel(table: Table, model: Map<number, number>, what: string): Promise<void> {
  const w = await ShardWriter.open(table, { shard: 0 });
  const { rows } = await scanAll(table, [w]);
  const got = new Map(rows.map((r) => [r.id, r.v]));
  const missing = [...model].filter(([id, v]) => got.get(id) !== v);
  counts.lost += missing.length;
  expect(missing, what).toEqual([]);
  await w.close();
}

describe('failpoint throw: the writer fails safe and a reopen recovers', () => {
  it.each(NAMES)('%s', async (name) => {
    const { table, writer, model } = await tableWithWrites(3);
    armFailpoint(name, 'throw', { times: 1 });
    if (name.startsWith('wal:')) {
      const err = await writer.put(rangeBatch(100, 110, 99)).catch((e: unknown) => e);
      expect(isFreshtierError(err, 'WRITER_POISONED'), String(err)).toBe(true);
      await expect(writer.put(rangeBatch(200, 210, 98))).rejects.toMatchObject({ code: 'WRITER_POISONED' });
      expect(writer.status().state).toBe('poisoned');
    } else if (name.startsWith('flush:')) {
      await writer.flush(); // the first attempt fails at the failpoint, the retry commits
      const { doc } = await table.shardManifests(0).latest();
      for (const f of doc.flushed) {
        expect(await table.store.head(f.file.path), `manifest names ${f.file.path}`).toBeDefined();
        expect(await table.store.head(keyIndexPathFor(f.file.path))).toBeDefined();
      }
      expect(doc.flushed.map((f) => f.generation)).toEqual([...new Set(doc.flushed.map((f) => f.generation))]);
      await writer.close();
    } else if (name.startsWith('compaction:')) {
      await writer.close();
      await expect(compact(table, { shard: 0 })).rejects.toThrow(new RegExp(`failpoint ${name} fired`));
      disarmAllFailpoints();
      const again = await compact(table, { shard: 0 }); // before the commit: redone; after it: nothing left to do
      expect(again.committed).toBe(name === 'compaction:before-commit');
      expect((await table.baseManifests.latest()).doc.compacted['0']).toBeGreaterThan(0);
    } else {
      await expect(ShardWriter.open(table, { shard: 0 })).rejects.toThrow(new RegExp(`failpoint ${name} fired`));
    }
    disarmAllFailpoints();
    await expectModel(table, model, `after a throw at ${name}`);
    counts.failpoints.push(name);
  });
});
