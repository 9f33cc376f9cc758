import { MemoryStore, decodeWalEntry, encodeWalEntry, isFreshtierError, layout } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { listWal, readWalEntry } from '../src/index.js';
import { WalAppender, writeFence } from '../src/shard/wal.js';
import { FaultyStore } from './support/faulty-store.js';
import { rangeBatch } from './support/fixtures.js';

const record = (generation = 1, batchIndex = 0) => ({ generation, batchIndex, op: 'put' as const, batch: rangeBatch(0, 3) });
const entry = (epoch: number, kind: 'data' | 'fence' = 'data') => encodeWalEntry({ kind, shard: 0, epoch, records: kind === 'data' ? [record()] : [] });

describe('WAL', () => {
  it('appends after the fence at consecutive positions, with epoch and coordinates', async () => {
    const store = new MemoryStore();
    const wal = new WalAppender({ store, walSuffix: '.ftw' }, 0, 4, 9);
    expect(await wal.append([record(3, 0), record(3, 1)])).toBe(10);
    expect(await wal.append([record(3, 2)])).toBe(11);
    expect(wal.lastWritten).toBe(11);
    const e = await readWalEntry(store, 0, 10, '.ftw');
    expect(e).toMatchObject({ kind: 'data', shard: 0, epoch: 4 });
    expect(e.records.map((r) => [r.generation, r.batchIndex, r.op])).toEqual([[3, 0, 'put'], [3, 1, 'put']]);
    expect((await listWal(store, 0, 10, '.ftw')).map((l) => l.position)).toEqual([11]);
  });

  it('steps over an older epoch entry and stops at a newer one with ShardFencedError', async () => {
    const store = new MemoryStore();
    await store.putIfAbsent(layout.walEntry(0, 1, '.ftw'), entry(2));
    await store.putIfAbsent(layout.walEntry(0, 2, '.ftw'), entry(5, 'fence'));
    const wal = new WalAppender({ store, walSuffix: '.ftw' }, 0, 3, 0);
    const err = await wal.append([record()]).catch((e: unknown) => e);
    expect(isFreshtierError(err, 'SHARD_FENCED')).toBe(true);
    expect((err as { context: unknown }).context).toMatchObject({ epoch: 3, newerEpoch: 5 });
  });

  it('poisons on an unknown outcome and on a position holding its own epoch', async () => {
    const store = new FaultyStore(new MemoryStore());
    store.inject({ ops: 'putIfAbsent', mode: 'lost-ack', first: 1 });
    await expect(new WalAppender({ store, walSuffix: '.ftw' }, 0, 3, 0).append([record()])).rejects.toMatchObject({ code: 'WRITER_POISONED' });
    const other = new MemoryStore();
    await other.putIfAbsent(layout.walEntry(0, 1, '.ftw'), entry(3));
    await expect(new WalAppender({ store: other, walSuffix: '.ftw' }, 0, 3, 0).append([record()])).rejects.toMatchObject({ code: 'WRITER_POISONED' });
  });

  it('writes the fence ahead of the tip, fills the positions it skipped, and refuses to pass a newer writer', async () => {
    const store = new MemoryStore();
    await store.putIfAbsent(layout.walEntry(0, 5, '.ftw'), entry(1));
    const fence = await writeFence({ store, walSuffix: '.ftw' }, 0, 2, 5);
    expect(fence).toBeGreaterThan(5);
    expect(decodeWalEntry(await store.get(layout.walEntry(0, fence, '.ftw')), 'x')).toMatchObject({ kind: 'fence', epoch: 2 });
    expect(decodeWalEntry(await store.get(layout.walEntry(0, 5, '.ftw')), 'x')).toMatchObject({ kind: 'data', epoch: 1 }); // kept
    for (let p = 6; p < fence; p++) expect(decodeWalEntry(await store.get(layout.walEntry(0, p, '.ftw')), 'x')).toMatchObject({ kind: 'fence', epoch: 2 });
    await expect(writeFence({ store, walSuffix: '.ftw' }, 0, 1, 6)).rejects.toMatchObject({ code: 'SHARD_FENCED' });
  });

  it('jumps farther while an older writer is past the fence position', async () => {
    const store = new MemoryStore();
    for (let p = 0; p < 40; p++) await store.putIfAbsent(layout.walEntry(0, p, '.ftw'), entry(1)); // a busy writer already got here
    const fence = await writeFence({ store, walSuffix: '.ftw' }, 0, 2, 0);
    expect(fence).toBeGreaterThanOrEqual(40);
    expect((await listWal(store, 0, -1, '.ftw')).map((l) => l.position)).toEqual(Array.from({ length: fence + 1 }, (_, p) => p)); // no hole below the fence
  });
});
