/**
 * A concurrency history across two processes on one LocalStore table of two shards:
 * a child process writes shard 0 (history-child.ts, flushing now and then); this
 * process writes shard 1 and runs two readers whose LsmScanner holds only the
 * shard-1 writer. Call and return times are `process.hrtime` on both sides
 * (CLOCK_MONOTONIC is one clock for the machine). history.ts checks every read:
 * whole writes only; per shard a prefix of that shard's ack order; shard 1 (in
 * memory here): every write acked before the read began is seen; shard 0 (another
 * process, seen through its commits): every write acked before a flush() that
 * returned before the read began is seen; and containsPksAsOf with the scan's cuts,
 * asked later, agrees with the scan for keys of both shards — for shard 0 the cut a
 * reader without the writer gets (one past the newest flushed generation).
 * Quick: 2 runs; FRESHTIER_LONG=1: 20.
 */
import { LocalStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { afterAll, describe, expect, it } from 'vitest';
import { startChild } from '../src/child.js';
import { idsOfShard, keysBatch, makeTable, prng, rowsBatch, rowsOf, scaled, tempDir } from '../src/data.js';
import { checkHistory, inAckOrder, sampleIds, type ReadRecord, type WriteRecord } from '../src/history.js';
import { emptyCounts, reportPart } from '../src/summary.js';

const RUNS = scaled(2, 20);
const counts = emptyCounts();
afterAll(() => reportPart('histories-two-process', counts));

const now = () => Number(process.hrtime.bigint());
// seeded pauses only vary the interleaving: the history checker's verdict holds whatever the timing
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The child's writes (in ack order, with their line) and flushes. */
function parseChild(lines: readonly string[]): { writes: (WriteRecord & { line: number })[]; flushes: { ret: number; line: number }[] } {
  const writes: (WriteRecord & { line: number })[] = [];
  const flushes: { ret: number; line: number }[] = [];
  lines.forEach((l, line) => {
    const p = l.split(' ');
    if (p[0] === 'A') writes.push({ seq: Number(p[1]), shard: 0, call: Number(p[2]), ret: Number(p[3]), ids: p[4].split(',').map(Number), line });
    if (p[0] === 'F') flushes.push({ ret: Number(p[2]), line });
  });
  return { writes, flushes };
}

async function runTwoProcess(seed: number, root: string): Promise<{ writes: WriteRecord[]; reads: ReadRecord[]; mustSee: (r: ReadRecord, w: WriteRecord) => boolean }> {
  const rnd = prng(seed);
  const table = await makeTable(new LocalStore(root), { shards: 2 });
  const child = startChild('history-child.ts', [root, String(seed), '120']);
  await child.waitFor('ready');
  let childDone = false;
  const exited = child.exited.then((o) => {
    childDone = true;
    return o;
  });
  const writer = await ShardWriter.open(await Table.open(new LocalStore(root)), { shard: 1, maxMemtableRows: 40 });
  const scanner = new LsmScanner(table, { writers: [writer] });
  const writes: WriteRecord[] = [];
  const reads: ReadRecord[] = [];
  let cursor = 0;
  const unwritten = [...idsOfShard(table, 0, 900_000_000, 6).ids, ...idsOfShard(table, 1, 900_000_000, 6).ids];
  const seq = { next: 100_000 };

  const producer = async () => {
    while (!childDone) {
      const taken = idsOfShard(table, 1, cursor, rnd.int(1, 4));
      cursor = taken.next;
      const rec: WriteRecord = { seq: seq.next++, shard: 1, ids: taken.ids, call: now(), ret: -1 };
      await writer.put(rowsBatch(rec.ids, rec.seq));
      rec.ret = now();
      writes.push(rec);
      if (rnd.chance(0.05)) await writer.flush();
      await sleep(rnd.int(0, 3));
    }
  };
  const reader = async () => {
    while (!childDone) {
      const call = now();
      const result = scanner.scan({ columns: ['id', 'v'] });
      const seen = new Map<number, number | null>();
      for await (const batch of result) for (const row of rowsOf(batch)) seen.set(row.id, row.v);
      const rec: ReadRecord = { call, ret: now(), seen };
      reads.push(rec);
      await sleep(rnd.int(0, 5));
      const childIds = parseChild(child.lines()).writes.flatMap((w) => w.ids);
      const ids = sampleIds([...childIds, ...writes.flatMap((w) => w.ids)], unwritten, 24, (k) => rnd.int(0, k));
      rec.asOf = { ids, held: await scanner.containsPksAsOf(keysBatch(ids), await result.cuts) };
    }
  };
  await Promise.all([producer(), reader(), reader()]);
  const outcome = await exited;
  expect(outcome.code, outcome.stderr.slice(-2000)).toBe(0);
  await writer.close();
  const final: ReadRecord = { call: now(), ret: 0, seen: new Map() };
  for await (const batch of new LsmScanner(table).scan({ columns: ['id', 'v'] })) for (const row of rowsOf(batch)) final.seen.set(row.id, row.v);
  reads.push(final);

  const fromChild = parseChild(outcome.lines);
  const mustSee = (r: ReadRecord, w: WriteRecord) => {
    if (r === final) return true; // both writers closed: everything is committed
    if (w.shard === 1) return w.ret < r.call;
    const line = (w as WriteRecord & { line: number }).line;
    return fromChild.flushes.some((f) => f.ret < r.call && f.line > line); // acked before a flush that returned before the read
  };
  return { writes: [...fromChild.writes, ...inAckOrder(writes)], reads, mustSee };
}

describe('concurrency history across two processes', () => {
  it(`reads agree with both writers' acks and flushes, and with AsOfCut (${RUNS} runs)`, async () => {
    const seeds = prng(Number(process.env.FRESHTIER_SEED ?? 777));
    for (let run = 0; run < RUNS; run++) {
      const seed = seeds.int(1, 2 ** 31);
      const { dir, cleanup } = await tempDir();
      try {
        const { writes, reads, mustSee } = await runTwoProcess(seed, dir);
        const verdict = checkHistory(writes, reads, mustSee);
        counts.histories++;
        counts.acked += writes.length;
        counts.lost += verdict.lost;
        counts.corrupted += verdict.corrupted;
        expect(verdict.problems, `run ${run} (seed ${seed}, ${writes.length} writes, ${reads.length} reads)`).toEqual([]);
        expect(reads.length).toBeGreaterThan(3);
        expect(writes.filter((w) => w.shard === 0).length).toBe(120);
      } finally {
        await cleanup();
      }
    }
  }, 1_800_000);
});
