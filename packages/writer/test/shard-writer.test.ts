import { LocalStore, MemoryStore, Table as FtTable, isFreshtierError, type Table } from '@freshtier/core';
import { describe, expect, it, vi } from 'vitest';
import { ShardWriter, splitByShard, type WriterEvent } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { keysBatch, makeTable, rangeBatch, rowsBatch, tempDir } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

async function setup(opts: { appendOnly?: boolean } = {}): Promise<{ store: FaultyStore; table: Table }> {
  const store = new FaultyStore(new MemoryStore());
  return { store, table: await makeTable(store, opts) };
}

describe('ShardWriter basics', () => {
  it('upserts and deletes; the newest version wins and tombstones hide', async () => {
    const { table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rangeBatch(0, 10, 1));
    await w.put(rowsBatch([3, 4], 2));
    await w.delete(keysBatch([5]));
    const state = await readShard(table, 0, w);
    expect(state.rows.size).toBe(9);
    expect(state.rows.get('3')?.v).toBe(2);
    expect(state.rows.has('5')).toBe(false);
    await w.close();
    const after = await readShard(table, 0);
    expect([...after.rows.values()]).toEqual([...state.rows.values()].sort((a, b) => Number(a.id) - Number(b.id)));
  });

  it('accepts a full-schema batch for delete and keeps only the key columns', async () => {
    const { table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rangeBatch(0, 3));
    await w.delete(rowsBatch([1], 9));
    const { refs } = w.inMemoryMemtableRefs();
    const del = refs[refs.length - 1].memtable.batch(1);
    expect(del.op).toBe('delete');
    expect(del.batch.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect([...(await readShard(table, 0, w)).rows.keys()]).toEqual(['0', '2']);
  });

  it('appends on an append-only table and refuses delete', async () => {
    const { table } = await setup({ appendOnly: true });
    const w = await ShardWriter.open(table, { shard: 0 });
    await w.put(rowsBatch([1, 1, 2]));
    await expect(w.delete(keysBatch([1]))).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await w.close();
    expect((await readShard(table, 0)).all.map((r) => r.id)).toEqual(['1', '1', '2']);
  });

  it('rejects bad batches with typed errors and writes nothing', async () => {
    const { store, table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0 });
    const walWrites = () => store.count('putIfAbsent', '/wal/');
    const before = walWrites();
    await expect(w.put(keysBatch([1]))).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
    await expect(w.put({} as never)).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
    expect(walWrites()).toBe(before);
    expect(w.inMemoryMemtableRefs().refs.every((r) => r.batchCount === 0)).toBe(true);
  });

  it('freezes on rows, bytes and batches thresholds and reports it', async () => {
    const { table } = await setup();
    const events: WriterEvent[] = [];
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, maxMemtableRows: 25, maxMemtableBatches: 3, onEvent: (e) => events.push(e) });
    const g0 = w.activeGeneration;
    await w.put(rangeBatch(0, 30));
    expect(w.activeGeneration).toBe(g0 + 1);
    for (let i = 0; i < 3; i++) await w.put(rangeBatch(100 + i, 101 + i));
    expect(w.activeGeneration).toBe(g0 + 2);
    expect(events.filter((e) => e.type === 'freeze').map((e) => (e as { reason: string }).reason)).toEqual(['rows', 'batches']);
    expect(w.status().frozenGenerations).toEqual([g0, g0 + 1]);
  });

  it('refs list frozen then active, ascending, captured with batch counts', async () => {
    const { table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rangeBatch(0, 5));
    const frozen = w.freeze()!;
    await w.put(rangeBatch(5, 6));
    const refs = w.inMemoryMemtableRefs();
    expect(refs.epoch).toBe(w.epoch);
    expect(refs.refs.map((r) => [r.memtable.generation, r.batchCount])).toEqual([[frozen, 1], [frozen + 1, 1]]);
    await w.put(rangeBatch(6, 7));
    expect(refs.refs[1].batchCount).toBe(1); // a captured ref does not grow
  });

  it('throws WriterClosedError after close, and close is idempotent', async () => {
    const { table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0 });
    await w.put(rangeBatch(0, 2));
    await w.close();
    await w.close();
    await expect(w.put(rangeBatch(2, 3))).rejects.toMatchObject({ code: 'WRITER_CLOSED' });
    expect(() => w.freeze()).toThrow(/closed/);
    expect((await readShard(table, 0)).rows.size).toBe(2);
  });

  it('close reports a flush failure instead of swallowing it', async () => {
    const { store, table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0, flushRetry: { maxAttempts: 2, initialDelayMs: 1 } });
    await w.put(rangeBatch(0, 2));
    const rule = store.inject({ ops: 'putIfAbsent', key: '/gen-' });
    await expect(w.close()).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    await expect(w.put(rangeBatch(2, 3))).rejects.toMatchObject({ code: 'WRITER_CLOSED' });
    rule.remove();
    await w.close(); // a retry succeeds
    expect((await readShard(table, 0)).rows.size).toBe(2);
  });

  it('async mode acks at once and writes the WAL when the interval ends (on fake timers)', async () => {
    const { store, table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0, durability: 'async', walFlushIntervalMs: 20 });
    const before = store.count('putIfAbsent', '/wal/');
    let walWrites = 0;
    store.beforeOp = (op, key) => void (op === 'putIfAbsent' && key.includes('/wal/') && walWrites++);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // the interval is a setTimeout
    try {
      await Promise.all([w.put(rangeBatch(0, 2)), w.put(rangeBatch(2, 4))]);
      expect((await readShard(table, 0, w)).rows.size).toBe(4);
      await vi.advanceTimersByTimeAsync(19);
      expect(walWrites).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(walWrites).toBe(1); // one entry for both puts, started when the interval ended
    } finally {
      vi.useRealTimers();
    }
    await w.close();
    expect(store.count('putIfAbsent', '/wal/')).toBe(before + 1);
  });

  it('none mode writes no WAL entry', async () => {
    const { store, table } = await setup();
    const w = await ShardWriter.open(table, { shard: 0, durability: 'none' });
    const before = store.count('putIfAbsent', '/wal/');
    await w.put(rangeBatch(0, 3));
    await w.close();
    expect(store.count('putIfAbsent', '/wal/')).toBe(before);
    expect((await readShard(table, 0)).rows.size).toBe(3);
  });

  it('poisons itself when a WAL write has an unknown outcome; reopening recovers what landed', async () => {
    const { store, table } = await setup();
    const events: WriterEvent[] = [];
    const w = await ShardWriter.open(table, { shard: 0, onEvent: (e) => events.push(e) });
    await w.put(rangeBatch(0, 2));
    const rule = store.inject({ ops: 'putIfAbsent', key: '/wal/', mode: 'lost-ack', first: 1 });
    const err = await w.put(rangeBatch(2, 4)).catch((e: unknown) => e);
    expect(isFreshtierError(err, 'WRITER_POISONED')).toBe(true);
    await expect(w.put(rangeBatch(4, 5))).rejects.toMatchObject({ code: 'WRITER_POISONED' });
    expect(() => w.inMemoryMemtableRefs()).toThrow(/stopped/);
    expect(events.some((e) => e.type === 'poisoned')).toBe(true);
    rule.remove();
    const again = await ShardWriter.open(table, { shard: 0 });
    // the lost-ack entry did land, so the un-acked rows 2..3 are recovered too
    expect([...(await readShard(table, 0, again)).rows.keys()]).toEqual(['0', '1', '2', '3']);
    await again.close();
  });

  it('flush commits generations in ascending order and advances replayAfter', async () => {
    const { table } = await setup();
    const committed: number[][] = [];
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, onEvent: (e) => e.type === 'flush-committed' && committed.push(e.generations) });
    await w.put(rangeBatch(0, 2));
    const g1 = w.freeze()!;
    await w.put(rangeBatch(2, 4));
    await w.flush();
    expect(committed).toEqual([[g1, g1 + 1]]);
    const doc = w.manifest.doc;
    expect(doc.flushed.map((f) => f.generation)).toEqual([g1, g1 + 1]);
    expect(doc.replayAfter).toBe(w.status().walLoggedThrough);
    expect(doc.nextGeneration).toBe(w.activeGeneration + 1);
    expect(w.unflushedBytes).toBe(w.inMemoryMemtableRefs().refs[0].memtable.heldBytes);
    expect(w.status().frozenGenerations).toEqual([]); // flush() resolved: both left memory
  });

  it('works on a LocalStore across close and reopen', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeTable(new LocalStore(dir));
      const w = await ShardWriter.open(await FtTable.open(new LocalStore(dir)), { shard: 0, maxMemtableRows: 20 });
      for (let i = 0; i < 5; i++) await w.put(rangeBatch(i * 10, i * 10 + 15, i));
      await w.delete(keysBatch([0, 1]));
      await w.close();
      const table = await FtTable.open(new LocalStore(dir));
      const again = await ShardWriter.open(table, { shard: 0 });
      const state = await readShard(table, 0, again);
      expect(state.rows.size).toBe(53);
      expect(state.rows.get('12')?.v).toBe(1);
      await again.close();
    } finally {
      await cleanup();
    }
  });

  it('one writer per shard: rows routed with splitByShard land in their shard only', async () => {
    const table = await makeTable(new MemoryStore(), { shards: 2 });
    const writers = await Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard })));
    for (const [shard, part] of splitByShard(table, rangeBatch(0, 50))) await writers[shard].put(part);
    await expect(writers[0].put(rangeBatch(0, 50))).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await Promise.all(writers.map((w) => w.close()));
    const sizes = await Promise.all([0, 1].map(async (s) => (await readShard(table, s)).rows.size));
    expect(sizes[0] + sizes[1]).toBe(50);
    expect(sizes.every((n) => n > 0)).toBe(true);
  });
});
