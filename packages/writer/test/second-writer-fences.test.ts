/**
 * Story: a second writer fences the first (DESIGN.md invariant 8). The first
 * writer's next put fails with `ShardFencedError` and is never acked; nothing
 * it wrote after the fence is visible; nothing it acked before is lost. An open
 * with invalid options fences nobody.
 */
import { MemoryStore, isFreshtierError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, type WriterEvent } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

describe('a second writer fences the first', () => {
  it('the first writer fails with ShardFencedError and loses nothing it acked', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const events: WriterEvent[] = [];
    const w1 = await ShardWriter.open(table, { shard: 0, onEvent: (e) => events.push(e) });
    await w1.put(rangeBatch(0, 10, 1));
    const w2 = await ShardWriter.open(table, { shard: 0 });
    expect(w2.epoch).toBe(w1.epoch + 1);

    await expect(w1.put(rangeBatch(10, 20, 1))).rejects.toMatchObject({ code: 'SHARD_FENCED' });
    await expect(w1.put(rangeBatch(20, 30, 1))).rejects.toMatchObject({ code: 'SHARD_FENCED' });
    expect(() => w1.inMemoryMemtableRefs()).toThrow(/fenced/);
    expect(events.filter((e) => e.type === 'fenced')).toEqual([expect.objectContaining({ newerEpoch: w2.epoch })]);

    const seen = await readShard(table, 0, w2);
    expect([...seen.rows.keys()].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    await w2.put(rangeBatch(5, 6, 2));
    await w2.close();
    await expect(w1.close()).rejects.toMatchObject({ code: 'SHARD_FENCED' }); // it still held rows it cannot publish
    const after = await readShard(table, 0);
    expect(after.rows.size).toBe(10);
    expect(after.rows.get('5')?.v).toBe(2);
  });

  it('a fenced writer cannot commit a flush', async () => {
    const table = await makeTable(new MemoryStore());
    const w1 = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false });
    await w1.put(rangeBatch(0, 5));
    const w2 = await ShardWriter.open(table, { shard: 0 });
    await expect(w1.flush()).rejects.toMatchObject({ code: 'SHARD_FENCED' });
    expect((await table.shardManifests(0).latest()).doc.flushed).toEqual([]);
    await w2.close();
  });

  it('puts racing the open are either acked and kept, or fenced and invisible', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    // a short delay on WAL writes only widens the window in which puts are in flight during the
    // open; every assertion below holds whatever the timing
    store.inject({ ops: 'putIfAbsent', key: '/wal/', mode: 'delay', delayMs: 2 });
    const w1 = await ShardWriter.open(table, { shard: 0 });
    const acked: number[] = [];
    const fenced: number[] = [];
    let someAcked!: () => void;
    const threeAcked = new Promise<void>((r) => (someAcked = r));
    // each producer puts until it is fenced: the second open fences the first writer for certain
    const producer = async (p: number) => {
      for (let i = 0; i < 1_000_000; i++) {
        const id = p * 1_000_000 + i;
        try {
          await w1.put(rangeBatch(id, id + 1));
          if (acked.push(id) === 3) someAcked();
        } catch (e) {
          if (!isFreshtierError(e, 'SHARD_FENCED')) throw e;
          fenced.push(id);
          return;
        }
      }
      throw new Error(`producer ${p} was never fenced`);
    };
    const producers = [0, 1, 2].map(producer);
    await threeAcked; // puts are acked, and more are in flight, when the second writer opens
    const w2 = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await Promise.all(producers);
    expect(acked.length).toBeGreaterThanOrEqual(3);
    expect(fenced).toHaveLength(3);
    const rows = (await readShard(table, 0, w2)).rows;
    for (const id of acked) expect(rows.has(String(id)), `acked ${id}`).toBe(true);
    for (const id of fenced) expect(rows.has(String(id)), `fenced ${id}`).toBe(false);
  });

  it('an open with invalid options does not fence the current writer', async () => {
    const table = await makeTable(new MemoryStore());
    const w1 = await ShardWriter.open(table, { shard: 0 });
    const epoch = (await table.shardManifests(0).latest()).doc.epoch;
    await expect(ShardWriter.open(table, { shard: 0, maxMemtableRows: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(ShardWriter.open(table, { shard: 3 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(ShardWriter.open(table, { shard: 0, durability: 'eventually' } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    expect((await table.shardManifests(0).latest()).doc.epoch).toBe(epoch);
    await w1.put(rangeBatch(0, 3));
    await w1.close();
    expect((await readShard(table, 0)).rows.size).toBe(3);
  });
});
