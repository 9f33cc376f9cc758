/**
 * Regression (issue 16, found by the S3 chaos test): every open writes a fence and a fence
 * block (8 positions) and replays every entry after `replayAfter`. Opens that fail, or
 * writers that write nothing, never flush, so `replayAfter` never moved and each later open
 * read every fence before it, until, against a store failing some requests, opens failed
 * for reading them. An open whose replay reads many entries and finds no row to replay
 * now moves `replayAfter` to its fence block; an open with rows to replay never does.
 */
import { MemoryStore, listWal, type Table } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

/** Opens `n` writers one after another, each fencing the one before, none writing. */
async function openWithoutWriting(table: Table, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
}

async function pending(table: Table): Promise<number> {
  const { doc } = await table.shardManifests(0).latest();
  return (await listWal(table.store, 0, doc.replayAfter, table.walSuffix)).length;
}

describe('fences of opens that wrote nothing do not pile up', () => {
  it('an open that reads many entries and replays no row moves replayAfter past them', async () => {
    const table = await makeTable(new MemoryStore());
    await openWithoutWriting(table, 12); // about 16 fence entries each
    expect(await pending(table)).toBeLessThanOrEqual(2 * 64); // bounded, whatever the number of opens
    await openWithoutWriting(table, 12);
    expect(await pending(table)).toBeLessThanOrEqual(2 * 64);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
    await w.put(rangeBatch(0, 5));
    await w.close();
    expect([...(await readShard(table, 0)).rows.keys()].map(Number)).toEqual([0, 1, 2, 3, 4]);
  });

  it('acked rows in the WAL keep replayAfter below them through any number of opens', async () => {
    const table = await makeTable(new MemoryStore());
    const crashed = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
    await crashed.put(rangeBatch(0, 10)); // acked, never flushed: the writer "crashes"
    for (let i = 0; i < 20; i++) {
      const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
      expect([...(await readShard(table, 0, w)).rows.keys()].map(Number).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    }
    const last = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
    await last.close(); // flushes the replayed rows
    expect([...(await readShard(table, 0)).rows.keys()].map(Number).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
  });
});
