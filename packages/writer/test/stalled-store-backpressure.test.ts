/**
 * Story: backpressure. With a store that refuses or stalls generation writes,
 * `put` waits while unflushed bytes exceed `maxUnflushedBytes` and then fails
 * with `BackpressureError` (cause: the last flush error) within the grace
 * period, instead of growing memory without bound. A slow but moving store only
 * slows producers down. Healing the store lets writes continue.
 */
import { MemoryStore, isFreshtierError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

const LIMIT = 400_000;
const GRACE = 300;
const BATCH_ROWS = 1_000;
const MEMTABLE = 120_000;
// A put is admitted while memory <= LIMIT and then adds its batch (~35 KB with keys) plus index growth
// (the key index grows by doubling), and a freeze opens a memtable with an empty index (~40 KB):
// memory stays within LIMIT + about one memtable, however long the store stalls.
const SLACK = MEMTABLE + 3 * 35_000 + 40_000;

async function openWriter(store: FaultyStore) {
  const table = await makeTable(store);
  return ShardWriter.open(table, {
    shard: 0, maxMemtableBytes: MEMTABLE, maxUnflushedBytes: LIMIT, backpressureGraceMs: GRACE,
    flushRetry: { initialDelayMs: 5, maxDelayMs: 20 },
  });
}

/** Puts until a put fails; returns the error, how long the failing put took, and the peak unflushed bytes. */
async function putUntilFailure(w: ShardWriter, maxPuts = 500) {
  let peak = 0;
  for (let i = 0; i < maxPuts; i++) {
    const started = Date.now();
    try {
      await w.put(rangeBatch(i * BATCH_ROWS, (i + 1) * BATCH_ROWS, i));
    } catch (error) {
      return { error, tookMs: Date.now() - started, peak, puts: i };
    }
    peak = Math.max(peak, w.unflushedBytes);
  }
  throw new Error('no put failed');
}

describe('backpressure with a stalled store', () => {
  it('a failing store makes put fail with BackpressureError within the grace, memory bounded', async () => {
    const store = new FaultyStore(new MemoryStore());
    const w = await openWriter(store);
    const rule = store.inject({ ops: 'putIfAbsent', key: '/gen-' });
    const { error, tookMs, peak } = await putUntilFailure(w);
    expect(isFreshtierError(error, 'BACKPRESSURE')).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: 'STORE_FAILURE' });
    expect(tookMs).toBeGreaterThanOrEqual(GRACE - 5);
    expect(tookMs).toBeLessThan(GRACE + 2_000);
    expect(peak).toBeLessThanOrEqual(LIMIT + SLACK);
    expect(w.unflushedBytes).toBeLessThanOrEqual(LIMIT + SLACK);

    rule.remove();
    await w.put(rangeBatch(10_000_000, 10_000_010)); // waits for the retried flush, then goes through
    await w.close();
  });

  it('a hanging store: BackpressureError, and writes resume when it recovers', async () => {
    const store = new FaultyStore(new MemoryStore());
    const w = await openWriter(store);
    let release!: () => void;
    store.inject({ ops: 'putIfAbsent', key: '/gen-', mode: 'delay', until: new Promise<void>((r) => (release = r)) });
    const { error, peak } = await putUntilFailure(w);
    expect(isFreshtierError(error, 'BACKPRESSURE')).toBe(true);
    expect(peak).toBeLessThanOrEqual(LIMIT + SLACK);
    release();
    store.clear();
    for (let i = 0; i < 5; i++) await w.put(rangeBatch(20_000_000 + i * 10, 20_000_000 + i * 10 + 10));
    await w.close();
  });

  it('a slow but moving store only slows puts down', async () => {
    const store = new FaultyStore(new MemoryStore());
    const w = await openWriter(store);
    store.inject({ ops: 'putIfAbsent', key: '/gen-', mode: 'delay', delayMs: 40 });
    let peak = 0;
    for (let i = 0; i < 40; i++) {
      await w.put(rangeBatch(i * BATCH_ROWS, (i + 1) * BATCH_ROWS));
      peak = Math.max(peak, w.unflushedBytes);
    }
    expect(peak).toBeLessThanOrEqual(LIMIT + SLACK);
    await w.close();
  });
});
