/**
 * Every maintenance command with extreme options (issue 18; DESIGN.md invariant 16:
 * no `gc` or `compact`, with any options, deletes or hides a row that is acked and
 * not superseded). Table-driven, against a model of acked rows:
 * - `gc` with `olderThan` 0 and huge, `now` in the far past and the far future, and
 *   `dryRun`, each run while a flush, an ingest and a compaction are between writing
 *   their files and committing them, and again after a writer failover that leaves
 *   a fenced writer's uncommitted files behind;
 * - `compact` of every shard, repeated, all at once, racing a flush, and racing GC.
 * Then a seeded property mixes all of it at random. No wall-clock waits: GC takes
 * `now`, and in-flight commits are held by the store, not by timers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compact, gc, type GcOptions } from '../src/index.js';
import { MaintenanceHarness } from './support/maintenance-harness.js';

const HOUR = 3_600_000;
const FAR_AHEAD = Date.now() + 100 * 365 * 24 * HOUR;

const GC_OPTIONS: [string, GcOptions][] = [
  ['olderThan 0', { olderThan: 0 }],
  ['olderThan 0, now far in the future', { olderThan: 0, now: FAR_AHEAD }],
  ['olderThan huge', { olderThan: Number.MAX_SAFE_INTEGER }],
  ['olderThan 0, now at the epoch (far past)', { olderThan: 0, now: 0 }],
  ['olderThan an hour, now far in the future', { olderThan: HOUR, now: FAR_AHEAD }],
  ['dry run, olderThan 0, now far in the future', { olderThan: 0, now: FAR_AHEAD, dryRun: true }],
];

/** Some history: base files, flushed generations above them, tombstones, unflushed rows. */
async function history(h: MaintenanceHarness): Promise<void> {
  await h.put(0, 120);
  await h.flushAll();
  await h.compactAll();
  await h.put(60, 180);
  await h.remove([0, 1, 2, 3, 61, 62]);
  await h.flushAll();
  await h.put(150, 200); // only in memtables and the WAL
}

describe.each(GC_OPTIONS)('gc with %s', (_name, options) => {
  it('loses no acked row while a flush, an ingest and a compaction are in flight', async () => {
    const h = await MaintenanceHarness.create(2);
    await history(h);
    const compaction = await h.compactionInFlight(0);
    const flush = await h.flushInFlight(0);
    const ingest = await h.ingestInFlight(1, h.idsOf(1, 300, 340));
    await gc(h.table, options);
    await h.check('during the commits');
    for (const f of [flush, ingest, compaction]) expect(await f.finish()).not.toBeInstanceOf(Error);
    await h.check('after the commits');
    await gc(h.table, options);
    await h.check('after a second gc');
    await h.compactAll();
    await gc(h.table, options);
    await h.check('after compacting everything and a third gc');
    await h.checkDurable('from storage alone');
  });

  it('loses no acked row across a failover that leaves a fenced writer\'s files behind', async () => {
    const h = await MaintenanceHarness.create(2);
    await history(h);
    const stale = await h.flushInFlight(1); // files written by the writer about to be fenced
    const fenced = await h.failover(1);
    await gc(h.table, options);
    expect(await stale.finish()).toMatchObject({ code: expect.stringMatching(/SHARD_FENCED|COMMIT_CONFLICT/) });
    expect(fenced.status().state).not.toBe('open');
    await h.check('after the failover and gc');
    await h.put(400, 420);
    await h.flushAll();
    await gc(h.table, options);
    await h.compactAll();
    await gc(h.table, options);
    await h.checkDurable('from storage alone');
  });
});

const COMPACTIONS: [string, (h: MaintenanceHarness) => Promise<void>][] = [
  ['every shard', async (h) => void (await h.compactAll())],
  ['every shard, three times in a row', async (h) => {
    for (let i = 0; i < 3; i++) await h.compactAll();
  }],
  ['every shard twice at once', async (h) => void (await Promise.all([h.compactAll(), h.compactAll()]))],
  ['racing a flush of the same shard', async (h) => {
    const flush = await h.flushInFlight(0);
    await compact(h.table, { shard: 0 });
    expect(await flush.finish()).toBeUndefined();
    await compact(h.table, { shard: 0 });
  }],
  ['racing gc with olderThan 0', async (h) => {
    const compaction = await h.compactionInFlight(1);
    await gc(h.table, { olderThan: 0, now: FAR_AHEAD });
    expect(await compaction.finish()).toMatchObject({ committed: true });
  }],
];

describe.each(COMPACTIONS)('compact %s', (_name, run) => {
  it('loses no acked, unsuperseded row', async () => {
    const h = await MaintenanceHarness.create(2);
    await history(h);
    await run(h);
    await h.check('after the compactions');
    await gc(h.table, { olderThan: 0, now: FAR_AHEAD });
    await h.check('after gc');
    await h.checkDurable('from storage alone');
  });
});

type Step =
  | { kind: 'put'; lo: number; n: number }
  | { kind: 'delete'; ids: number[] }
  | { kind: 'flush' }
  | { kind: 'compact'; shard: number }
  | { kind: 'gc'; options: GcOptions }
  | { kind: 'gc-during'; what: 'flush' | 'ingest' | 'compaction'; shard: number; options: GcOptions }
  | { kind: 'failover'; shard: number };

const gcOptions = fc.constantFrom(...GC_OPTIONS.map(([, o]) => o));
const shard = fc.integer({ min: 0, max: 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('put' as const), lo: fc.integer({ min: 0, max: 80 }), n: fc.integer({ min: 1, max: 20 }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: fc.uniqueArray(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 5 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('flush' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('compact' as const), shard }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('gc' as const), options: gcOptions }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('gc-during' as const), what: fc.constantFrom('flush' as const, 'ingest' as const, 'compaction' as const), shard, options: gcOptions }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('failover' as const), shard }), weight: 1 },
);

async function runStep(h: MaintenanceHarness, s: Step): Promise<void> {
  switch (s.kind) {
    case 'put': return h.put(s.lo, s.lo + s.n);
    case 'delete': return h.remove(s.ids);
    case 'flush': return h.flushAll();
    case 'compact': return void (await compact(h.table, { shard: s.shard }));
    case 'gc': return void (await gc(h.table, s.options));
    case 'failover': return void (await h.failover(s.shard));
    case 'gc-during': {
      const inFlight = s.what === 'flush' ? await h.flushInFlight(s.shard)
        : s.what === 'ingest' ? await h.ingestInFlight(s.shard, h.idsOf(s.shard, 100, 110))
        : await h.compactionInFlight(s.shard);
      await gc(h.table, s.options);
      const outcome = await inFlight.finish();
      expect(outcome).not.toBeInstanceOf(Error);
    }
  }
}

describe('maintenance model', () => {
  it('a random mix of writes, in-flight commits, failovers, compactions and gc with extreme options never loses an acked row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 12 }), async (steps) => {
        const h = await MaintenanceHarness.create(2);
        await h.put(0, 40);
        for (let i = 0; i < steps.length; i++) {
          await runStep(h, steps[i]);
          await h.check(`after step ${i}: ${JSON.stringify(steps[i])}`);
        }
        await h.flushAll();
        await h.compactAll();
        await gc(h.table, { olderThan: 0, now: FAR_AHEAD });
        await h.checkDurable('at the end, from storage alone');
      }),
      { numRuns: 20, seed: 18_2024 },
    );
  }, 120_000);
});
