/**
 * The local-disk stories of the writer and scanner, on S3: a table created on an
 * S3Store against the loopback s3rver, written by durable ShardWriters and read
 * by LsmScanner — with and without the writers' memtables, before and after
 * flushes — point lookups, replay after a writer is dropped without close, and
 * fencing by a second writer.
 */
import { ShardFencedError } from '@freshtier/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LsmScanner, ShardWriter, idsOf, keysBatch, newS3Table, range, rangeBatch, readRows, rowsBatch, splitByShard, type Row, type WriterEvent } from './e2e-support.js';
import { startS3Server, type S3TestServer } from '../../../s3-store/test/s3-server.js';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

/** `id → v` of the rows read, for compact expectations. */
const byId = (rows: Row[]) => new Map(rows.map((r) => [r.id, r.v]));

describe('writer and scanner on S3', () => {
  it('puts, deletes, freezes and flushes; scans agree with and without the memtables once flushed', async () => {
    const { store, table } = await newS3Table(server, { shards: 2 });
    // autoFlush off: the test decides what is in memory and what is in S3.
    const writers = await Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard, durability: 'durable', autoFlush: false })));
    const put = (lo: number, hi: number, v: number) =>
      Promise.all([...splitByShard(table, rangeBatch(lo, hi, v))].map(([shard, batch]) => writers[shard].put(batch)));
    // splitByShard routes whole rows; a delete's keys are routed the same way through a full-row batch.
    const del = (ids: number[]) =>
      Promise.all([...splitByShard(table, rowsBatch(ids))].map(([shard, b]) => writers[shard].delete(keysBatch([...b.getChild('id')!].map(Number)))));

    await put(0, 200, 1);
    for (const w of writers) w.freeze();
    await put(100, 150, 2); // rewritten in the new active memtable: wins over the frozen one
    await del(range(0, 10));
    const live = new LsmScanner(table, { writers });
    const cold = new LsmScanner(table);
    const expected = new Map(range(10, 200).map((id) => [id, id >= 100 && id < 150 ? 2 : 1]));

    expect(byId(await readRows(live))).toEqual(expected);
    expect(await readRows(cold)).toEqual([]); // nothing is committed yet
    expect((await live.get([{ id: 120n }, { id: 5n }, { id: 999n }])).toArray().map((r) => [Number(r.id), r.v])).toEqual([[120, 2]]);
    expect(await live.containsPks([{ id: 120n }, { id: 5n }, { id: 999n }, { id: 199n }])).toEqual([true, false, false, true]);

    await Promise.all(writers.map((w) => w.flush()));
    expect(byId(await readRows(cold))).toEqual(expected);
    expect(byId(await readRows(live))).toEqual(expected);
    expect(await cold.containsPks([{ id: 120n }, { id: 5n }, { id: 199n }])).toEqual([true, false, true]);
    // Each shard committed its generations as Parquet files plus key indexes under the prefix.
    expect((await store.list('shards/0/')).some((m) => /^shards\/0\/gen-\d+-[^/]+\/data\.parquet$/.test(m.key))).toBe(true);

    await put(200, 220, 3); // only in memory until close
    expect(idsOf(await readRows(live))).toEqual(range(10, 220));
    expect(idsOf(await readRows(cold))).toEqual(range(10, 200));
    await Promise.all(writers.map((w) => w.close()));
    expect(idsOf(await readRows(cold))).toEqual(range(10, 220));
    expect((await cold.get([{ id: 210n }])).toArray().map((r) => r.v)).toEqual([3]);
  });

  it('a writer dropped without close: the next open replays every acked row', async () => {
    const { table } = await newS3Table(server);
    // Small memtables: some generations are flushed in the background, the newest only in the WAL.
    let firstFlush!: () => void;
    const flushed = new Promise<void>((resolve) => (firstFlush = resolve));
    const onEvent = (e: WriterEvent) => void (e.type === 'flush-committed' && firstFlush());
    const dropped = await ShardWriter.open(table, { shard: 0, durability: 'durable', maxMemtableRows: 300, onEvent });
    const acked: number[] = [];
    await Promise.all([0, 1, 2].map(async (p) => {
      for (let b = 0; b < 12; b++) {
        const lo = p * 10_000 + b * 50;
        await dropped.put(rangeBatch(lo, lo + 50, b));
        acked.push(...range(lo, lo + 50));
      }
    }));
    await dropped.delete(keysBatch([0, 1, 2]));
    await flushed; // so the reopen finds rows both in committed generations and only in the WAL
    expect(dropped.status().activeGeneration).toBeGreaterThan(1);
    const live = acked.filter((id) => id > 2).sort((a, b) => a - b);

    const reopened = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
    expect(reopened.epoch).toBe(dropped.epoch + 1);
    expect(idsOf(await readRows(new LsmScanner(table, { writers: [reopened] })))).toEqual(live);
    await reopened.close();
    expect(idsOf(await readRows(new LsmScanner(table)))).toEqual(live);
  });

  it('a second writer fences the first: ShardFencedError on its next put, nothing acked lost', async () => {
    const { table } = await newS3Table(server);
    const first = await ShardWriter.open(table, { shard: 0, durability: 'durable' });
    await first.put(rangeBatch(0, 100, 1));
    const second = await ShardWriter.open(table, { shard: 0, durability: 'durable' });

    await expect(first.put(rangeBatch(100, 110, 1))).rejects.toBeInstanceOf(ShardFencedError);
    await expect(first.put(rangeBatch(110, 120, 1))).rejects.toBeInstanceOf(ShardFencedError);
    expect(first.status().state).toBe('fenced');
    expect(idsOf(await readRows(new LsmScanner(table, { writers: [second] })))).toEqual(range(0, 100));

    await second.put(rangeBatch(50, 60, 2));
    await second.close();
    await expect(first.close()).rejects.toBeInstanceOf(ShardFencedError); // it holds rows it may not publish
    const rows = byId(await readRows(new LsmScanner(table)));
    expect([...rows.keys()].sort((a, b) => a - b)).toEqual(range(0, 100));
    expect(rows.get(55)).toBe(2);
  });
});
