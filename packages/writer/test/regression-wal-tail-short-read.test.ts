/**
 * Regression (found by reliability/test/faults.test.ts-style fault plans): a
 * short or garbled READ of a healthy final WAL entry during open made
 * `quarantineTornTail` take it for damage at rest — it copied the bad bytes aside,
 * DELETED the real entry and filled its position with a fence, so the acked rows
 * in it were lost. A bad read is not a torn object: the tail may be quarantined only
 * when a second read returns the same bytes, of the size the listing reported.
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal, type WriterEvent } from '../src/index.js';
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
  it.each([['short', { mode: 'truncate' as const, keep: 0.5 }], ['empty', { mode: 'truncate' as const, keep: 0 }]])('(%s read) loses nothing and quarantines nothing', async (_what, fault) => {
    const { store, table } = await crashedWithThreeEntries();
    const tail = (await listWal(store, 0)).at(-1)!;
    const tailBytes = await store.get(tail.key);
    store.inject({ ops: 'get', key: tail.key, first: 1, ...fault });
    const events: WriterEvent[] = [];
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'wal-quarantined')).toEqual([]);
    expect(await store.inner.get(tail.key)).toEqual(tailBytes);
    expect((await readShard(table, 0, w)).rows.size).toBe(30);
  });

  it('still quarantines a tail that is damaged at rest', async () => {
    const { store, table } = await crashedWithThreeEntries();
    const tail = (await listWal(store, 0)).at(-1)!;
    await store.inner.put(tail.key, (await store.get(tail.key)).slice(0, tail.size - 5));
    const events: WriterEvent[] = [];
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'wal-quarantined')).toHaveLength(1);
    expect((await readShard(table, 0, w)).rows.size).toBe(20);
  });
});
