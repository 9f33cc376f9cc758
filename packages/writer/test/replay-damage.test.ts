/**
 * Story: replay of a damaged or contested WAL. A damaged entry anywhere — the final
 * one too: stores create entries whole, so a failed checksum is damage at rest —
 * aborts the open with `CorruptEntryError` naming what it held and the repair
 * command (acked data is never skipped silently, nothing is moved aside); an entry of a newer epoch aborts it with `ShardFencedError`;
 * a gap or duplicate in a generation's batch indexes is corruption.
 */
import { MemoryStore, decodeWalEntry, encodeWalEntry, isFreshtierError, layout, type Table } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal, readWalEntry, type WriterEvent } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

/** A table whose shard 0 WAL holds three data entries (ids 0..29) from a writer that then "crashed". */
async function crashedWithThreeEntries(): Promise<{ store: MemoryStore; table: Table; epoch: number; generation: number }> {
  const store = new MemoryStore();
  const table = await makeTable(store);
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  for (let i = 0; i < 3; i++) await w.put(rangeBatch(i * 10, i * 10 + 10));
  return { store, table, epoch: w.epoch, generation: w.activeGeneration };
}

async function ids(table: Table, writer: ShardWriter): Promise<number[]> {
  return [...(await readShard(table, 0, writer)).rows.keys()].map(Number).sort((a, b) => a - b);
}

describe('replay of a damaged WAL', () => {
  it('stops the open on a damaged final entry, names what it held, and changes nothing', async () => {
    const { store, table, generation } = await crashedWithThreeEntries();
    const tail = (await listWal(store, 0, -1, '.ftw')).at(-1)!;
    const damaged = (await store.get(tail.key)).slice(0, tail.size - 9);
    await store.put(tail.key, damaged);
    const err = await ShardWriter.open(table, { shard: 0, autoFlush: false }).catch((e: unknown) => e);
    expect(isFreshtierError(err, 'CORRUPT_ENTRY'), String(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(tail.key);
    expect(message).toContain(`generation ${generation} batch 2 (put)`); // from its (unverified) header
    expect(message).toContain(`the last intact batch before it is generation ${generation} batch 1`);
    expect(message).toContain(`freshtier repair ${store.uri} --shard 0`);
    expect(await store.get(tail.key)).toEqual(damaged); // nothing moved aside
    expect((await store.list('shards/0/wal-quarantine/')).length).toBe(0);
  });

  it('aborts the open on a corrupt entry in the middle, every time', async () => {
    const { store, table } = await crashedWithThreeEntries();
    const middle = (await listWal(store, 0, -1, '.ftw')).at(-2)!;
    const bytes = await store.get(middle.key);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await store.put(middle.key, bytes);
    for (let attempt = 0; attempt < 2; attempt++) {
      const err = await ShardWriter.open(table, { shard: 0 }).catch((e: unknown) => e);
      expect(isFreshtierError(err, 'CORRUPT_ENTRY'), String(err)).toBe(true);
      expect((err as { context: { path: string } }).context.path).toBe(middle.key);
    }
  });

  it('aborts the open with ShardFencedError on an entry of a newer epoch', async () => {
    const { store, table, generation } = await crashedWithThreeEntries();
    const tip = (await listWal(store, 0, -1, '.ftw')).at(-1)!.position;
    const newer = encodeWalEntry({ kind: 'data', shard: 0, epoch: 99, records: [{ generation, batchIndex: 3, op: 'put', batch: rangeBatch(90, 91) }] });
    await store.putIfAbsent(layout.walEntry(0, tip + 1, '.ftw'), newer);
    await expect(ShardWriter.open(table, { shard: 0 })).rejects.toMatchObject({ code: 'SHARD_FENCED', context: { newerEpoch: 99 } });
  });

  it.each([['gap', 5], ['duplicate', 1]])('treats a batch-index %s within a generation as corruption', async (_what, batchIndex) => {
    const { store, table, epoch, generation } = await crashedWithThreeEntries();
    const tip = (await listWal(store, 0, -1, '.ftw')).at(-1)!.position;
    const bad = encodeWalEntry({ kind: 'data', shard: 0, epoch, records: [{ generation, batchIndex, op: 'put', batch: rangeBatch(90, 91) }] });
    await store.putIfAbsent(layout.walEntry(0, tip + 1, '.ftw'), bad);
    await store.putIfAbsent(layout.walEntry(0, tip + 2, '.ftw'), encodeWalEntry({ kind: 'fence', shard: 0, epoch, records: [] })); // so it is not the tail
    await expect(ShardWriter.open(table, { shard: 0 })).rejects.toMatchObject({ code: 'CORRUPT_ENTRY' });
  });

  it('keeps original generations and batch indexes, skips committed ones, reports progress', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const w1 = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w1.put(rangeBatch(0, 5));
    await w1.flush(); // commits the first generation
    await w1.put(rangeBatch(5, 10));
    await w1.put(rangeBatch(10, 15));
    const g = w1.freeze()!;
    await w1.put(rangeBatch(15, 20));
    const events: WriterEvent[] = [];
    const w2 = await ShardWriter.open(table, { shard: 0, autoFlush: false, onEvent: (e) => events.push(e) });
    expect(w2.inMemoryMemtableRefs().refs.map((r) => [r.memtable.generation, r.batchCount])).toEqual([[g, 2], [g + 1, 1], [g + 2, 0]]);
    expect(w2.activeGeneration).toBe(g + 2);
    const progress = events.filter((e) => e.type === 'replay-progress');
    expect(progress.at(-1)).toMatchObject({ entriesDone: progress.at(-1)!.entriesTotal });
    expect(events.filter((e) => e.type === 'freeze').map((e) => (e as { reason: string }).reason)).toEqual(['replay', 'replay']);
    expect(await ids(table, w2)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const e of await listWal(store, 0, w2.manifest.doc.replayAfter, '.ftw')) {
      const entry = decodeWalEntry(await store.get(e.key), e.key);
      expect(entry.records.every((r) => r.generation >= g)).toBe(true); // the flushed generation was never replayed
    }
  });
});
