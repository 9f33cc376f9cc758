/**
 * The pipelined WAL (issue 16) against a store that lands WAL writes in any order, late,
 * or never (support/reorder-store.ts; no timers). Invariants 5, 6 and 8 as before:
 * - acks come in position order: a put resolves only once its entry and every lower one
 *   of its writer exist, and only then do its rows enter the memtable;
 * - a crash with entries in flight leaves holes (k missing, k+1 present): the next open
 *   fills them, replay skips what follows a hole (never acked), and a late write of the
 *   old epoch into a hole fails and is never acked, however late it comes.
 */
import { MemoryStore, encodeWalEntry, layout } from '@freshtier/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal } from '../src/index.js';
import { WAL_WINDOW_MAX } from '../src/shard/wal.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';
import { ReorderStore, turns, type ParkedWrite } from './support/reorder-store.js';

const noFlush = { shard: 0, autoFlush: false, flushInWorker: false } as const;

/** Puts batch i = ids [10i, 10i+10), each its own WAL entry (the next put waits until the previous one is parked or queued). */
async function putEach(writer: ShardWriter, store: ReorderStore, n: number, window: number): Promise<{ acks: number[]; done: Promise<unknown>[] }> {
  const acks: number[] = [];
  const done: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    done.push(writer.put(rangeBatch(10 * i, 10 * i + 10)).then(() => acks.push(i)));
    if (i < window) await store.parkedAtLeast(store.parked.length + 1);
    else await turns();
  }
  return { acks, done };
}

const visibleBatches = async (table: Awaited<ReturnType<typeof makeTable>>, writer: ShardWriter) =>
  [...new Set([...(await readShard(table, 0, writer)).rows.keys()].map((id) => Math.floor(Number(id) / 10)))].sort((a, b) => a - b);

describe('pipelined WAL: acks in position order', () => {
  it('resolves puts in position order whatever order their entries land in, and applies them only then', async () => {
    const store = new ReorderStore(new MemoryStore());
    const table = await makeTable(store);
    const writer = await ShardWriter.open(table, { ...noFlush, walWindow: 4 });
    store.parking = true;
    const { acks, done } = await putEach(writer, store, 4, 4);
    expect(store.waiting.map((w) => w.position)).toEqual(Array.from({ length: 4 }, (_, i) => store.parked[0].position + i));
    const [p0, p1, p2, p3] = store.parked;
    await store.land(p2);
    await store.land(p3);
    expect(acks).toEqual([]); // 0 and 1 are not durable yet
    expect(writer.inMemoryMemtableRefs().refs.reduce((s, r) => s + r.batchCount, 0)).toBe(0); // nothing a crash could lose is visible
    await store.land(p0);
    expect(acks).toEqual([0]);
    await store.land(p1);
    await Promise.all(done);
    expect(acks).toEqual([0, 1, 2, 3]);
    expect(await visibleBatches(table, writer)).toEqual([0, 1, 2, 3]);
    store.parking = false;
    await writer.close();
  });

  it('walWindow 1 keeps one entry in flight', async () => {
    const store = new ReorderStore(new MemoryStore());
    const table = await makeTable(store);
    const writer = await ShardWriter.open(table, { ...noFlush, walWindow: 1 });
    store.parking = true;
    const first = writer.put(rangeBatch(0, 10));
    await store.parkedAtLeast(1);
    const second = writer.put(rangeBatch(10, 20));
    await turns();
    expect(store.parked).toHaveLength(1); // the second waits for the first
    await store.land(store.parked[0]);
    await first;
    await store.parkedAtLeast(2);
    await store.land(store.parked[1]);
    await second;
    store.parking = false;
    await writer.close();
  });
});

