/**
 * Crash matrix: a child process runs a random workload (puts, rewrites, deletes,
 * freezes, flushes; several producers sharing WAL group commits) on a LocalStore
 * table and prints every operation it tries and every ack it gets. The parent
 * SIGKILLs it at a random moment, reopens the table (ShardWriter.open: fence and
 * replay; LsmScanner over the new writer) and checks against the ledger: every
 * acked write present, no unacked batch half-applied, no row never written, and on
 * the append-only table no row twice. Then it closes the writer (flushing what replay
 * brought back) and checks the flushed table again: it must read exactly the same.
 *
 * Runs accumulate on the same two tables (keyed and append-only), so each recovery
 * is also checked by every later one. Quick: 24 kills; FRESHTIER_LONG=1: 300.
 */
import { LocalStore } from '@freshtier/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAndKill } from '../src/child.js';
import { makeTable, prng, scaled, tempDir } from '../src/data.js';
import { Ledger } from '../src/ledger.js';
import { closeAll, recover, scanAll } from '../src/recover.js';
import { emptyCounts, reportPart } from '../src/summary.js';

const KILLS = scaled(24, 300);
const counts = emptyCounts();

describe('crash matrix (SIGKILL at random moments)', () => {
  const tables: { appendOnly: boolean; root: string; ledger: Ledger }[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    for (const appendOnly of [false, true]) {
      const { dir, cleanup } = await tempDir();
      cleanups.push(cleanup);
      await makeTable(new LocalStore(dir), { appendOnly });
      tables.push({ appendOnly, root: dir, ledger: new Ledger(appendOnly) });
    }
  });
  afterAll(async () => {
    await Promise.all(cleanups.map((c) => c()));
    reportPart('crash-matrix', counts);
  });

  it(`recovers every acked write, whole batches only, across ${KILLS} kills`, async () => {
    const master = Number(process.env.FRESHTIER_SEED ?? 20_251_121);
    const seeds = prng(master); // the kill delays and the children's seeds: a failure reruns from FRESHTIER_SEED
    for (let run = 1; run <= KILLS; run++) {
      const t = tables[run % 2];
      const seed = seeds.int(1, 2 ** 31);
      const killAfterMs = seeds.int(20, 450);
      const what = `run ${run} (${t.appendOnly ? 'append-only' : 'keyed'}, seed ${seed}, killed after ${killAfterMs} ms; rerun with FRESHTIER_SEED=${master})`;
      const out = await runAndKill('workload-child.ts', [t.root, String(run), String(seed)], killAfterMs);
      counts.kills++;
      counts.acked += t.ledger.record(out.lines);

      const store = new LocalStore(t.root);
      const recovered = await recover(store, { flushRetry: { initialDelayMs: 5 } });
      const afterReplay = t.ledger.check(recovered.rows);
      counts.lost += afterReplay.lost;
      counts.corrupted += afterReplay.corrupted;
      expect(afterReplay.problems, `${what}, after replay`).toEqual([]);

      await closeAll(recovered.writers); // flushes the replayed generations
      const afterFlush = t.ledger.check((await scanAll(recovered.table)).rows);
      counts.lost += afterFlush.lost;
      counts.corrupted += afterFlush.corrupted;
      expect(afterFlush.problems, `${what}, after flushing the replayed generations`).toEqual([]);
    }
    expect(counts.acked).toBeGreaterThan(KILLS);
  }, 3_600_000);
});
