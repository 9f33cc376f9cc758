/**
 * Regression (found by reliability/test/faults.test.ts-style fault plans): a
 * short or garbled READ of a healthy final WAL entry during open was taken for
 * damage at rest — the entry was moved aside and its acked rows lost. A bad read is
 * not damage: replay reads a failing entry a second time before it stops the open,
 * and the open never moves anything aside (issue 12: only `repair` does, and it too
 * re-reads first, repair-wal.ts `damagedAtRest`).
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal, repair } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

async function crashedWithThreeEntries() {
  const store = new FaultyStore(new MemoryStore());
  const table = await makeTable(store);
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  for (let i = 0; i < 3; i++) await w.put(rangeBatch(i * 10, i * 10 + 10));
  return { store, table }; // w is abandoned, as after a crash
}

describe('a bad read of the WAL tail at open', () => {
  it.each([['short', { mode: 'truncate' as const, keep: 0.5 }], ['empty', { mode: 'truncate' as const, keep: 0 }]])('(%s read) loses nothing and moves nothing', async (_what, fault) => {
    const { store, table } = await crashedWithThreeEntries();
    const tail = (await listWal(store, 0, -1, '.ftw')).at(-1)!;
    const tailBytes = await store.get(tail.key);
    store.inject({ ops: 'get', key: tail.key, first: 1, ...fault });
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    expect(await store.inner.get(tail.key)).toEqual(tailBytes);
    expect(await store.inner.list('shards/0/wal-quarantine/')).toEqual([]);
    expect((await readShard(table, 0, w)).rows.size).toBe(30);
  });

  it('(a bad read during repair) plans nothing for an entry that reads back intact', async () => {
    const { store, table } = await crashedWithThreeEntries();
    const tail = (await listWal(store, 0, -1, '.ftw')).at(-1)!;
    store.inject({ ops: 'get', key: tail.key, first: 1, mode: 'truncate', keep: 0.5 });
    const report = await repair(table, { apply: true });
    expect(report.actions.filter((a) => a.applied)).toEqual([]);
    expect(await store.inner.list('shards/0/wal-quarantine/')).toEqual([]);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    expect((await readShard(table, 0, w)).rows.size).toBe(30);
  });
});
