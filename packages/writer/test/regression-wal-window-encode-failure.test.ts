/**
 * Regression (review of the pipelined WAL, issue 16): a group whose entry failed to encode
 * (before any store write) took no position, so the next group took it and landed with
 * the failed group's batches missing: the shard then refused to open (a batch gap) until
 * `repair`, which reported never-acked rows as lost. An encode failure now takes its
 * position and breaks the appender at once: a hole the next open fills, and replay rule 5.
 */
import { describe, expect, it, vi } from 'vitest';

const ctl = vi.hoisted(() => ({ failNext: false }));
vi.mock('@freshtier/core', async (original) => {
  const real = await original<typeof import('@freshtier/core')>();
  return {
    ...real,
    encodeWalEntry: (e: Parameters<typeof real.encodeWalEntry>[0]) => {
      if (e.kind === 'data' && ctl.failNext) {
        ctl.failNext = false;
        throw new RangeError('Array buffer allocation failed');
      }
      return real.encodeWalEntry(e);
    },
  };
});

import { MemoryStore } from '@freshtier/core';
import { ShardWriter } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';
import { ReorderStore, turns } from './support/reorder-store.js';

const outcome = (p: Promise<unknown>) => p.then(() => 'acked', (e: { code?: string }) => e.code);

describe('pipelined WAL: an entry that fails before its store write', () => {
  it('stops the entries after it; the next open succeeds with exactly the acked rows', async () => {
    const store = new ReorderStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false, walWindow: 3 });
    store.parking = true;
    const a = outcome(w.put(rangeBatch(0, 10)));
    await store.parkedAtLeast(1);
    ctl.failNext = true;
    const b = outcome(w.put(rangeBatch(10, 20)));
    await turns();
    const c = outcome(w.put(rangeBatch(20, 30)));
    await turns();
    store.parking = false;
    for (const write of store.waiting) await store.land(write);
    expect([await a, await b, await c]).toEqual(['acked', 'WRITER_POISONED', 'WRITER_POISONED']); // the writer stops; neither was acked
    const next = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
    expect([...(await readShard(table, 0, next)).rows.keys()].map(Number).sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    await next.close();
  });
});
