import { MemoryStore, decodeKeyIndex, initialShardManifest, readParquetFile, type FlushedGeneration } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { preparePut, prepareDelete } from '../src/shard/batches.js';
import { mergeFlushed, withFlushed } from '../src/flush/commit.js';
import { writeGenerationFiles } from '../src/flush/write-files.js';
import { MemtableSlot } from '../src/shard/memtable-slot.js';
import { FaultyStore } from './support/faulty-store.js';
import { keysBatch, makeTable, rowsBatch } from './support/fixtures.js';

async function frozenSlot(table: Awaited<ReturnType<typeof makeTable>>) {
  const slot = MemtableSlot.active(0, 4, !table.appendOnly);
  for (const p of [preparePut(table, 0, rowsBatch([3, 1, 2], 1)), preparePut(table, 0, rowsBatch([2], 2))]) slot.apply(p, slot.reserve(p), 10);
  if (!table.appendOnly) {
    const d = prepareDelete(table, 0, keysBatch([1]));
    slot.apply(d, slot.reserve(d), 11);
  }
  slot.seal();
  return slot;
}

describe('writeGenerationFiles', () => {
  it('writes a sorted, deduplicated data file and its key index, and describes them', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const slot = await frozenSlot(table);
    const g = await writeGenerationFiles({ store, table, shard: 0, epoch: 1, rowGroupSize: 1_000, compression: 'zstd' }, slot);
    expect(g).toMatchObject({ generation: 4, source: 'flush', walLast: 11, batchRowOffsets: [0, 3, 4, 5] });
    expect(g.file).toMatchObject({ rows: 3, rowGroupSize: 1_000, keyIndexPath: g.file.path.replace('data.parquet', 'data.keys.ftk') });
    expect(g.file.path).toMatch(/^shards\/0\/gen-4-e1-[0-9a-f]{8}\/data\.parquet$/);
    const rows = readParquetFile(await store.get(g.file.path), g.file.path).toArray().map((r) => r.toJSON());
    expect(rows.map((r) => [Number(r.id), r.v, r._ft_batch, r._ft_tombstone])).toEqual([[1, null, 2, true], [2, 2, 1, false], [3, 1, 0, false]]);
    const index = decodeKeyIndex(await store.get(g.file.keyIndexPath!), 'k');
    expect(index.count).toBe(3);
    expect(slot.encoded).toBeUndefined();
  });

  it('keeps the encoding across a failed upload and writes a fresh directory on retry', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store, { appendOnly: true });
    const slot = await frozenSlot(table);
    const target = { store, table, shard: 0, epoch: 1, rowGroupSize: 10, compression: 'snappy' as const };
    const rule = store.inject({ ops: 'putIfAbsent', key: 'data.parquet', mode: 'lost-ack', first: 1 });
    await expect(writeGenerationFiles(target, slot)).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(slot.encoded).toBeDefined();
    const bytesWithEncoding = slot.unflushedBytes;
    rule.remove();
    const g = await writeGenerationFiles(target, slot);
    expect(g.file.keyIndexPath).toBeUndefined(); // append-only: no key index
    expect(slot.unflushedBytes).toBeLessThan(bytesWithEncoding);
    expect(store.count('putIfAbsent', 'data.parquet')).toBe(1);
    expect((await store.list('shards/0/')).filter((m) => m.key.endsWith('data.parquet'))).toHaveLength(2); // the orphan and the real one
  });
});

describe('mergeFlushed', () => {
  const gen = (generation: number): FlushedGeneration => ({ generation, file: { path: `p${generation}`, rows: 1, bytes: 1, rowGroupSize: 1 }, batchRowOffsets: [0, 1], walLast: -1, source: 'flush' });
  it('keeps the list ascending and refuses a generation twice', () => {
    expect(mergeFlushed([gen(1), gen(4)], [gen(2)]).map((g) => g.generation)).toEqual([1, 2, 4]);
    expect(() => mergeFlushed([gen(1)], [gen(1)])).toThrow(/already/);
  });
});

describe('withFlushed', () => {
  const gen = (generation: number): FlushedGeneration => ({ generation, file: { path: `p${generation}`, rows: 1, bytes: 1, rowGroupSize: 1 }, batchRowOffsets: [0, 1], walLast: -1, source: 'flush' });
  it('adds only what an earlier, unacknowledged attempt did not publish, and never moves replayAfter back', () => {
    const doc = { ...initialShardManifest(0), epoch: 2, flushed: [gen(1)], replayAfter: 30, nextGeneration: 3 };
    const next = withFlushed(doc, { files: [gen(1), gen(2)], epoch: 2, nextGeneration: 4, replayAfter: 12 });
    expect(next.flushed.map((g) => g.generation)).toEqual([1, 2]);
    expect([next.replayAfter, next.nextGeneration, next.epoch]).toEqual([30, 4, 2]);
    expect(next.note).toBe('flush generation(s) 1, 2');
  });
});
