/**
 * Story: backpressure. With a store that refuses or stalls generation writes,
 * `put` waits while unflushed bytes exceed `maxUnflushedBytes` and then fails
 * with `BackpressureError` (cause: the last flush error) once the grace period
 * passes, instead of growing memory without bound. A slow but moving store only
 * slows producers down. Healing the store lets writes continue.
 *
 * The grace period runs on a `ManualClock` (virtual time): the test decides when it
 * passes — after a flush has failed, or at once for a hanging store — and a slow
 * store costs virtual time, not wall-clock time. After healing, the clock stands
 * still, so a waiting put resolves only through a flush.
 */
import { MemoryStore, isFreshtierError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { holdCall } from './support/hold.js';
import { ManualClock, stallDetector } from './support/manual-clock.js';

const LIMIT = 400_000;
const GRACE = 300;
const BATCH_ROWS = 1_000;
const MEMTABLE = 120_000;
// A put is admitted while memory <= LIMIT and then adds its batch (~35 KB with keys) plus index growth
// (the key index grows by doubling), and a freeze opens a memtable with an empty index (~40 KB):
// memory stays within LIMIT + about one memtable, however long the store stalls.
const SLACK = MEMTABLE + 3 * 35_000 + 40_000;

interface Rig {
  store: FaultyStore;
  clock: ManualClock;
  writer: ShardWriter;
  /** Resolves at the writer's first `flush-failed` event. */
  firstFlushFailure: Promise<void>;
}

async function openWriter(): Promise<Rig> {
  const store = new FaultyStore(new MemoryStore());
  const clock = new ManualClock();
  let failed!: () => void;
  const firstFlushFailure = new Promise<void>((r) => (failed = r));
  const writer = await ShardWriter.open(await makeTable(store), {
    shard: 0, maxMemtableBytes: MEMTABLE, maxUnflushedBytes: LIMIT, backpressureGraceMs: GRACE, clock,
    flushRetry: { initialDelayMs: 5, maxDelayMs: 20 },
    onEvent: (e) => void (e.type === 'flush-failed' && failed()),
  });
  return { store, clock, writer, firstFlushFailure };
}

/** Resolves once `cond()` holds, re-checking after each turn of the event loop (no timer). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

/** From now on a put that starts waiting sees the grace period pass once `when` resolves. */
function graceRunsOutAfter(clock: ManualClock, when: Promise<void>): void {
  // deferred: the sleep registers after onSleep returns, and must be due when time moves
  clock.onSleep = () => void when.then(() => clock.advance(GRACE));
}

/** Puts until a put fails; returns the error and the peak unflushed bytes. */
async function putUntilFailure(w: ShardWriter, maxPuts = 500) {
  let peak = 0;
  for (let i = 0; i < maxPuts; i++) {
    try {
      await w.put(rangeBatch(i * BATCH_ROWS, (i + 1) * BATCH_ROWS, i));
    } catch (error) {
      return { error, peak, puts: i };
    }
    peak = Math.max(peak, w.unflushedBytes);
  }
  throw new Error('no put failed');
}

describe('backpressure with a stalled store', () => {
  it('a failing store makes put fail with BackpressureError after the grace, memory bounded', async () => {
    const { store, clock, writer: w, firstFlushFailure } = await openWriter();
    const rule = store.inject({ ops: 'putIfAbsent', key: '/gen-' });
    graceRunsOutAfter(clock, firstFlushFailure); // the error then has a flush error to carry
    const { error, peak } = await putUntilFailure(w);
    expect(isFreshtierError(error, 'BACKPRESSURE')).toBe(true);
    expect(error).toMatchObject({ context: { limit: LIMIT, waitedMs: GRACE } });
    expect((error as Error).cause).toMatchObject({ code: 'STORE_FAILURE' });
    expect(peak).toBeLessThanOrEqual(LIMIT + SLACK);
    expect(w.unflushedBytes).toBeLessThanOrEqual(LIMIT + SLACK);

    rule.remove();
    clock.onSleep = stallDetector(() => w); // time stands still: the next put resolves only through a flush
    await w.put(rangeBatch(10_000_000, 10_000_010)); // waits for the retried flush, then goes through
    await w.close();
  });

  it('a hanging store: BackpressureError, and writes resume when it recovers', async () => {
    const { store, clock, writer: w } = await openWriter();
    let release!: () => void;
    store.inject({ ops: 'putIfAbsent', key: '/gen-', mode: 'delay', until: new Promise<void>((r) => (release = r)) });
    graceRunsOutAfter(clock, Promise.resolve()); // nothing will move: every wait runs out
    const { error, peak } = await putUntilFailure(w);
    expect(isFreshtierError(error, 'BACKPRESSURE')).toBe(true);
    expect(peak).toBeLessThanOrEqual(LIMIT + SLACK);
    clock.onSleep = stallDetector(() => w);
    release();
    store.clear();
    for (let i = 0; i < 5; i++) await w.put(rangeBatch(20_000_000 + i * 10, 20_000_000 + i * 10 + 10));
    await w.close();
  });

  it('a slow but moving store only slows puts down: each committed flush restarts the grace period', async () => {
    const { store, clock, writer: w } = await openWriter();
    const flushes = () => w.manifest.doc.flushed.length;
    const first = holdCall(store, 'putIfAbsent', /\/data\.parquet$/);
    await w.put(rangeBatch(0, BATCH_ROWS)); // ~35 KB
    w.freeze(); // generation 1: its flush round starts and its data file is held
    await first.reached;
    await w.put(rangeBatch(BATCH_ROWS, 16 * BATCH_ROWS)); // ~0.5 MB, accepted alone: 35 KB held before it
    w.freeze(); // generation 2, frozen during round 1: it waits for round 2
    let outcome: unknown = 'waiting';
    const put = w.put(rangeBatch(-1, 0)).then(() => void (outcome = 'admitted'), (e: unknown) => void (outcome = e)); // over the limit: waits
    await until(() => clock.sleeping > 0);

    clock.advance(GRACE * 0.6); // round 1 is slow...
    const second = holdCall(store, 'putIfAbsent', /\/data\.parquet$/);
    first.release(); // ...and commits generation 1: progress, still over the limit
    await second.reached; // round 2 writes generation 2, slowly
    expect(flushes()).toBe(1);
    clock.advance(GRACE * 0.6); // 1.2 grace periods since the put started waiting, 0.6 since progress
    await new Promise((r) => setImmediate(r)); // a put whose grace ran out has failed by now
    expect(outcome).toBe('waiting');
    second.release();
    await put; // generation 2 committed: within the limit
    expect(outcome).toBe('admitted');
    expect(flushes()).toBe(2);
    expect(clock.now()).toBeGreaterThan(GRACE);
    await w.close();
  });
});