describe('pipelined WAL: a crash with entries in flight', () => {
  it('a hole (k missing, k+1 present): never acked, skipped by replay, and a late write into it fails', async () => {
    const store = new ReorderStore(new MemoryStore());
    const table = await makeTable(store);
    const old = await ShardWriter.open(table, { ...noFlush, walWindow: 4 });
    await old.put(rangeBatch(1000, 1010)); // acked before the crash
    store.parking = true;
    const { acks, done } = await putEach(old, store, 4, 4);
    const [k, k1, k2, k3] = store.parked;
    await store.land(k1);
    await store.land(k3);
    expect(acks).toEqual([]);
    store.parking = false; // the old writer is now a zombie with k and k+2 in flight

    const next = await ShardWriter.open(table, noFlush); // fills k and k+2, skips k+1 and k+3
    const rejected = done.map((p) => p.then(() => 'acked', (e: { code?: string }) => e.code));
    await store.land(k); // the zombie's late write: the position holds a fence now
    await store.land(k2);
    expect([k, k2].map((w) => w.result)).toEqual(['exists', 'exists']);
    expect(await Promise.all(rejected)).toEqual(['SHARD_FENCED', 'SHARD_FENCED', 'SHARD_FENCED', 'SHARD_FENCED']);
    expect(acks).toEqual([]);
    expect(await visibleBatches(table, next)).toEqual([100]);
    await next.put(rangeBatch(2000, 2010));
    await next.flush();
    const third = await ShardWriter.open(table, noFlush); // replays past the skipped entries without calling them damage
    expect(await visibleBatches(table, third)).toEqual([100, 200]);
    await third.close();
  });

  it('a late write of the old epoch after the new writer replayed and flushed past the hole: fails, never acked, never read', async () => {
    const store = new ReorderStore(new MemoryStore());
    const table = await makeTable(store);
    const old = await ShardWriter.open(table, { ...noFlush, walWindow: 3 });
    store.parking = true;
    const { acks, done } = await putEach(old, store, 3, 3);
    const [k, k1, k2] = store.parked;
    await store.land(k1);
    store.parking = false;
    const next = await ShardWriter.open(table, noFlush);
    await next.put(rangeBatch(2000, 2010));
    await next.flush(); // replayAfter moves past k and k+1
    expect((await table.shardManifests(0).latest()).doc.replayAfter).toBeGreaterThan(k1.position);
    const outcomes = done.map((p) => p.then(() => 'acked', (e: { code?: string }) => e.code));
    await store.land(k2);
    await store.land(k);
    expect([k.result, k2.result]).toEqual(['exists', 'exists']);
    expect(await Promise.all(outcomes)).toEqual(['SHARD_FENCED', 'SHARD_FENCED', 'SHARD_FENCED']);
    expect(acks).toEqual([]);
    const third = await ShardWriter.open(table, noFlush);
    expect(await visibleBatches(table, third)).toEqual([200]);
    await third.close();
  });

  it('zombie entries landing in the new fence block (after its listing) are skipped, and the new writer appends above them', async () => {
    const store = new ReorderStore(new MemoryStore());
    const table = await makeTable(store);
    const old = await ShardWriter.open(table, noFlush); // epoch 1
    await old.put(rangeBatch(0, 10)); // acked: batch 0 of its generation
    const generation = old.activeGeneration;
    store.parking = true;
    const opening = ShardWriter.open(table, noFlush); // epoch 2: lists the WAL, then parks its fence
    await store.parkedAtLeast(1);
    const fence = store.parked[0].position;
    // the zombie had a window in flight; two of its entries land just above the fence, in the block
    const zombie = (batchIndex: number, lo: number) => encodeWalEntry({ kind: 'data', shard: 0, epoch: 1, records: [{ generation, batchIndex, op: 'put', batch: rangeBatch(lo, lo + 10) }] });
    await store.inner.putIfAbsent(layout.walEntry(0, fence + 1, table.walSuffix), zombie(2, 20));
    await store.inner.putIfAbsent(layout.walEntry(0, fence + 3, table.walSuffix), zombie(4, 40));
    await store.land(store.parked[0]);
    while (store.waiting.length > 0 || store.parked.length < WAL_WINDOW_MAX) {
      await store.parkedAtLeast(store.parked.length + (store.waiting.length > 0 ? 0 : 1));
      for (const w of store.waiting) await store.land(w);
    }
    store.parking = false;
    const next = await opening;
    expect(await visibleBatches(table, next)).toEqual([0]);
    await next.put(rangeBatch(100, 110));
    const listed = await listWal(store, 0, fence, table.walSuffix);
    expect(listed.at(-1)!.position).toBeGreaterThanOrEqual(fence + WAL_WINDOW_MAX); // above the block
    await next.flush();
    const third = await ShardWriter.open(table, noFlush);
    expect(await visibleBatches(table, third)).toEqual([0, 10]);
    await third.close();
  });

  it('(property, seeded) whatever lands and in which order: acked ⊆ visible = the landed prefix, and late writes change nothing', async () => {
    // each step puts the next batch (its own entry when the window has room) or lands one parked write
    const step = fc.oneof(fc.constant<'put'>('put'), fc.nat({ max: 7 }));
    const plan = fc.record({ window: fc.integer({ min: 1, max: 8 }), steps: fc.array(step, { minLength: 1, maxLength: 16 }) });
    await fc.assert(fc.asyncProperty(plan, async ({ window, steps }) => {
      const store = new ReorderStore(new MemoryStore());
      const table = await makeTable(store);
      const old = await ShardWriter.open(table, { ...noFlush, walWindow: window });
      store.parking = true;
      const acks: number[] = [];
      const done: Promise<unknown>[] = [];
      for (const s of steps) {
        const i = done.length;
        if (s === 'put') done.push(old.put(rangeBatch(10 * i, 10 * i + 10)).then(() => acks.push(i), () => undefined));
        else if (store.waiting.length > 0) await store.land(store.waiting[s % store.waiting.length]);
        await turns();
      }
      store.parking = false; // crash: whatever still waits is in flight
      const ackedBeforeOpen = [...acks];
      const expected = landedPrefix(store.parked);
      const next = await ShardWriter.open(table, noFlush);
      const seen = await visibleBatches(table, next);
      expect(seen).toEqual(expected);
      for (const a of ackedBeforeOpen) expect(seen).toContain(a);
      for (const w of store.waiting) await store.land(w); // late writes of the zombie
      await Promise.all(done);
      expect(acks.filter((a) => !expected.includes(a))).toEqual([]);
      const third = await ShardWriter.open(table, noFlush);
      expect(await visibleBatches(table, third)).toEqual(expected);
      await third.close();
    }), { seed: 1604, numRuns: 25 });
  });
});

/** The batches of the old writer's entries that landed without a lower one missing (what replay must show). */
function landedPrefix(parked: readonly ParkedWrite[]): number[] {
  const byPosition = [...parked].sort((a, b) => a.position - b.position);
  const out: number[] = [];
  for (const w of byPosition) {
    if (w.result !== 'created') break;
    out.push(...new Set(w.ids.map((id) => Math.floor(Number(id) / 10))));
  }
  return out.sort((a, b) => a - b);
}
