/**
 * Concurrency histories in one process: three writers (one per shard of a 3-shard
 * table) fed by four producers, with freezes and flushes among the puts, and two
 * readers scanning through one LsmScanner over all three writers. Every operation's
 * call and return is stamped on a logical clock (JS runs one thing at a time, so the
 * stamps are a real-time order); history.ts checks every read: whole writes only,
 * per shard a prefix of the ack order, every write acked before the read began is
 * seen, and containsPksAsOf with the scan's cuts — asked later, after more writes,
 * freezes and flushes — agrees with what the scan saw. A last read after closing
 * the writers must see every write. Quick: 20 histories (every 5th on a LocalStore);
 * FRESHTIER_LONG=1: 200.
 */
import { LocalStore, MemoryStore, type ObjectStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { afterAll, describe, expect, it } from 'vitest';
import { idsOfShard, keysBatch, makeTable, prng, rowsBatch, rowsOf, scaled, tempDir } from '../src/data.js';
import { checkHistory, inAckOrder, sampleIds, type ReadRecord, type WriteRecord } from '../src/history.js';
import { emptyCounts, reportPart } from '../src/summary.js';

const HISTORIES = scaled(20, 200);
const SHARDS = 3;
const counts = emptyCounts();
afterAll(() => reportPart('histories', counts));

// seeded pauses only vary the interleaving: the history checker's verdict holds whatever the timing
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runHistory(seed: number, store: ObjectStore): Promise<{ writes: WriteRecord[]; reads: ReadRecord[] }> {
  const rnd = prng(seed);
  const table = await makeTable(store, { shards: SHARDS });
  const writers = await Promise.all(Array.from({ length: SHARDS }, (_, shard) =>
    ShardWriter.open(table, { shard, maxMemtableRows: rnd.int(15, 120), flushRetry: { initialDelayMs: 1 } })));
  const scanner = new LsmScanner(table, { writers });
  let clock = 0;
  let seq = 1;
  const cursor = Array.from({ length: SHARDS }, (_, s) => s * 1_000_000);
  const take = (shard: number, n: number) => {
    const r = idsOfShard(table, shard, cursor[shard], n);
    cursor[shard] = r.next;
    return r.ids;
  };
  const unwritten = Array.from({ length: SHARDS }, (_, s) => idsOfShard(table, s, 900_000_000 + s * 1000, 8).ids).flat();
  const writes: WriteRecord[] = [];
  const reads: ReadRecord[] = [];
  let producing = true;

  const producer = async () => {
    for (let i = 0; i < 30; i++) {
      const r = rnd.next();
      const w = writers[rnd.int(0, SHARDS)];
      if (r < 0.05) w.freeze();
      else if (r < 0.08) await w.flush();
      else {
        const shard = w.shard;
        const rec: WriteRecord = { seq: seq++, shard, ids: take(shard, rnd.int(1, 5)), call: ++clock, ret: -1 };
        await w.put(rowsBatch(rec.ids, rec.seq));
        rec.ret = ++clock;
        writes.push(rec);
      }
      if (rnd.chance(0.3)) await sleep(rnd.int(0, 2));
    }
  };
  const reader = async () => {
    while (producing) {
      const call = ++clock;
      const result = scanner.scan({ columns: ['id', 'v'] }); // captures the memtables now, at `call`
      const seen = new Map<number, number | null>();
      for await (const batch of result) for (const row of rowsOf(batch)) seen.set(row.id, row.v);
      const rec: ReadRecord = { call, ret: ++clock, seen };
      reads.push(rec);
      await sleep(rnd.int(0, 4)); // let writes, freezes and flushes move past the cut
      const ids = sampleIds(writes.flatMap((w) => w.ids), unwritten, 24, (k) => rnd.int(0, k));
      rec.asOf = { ids, held: await scanner.containsPksAsOf(keysBatch(ids), await result.cuts) };
    }
  };
  const readers = [reader(), reader()];
  await Promise.all(Array.from({ length: 4 }, () => producer()));
  producing = false;
  await Promise.all(readers);
  await Promise.all(writers.map((w) => w.close()));
  // a read after everything: flushed files only
  const last = new LsmScanner(table).scan({ columns: ['id', 'v'] });
  const seen = new Map<number, number | null>();
  const call = ++clock;
  for await (const batch of last) for (const row of rowsOf(batch)) seen.set(row.id, row.v);
  reads.push({ call, ret: ++clock, seen });
  return { writes, reads };
}

describe('concurrency histories (one process, three shards)', () => {
  it(`every read is atomic, prefix-closed per shard, real-time ordered and agrees with AsOfCut (${HISTORIES} histories)`, async () => {
    const seeds = prng(Number(process.env.FRESHTIER_SEED ?? 4242));
    for (let h = 0; h < HISTORIES; h++) {
      const seed = seeds.int(1, 2 ** 31);
      const local = h % 5 === 4 ? await tempDir() : undefined;
      try {
        const { writes, reads } = await runHistory(seed, local ? new LocalStore(local.dir) : new MemoryStore());
        const verdict = checkHistory(inAckOrder(writes), reads, (r, w) => w.ret < r.call);
        counts.histories++;
        counts.acked += writes.length;
        counts.lost += verdict.lost;
        counts.corrupted += verdict.corrupted;
        expect(verdict.problems, `history ${h} (seed ${seed}, ${writes.length} writes, ${reads.length} reads)`).toEqual([]);
        expect(reads.length).toBeGreaterThan(2);
      } finally {
        await local?.cleanup();
      }
    }
  }, 1_800_000);
});
