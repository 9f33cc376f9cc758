/**
 * `walWindow` (issue 16): WAL entries written at once; validated with the other writer
 * options before anything is claimed, bounded by `WAL_WINDOW_MAX` (the size of the fence
 * block every open reserves, wal.ts), and the fence block is filled.
 */
import { MemoryStore, decodeWalEntry } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal } from '../src/index.js';
import { parseWriterOptions } from '../src/shard/options.js';
import { WAL_WINDOW_MAX } from '../src/shard/wal.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

describe('walWindow option', () => {
  it.each([0, -1, 1.5, WAL_WINDOW_MAX + 1, '4'])('refuses %s with InvalidOptionsError naming walWindow, before claiming an epoch', async (walWindow) => {
    const table = await makeTable(new MemoryStore());
    const before = (await table.shardManifests(0).latest()).doc.epoch;
    await expect(ShardWriter.open(table, { shard: 0, walWindow } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('walWindow') as unknown as string });
    expect((await table.shardManifests(0).latest()).doc.epoch).toBe(before);
  });

  it.each([[undefined, 4], [1, 1], [WAL_WINDOW_MAX, WAL_WINDOW_MAX]])('walWindow %s resolves to %s', async (walWindow, expected) => {
    const table = await makeTable(new MemoryStore());
    expect(parseWriterOptions(table, { shard: 0, ...(walWindow === undefined ? {} : { walWindow }) }).walWindow).toBe(expected);
  });

  it('an open fills the fence block: its first entry lands above WAL_WINDOW_MAX - 1 fence entries of its epoch', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await writer.put(rangeBatch(0, 10));
    const listed = await listWal(store, 0, -1, table.walSuffix);
    const kinds = await Promise.all(listed.map(async (l) => decodeWalEntry(await store.get(l.key), l.key)));
    const firstData = kinds.findIndex((e) => e.kind === 'data');
    expect(listed.map((l) => l.position)).toEqual(listed.map((_, i) => i)); // no hole
    expect(kinds.slice(0, firstData).every((e) => e.kind === 'fence' && e.epoch === 1)).toBe(true);
    expect(firstData).toBeGreaterThanOrEqual(WAL_WINDOW_MAX); // the fence itself plus the block below the first entry
    await writer.close();
  });
});
