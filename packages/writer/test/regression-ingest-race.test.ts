/**
 * Story: bulk ingest takes effect at its commit (DESIGN.md invariant 9) — the
 * sequence-number race of the fjall ingestion API review, adapted.
 *
 * In fjall an ingest took its sequence number when it started, so a write of the
 * same key acked while the ingest was being prepared could be shadowed by (or
 * shadow) the ingest against the order in which they were committed. Here the
 * result must follow the ORDER OF COMMITS:
 * - an ingest prepared before a put + freeze + flush of the same key, and committed
 *   after them, wins over that put;
 * - a put acked after the ingest commit wins over the ingest — also a put issued
 *   while the ingest holds the writer's lock;
 * - both stay so after a crash and WAL replay (and after compaction);
 * - a snapshot pinned before the ingest commit never sees it.
 */
import { MemoryStore, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rowsBatch } from './support/fixtures.js';
import { holdCall } from './support/hold.js';

const KEY = 7;

async function valueOf(table: Table, writer: ShardWriter | undefined, id = KEY): Promise<number | null | undefined> {
  const rows = await new LsmScanner(table, { writers: writer ? [writer] : [] }).get([{ id: BigInt(id) }]);
  return rows.numRows === 0 ? undefined : (rows.toArray()[0].v as number | null);
}

async function setup() {
  const store = new FaultyStore(new MemoryStore());
  const table = await makeTable(store);
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
  await writer.put(rowsBatch([KEY, 8], 1));
  await writer.flush();
  return { store, table, writer };
}

/** A crash: the writer is abandoned (not closed) and a new one replays the WAL. */
function crashAndReopen(table: Table): Promise<ShardWriter> {
  return ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
}

describe('ingest race (fjall)', () => {
  it('an ingest prepared before a put + freeze + flush, committed after them, wins', async () => {
    const { store, table, writer } = await setup();
    const hold = holdCall(store, 'putIfAbsent', /ingest-.*\.keys\.ftk$/);
    const ingest = writer.ingest([rowsBatch([KEY, 9], 100)]);
    await hold.reached; // the ingest has prepared its data file; its key index waits
    await writer.put(rowsBatch([KEY], 2)); // acked before the ingest commits
    writer.freeze();
    await writer.flush();
    expect(await valueOf(table, writer)).toBe(2);
    const snap = await new LsmScanner(table, { writers: [writer] }).snapshot();
    hold.release();
    const result = await ingest;
    expect(result).toMatchObject({ rows: 2, fileRows: 2, batches: 1 });
    expect(result.generation).toBeGreaterThan(writer.manifest.doc.flushed.at(-2)!.generation);
    expect(await valueOf(table, writer)).toBe(100); // ingest committed last: it wins
    expect(await valueOf(table, undefined)).toBe(100); // also from storage alone
    expect(rowsOf(await snap.get([{ id: BigInt(KEY) }, { id: 9n }]))).toEqual([[KEY, 2]]); // pinned before: never sees it
    const after = await crashAndReopen(table);
    expect(await valueOf(table, after)).toBe(100);
    await compact(table, { shard: 0 });
    expect(await valueOf(table, after)).toBe(100);
    await after.close();
  });

  it('a put acked after the ingest commit wins, also after a crash and replay', async () => {
    const { table, writer } = await setup();
    await writer.put(rowsBatch([KEY], 2)); // in the active memtable and WAL: the commit freezes and flushes it first
    const { generation } = await writer.ingest(rowsBatch([KEY], 100));
    expect(writer.manifest.doc.flushed.map((f) => f.source)).toEqual(['flush', 'flush', 'ingest']);
    expect(await valueOf(table, undefined)).toBe(100);
    await writer.put(rowsBatch([KEY], 3)); // after the commit: newer, and only in the WAL
    expect(writer.activeGeneration).toBeGreaterThan(generation!);
    expect(await valueOf(table, writer)).toBe(3);
    const after = await crashAndReopen(table); // replay keeps the put's generation, above the ingest's
    expect(await valueOf(table, after)).toBe(3);
    await after.flush();
    await compact(table, { shard: 0 });
    expect(await valueOf(table, undefined)).toBe(3);
    await after.close();
  });

  it('a put issued while the ingest holds the lock waits for it and wins', async () => {
    const { store, table, writer } = await setup();
    const hold = holdCall(store, 'putIfAbsent', /shards\/0\/_manifests\/v/);
    const order: string[] = [];
    const ingest = writer.ingest(rowsBatch([KEY], 100)).then(() => order.push('ingest'));
    await hold.reached; // the ingest commit is in flight, held
    const put = writer.put(rowsBatch([KEY], 4)).then(() => order.push('put'));
    const snap = await new LsmScanner(table, { writers: [writer] }).snapshot();
    await new Promise((r) => setImmediate(r)); // the commit is held until release(), however long this waits
    expect(order).toEqual([]); // the put waits at the lock
    hold.release();
    await Promise.all([ingest, put]);
    expect(order).toEqual(['ingest', 'put']);
    expect(await valueOf(table, writer)).toBe(4);
    expect(rowsOf(await snap.get([{ id: BigInt(KEY) }]))).toEqual([[KEY, 1]]);
    const after = await crashAndReopen(table);
    expect(await valueOf(table, after)).toBe(4);
    await after.close();
  });

  it('checks the whole input before writing anything', async () => {
    const { store, table, writer } = await setup();
    const writes = store.count('putIfAbsent');
    async function* bad() {
      yield rowsBatch([1, 2], 5);
      yield rowsBatch([3], 5).slice(0, 0); // empty batches are skipped, not refused
      yield { not: 'a batch' } as never;
    }
    await expect(writer.ingest(bad())).rejects.toThrow(/Schema mismatch/);
    expect(store.count('putIfAbsent')).toBe(writes);
    expect(await writer.ingest([])).toMatchObject({ generation: undefined, rows: 0 });
    expect(await valueOf(table, writer)).toBe(1);
    await writer.close();
  });
});

function rowsOf(t: { toArray(): { id: bigint; v: number }[] }): [number, number][] {
  return t.toArray().map((r) => [Number(r.id), r.v]);
}
