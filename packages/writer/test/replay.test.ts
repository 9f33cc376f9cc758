import { MemoryStore, encodeWalEntry, layout, type WalRecord } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { replayWal } from '../src/shard/replay.js';
import { keysBatch, makeTable, rangeBatch } from './support/fixtures.js';

async function walWith(entries: readonly { epoch: number; kind?: 'data' | 'fence'; records?: readonly WalRecord[] }[]) {
  const store = new MemoryStore();
  const table = await makeTable(store);
  for (const [i, e] of entries.entries()) {
    await store.putIfAbsent(layout.walEntry(0, i, '.ftw'), encodeWalEntry({ kind: e.kind ?? 'data', shard: 0, epoch: e.epoch, records: [...(e.records ?? [])] }));
  }
  return { store, table };
}

const put = (generation: number, batchIndex: number, lo: number): WalRecord => ({ generation, batchIndex, op: 'put', batch: rangeBatch(lo, lo + 2) });

describe('replayWal', () => {
  it('rebuilds each generation with its original coordinates and WAL range, skipping fences and durable generations', async () => {
    const { store, table } = await walWith([
      { epoch: 1, records: [put(2, 0, 0)] },
      { epoch: 1, records: [put(2, 1, 2), put(3, 0, 4)] },
      { epoch: 2, kind: 'fence' },
      { epoch: 2, records: [put(3, 1, 6), { generation: 3, batchIndex: 2, op: 'delete', batch: keysBatch([4]) }] },
      { epoch: 2, records: [put(5, 0, 8)] },
    ]);
    const progress: number[] = [];
    const r = await replayWal({ store, table, shard: 0, epoch: 3, after: -1, isDurable: (g) => g === 5, onProgress: (d) => progress.push(d) });
    expect(r.slots.map((s) => [s.generation, s.memtable.batchCount, s.walFirst, s.walLast, s.state])).toEqual([[2, 2, 0, 1, 'frozen'], [3, 3, 1, 3, 'frozen']]);
    expect(r.slots[1].memtable.batch(2).op).toBe('delete');
    expect([r.highestGeneration, r.entries, r.recordsApplied, r.recordsSkipped]).toEqual([5, 5, 5, 1]);
    expect(progress.at(-1)).toBe(5);
  });

  it('starts after replayAfter', async () => {
    const { store, table } = await walWith([{ epoch: 1, records: [put(1, 0, 0)] }, { epoch: 1, records: [put(2, 0, 0)] }]);
    const r = await replayWal({ store, table, shard: 0, epoch: 2, after: 0, isDurable: () => false });
    expect(r.slots.map((s) => s.generation)).toEqual([2]);
  });

  it('refuses a newer epoch, a gap and a duplicate', async () => {
    const cases = [
      [[{ epoch: 9, kind: 'fence' as const }], 'SHARD_FENCED'],
      [[{ epoch: 1, records: [put(1, 1, 0)] }], 'CORRUPT_ENTRY'],
      [[{ epoch: 1, records: [put(1, 0, 0)] }, { epoch: 1, records: [put(1, 0, 0)] }], 'CORRUPT_ENTRY'],
    ] as const;
    for (const [entries, code] of cases) {
      const { store, table } = await walWith([...entries]);
      await expect(replayWal({ store, table, shard: 0, epoch: 2, after: -1, isDurable: () => false })).rejects.toMatchObject({ code });
    }
  });
});
