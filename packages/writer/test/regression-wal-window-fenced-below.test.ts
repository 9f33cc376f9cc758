/**
 * Regression (review of the pipelined WAL, issue 16): with two entries in flight, A at p
 * landed but its reply was late, and B at p+1 met the new writer's fence. The appender
 * broke on B and rejected A too ("writes not acked were not applied"), although A lies
 * below the fence and the new writer replays it: a retry would write its rows twice.
 * A failure now breaks the appender only for the positions above it.
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';
import { ReorderStore, turns } from './support/reorder-store.js';

const outcome = (p: Promise<unknown>) => p.then(() => 'acked', (e: { code?: string }) => e.code);

describe('pipelined WAL: a failure above an entry that landed', () => {
  it('acks the entry below the fence that failed its neighbour, and the new writer holds exactly its rows', async () => {
    const store = new ReorderStore(new MemoryStore());
    const table = await makeTable(store);
    const old = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false, walWindow: 2 });
    store.parking = true;
    const a = outcome(old.put(rangeBatch(0, 10)));
    await store.parkedAtLeast(1);
    const b = outcome(old.put(rangeBatch(10, 20)));
    await store.parkedAtLeast(2);
    const [entryA, entryB] = store.parked;
    await entryA.execute(); // A exists, its reply is late
    store.parking = false;
    const next = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false }); // lists A, fences B's position
    await store.land(entryB); // B finds the fence: SHARD_FENCED
    await store.land(entryA); // then A's reply arrives
    expect([await a, await b]).toEqual(['acked', 'SHARD_FENCED']);
    const visible = [...(await readShard(table, 0, next)).rows.keys()].map(Number).sort((x, y) => x - y);
    expect(visible).toEqual([...Array(10).keys()]);
    await turns();
    await next.close();
  });
});
