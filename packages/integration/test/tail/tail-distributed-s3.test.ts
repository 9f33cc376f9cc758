/**
 * The distributed remote-reader test (issue 14; DESIGN.md invariant 15) on the S3 test
 * server: four writer processes (fixtures/tail-s3-writer.ts), one shard each, put
 * numbered batches durably and print each acked one; this process tails all four
 * shards with one `LsmScanner { tail: true }`, scanning back to back while they write.
 * Midway, the writer of shard 1 is SIGKILLed and another process takes the shard over,
 * and the writer of shard 2 is SIGSTOPped, fenced by another process, then SIGCONTed —
 * a zombie whose next puts must fail with SHARD_FENCED. Small memtables keep flushes
 * committing meanwhile; this process compacts every shard while scanning, and again at
 * the end.
 *
 * At every scan: no row twice; every batch acked before the scan started is there
 * (acks are read from the children's stdout before calling scan); every batch is
 * whole or absent; a batch once seen stays seen. At the end: the zombie's visible
 * batches are exactly its acked ones (no refused put ever shows), and the killed
 * writer's are its acked ones plus at most the puts it had in flight (their WAL entry
 * may have landed before the kill: acked by the store, not yet printed).
 */
import { Table } from '@freshtier/core';
import { S3Store } from '@freshtier/s3-store';
import { compact } from '@freshtier/writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LsmScanner, newS3Table } from '../s3/e2e-support.js';
import { startS3Server, type S3TestServer } from '../../../s3-store/test/s3-server.js';
import { fixture, spawnFixture, type Child } from './child-process.js';
import { batchIds, batchOf } from './fixtures/shard-batches.js';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

const TAKEOVER = 1_000_000; // first batch number of a process that takes a shard over
const acked = (c: Child) => c.lines().filter((l) => l.startsWith('A ')).map((l) => Number(l.split(' ')[1]));
const failed = (c: Child) => c.lines().filter((l) => l.startsWith('F '));
const key = (shard: number, batch: number) => `${shard}/${batch}`;

/** Checks each scan against the acks printed before it started (see the module doc). */
class Checker {
  readonly seen = new Set<string>();
  scans = 0;

  constructor(private readonly table: Table, private readonly reader: LsmScanner, private readonly writers: () => { shard: number; child: Child }[]) {}

  async scanOnce(): Promise<void> {
    const mustSee = this.writers().flatMap(({ shard, child }) => acked(child).map((b) => key(shard, b))); // before the scan starts
    const t = await this.reader.scan({ columns: ['id'] }).toTable();
    const ids = [...t.getChild('id')!].map(Number);
    expect(new Set(ids).size, 'a row seen twice').toBe(ids.length);
    const rowsOf = new Map<string, number>();
    for (const id of ids) {
      const { shard, batch } = batchOf(this.table, id);
      rowsOf.set(key(shard, batch), (rowsOf.get(key(shard, batch)) ?? 0) + 1);
    }
    for (const [k, n] of rowsOf) {
      const [shard, batch] = k.split('/').map(Number);
      expect(n, `batch ${k} partly visible`).toBe(batchIds(this.table, shard, batch).length);
    }
    expect(mustSee.filter((k) => !rowsOf.has(k)), 'acked batches missing').toEqual([]);
    expect([...this.seen].filter((k) => !rowsOf.has(k)), 'batches seen before, gone now').toEqual([]);
    for (const k of rowsOf.keys()) this.seen.add(k);
    this.scans++;
  }

  /** Scans back to back until `cond` holds (the writers keep writing meanwhile). */
  async scanUntil(what: string, cond: () => boolean): Promise<void> {
    const deadline = Date.now() + 60_000; // a hang becomes a failure; correctness never waits on the clock
    do {
      if (Date.now() > deadline) throw new Error(`timed out scanning until ${what}`);
      await this.scanOnce();
    } while (!cond());
  }
}

/** Batches of `shard` a scan shows now. */
const visibleBatches = (seen: Set<string>, shard: number, fromBatch: number, toBatch: number) =>
  [...seen].map((k) => k.split('/').map(Number)).filter(([s, b]) => s === shard && b >= fromBatch && b < toBatch).map(([, b]) => b).sort((a, b) => a - b);

describe('four writer processes on S3, one shard each, tailed by a reader process', () => {
  it('never misses an acked row, never shows one twice, never shows a fenced writer\'s refused rows', async () => {
    const { storeOptions, store } = await newS3Table(server, { shards: 4 });
    const start = (shard: number, first: number, mode = 'now') => spawnFixture(fixture('tail-s3-writer.ts'), [JSON.stringify(storeOptions), String(shard), String(first), mode]);
    const table = await Table.open(new S3Store({ ...storeOptions }));
    const first = [0, 1, 2, 3].map((s) => start(s, 0));
    // the processes that take shards 1 and 2 over start now and open their writers on `go`
    const [t1, t2] = [start(1, TAKEOVER, 'on-go'), start(2, TAKEOVER, 'on-go')];
    const takeovers = [t1, t2];
    const all = () => [...first, ...takeovers];
    try {
      await Promise.all(first.map((c) => c.waitFor('open', (l) => l.startsWith('open '))));
      const live = [{ shard: 0, child: first[0] }, { shard: 1, child: first[1] }, { shard: 2, child: first[2] }, { shard: 3, child: first[3] }];
      const checker = new Checker(table, new LsmScanner(table, { tail: true }), () => live);
      await checker.scanUntil('every writer acked 10 batches', () => first.every((c) => acked(c).length >= 10));

      await Promise.all(takeovers.map((c) => c.waitFor('ready', (l) => l === 'ready')));
      // shard 1: SIGKILL, then another process takes the shard over (its open fences and replays)
      first[1].proc.kill('SIGKILL');
      await first[1].exited;
      t1.proc.stdin!.write('go\n');
      live.push({ shard: 1, child: t1 });
      // shard 2: a zombie: stopped, fenced by another process, resumed
      first[2].proc.kill('SIGSTOP');
      t2.proc.stdin!.write('go\n');
      live.push({ shard: 2, child: t2 });
      await checker.scanUntil('both takeovers opened', () => takeovers.every((c) => c.lines().some((l) => l.startsWith('open '))));
      // compactions while writers flush and the reader tails (best effort: what is flushed by now)
      await Promise.all([...[0, 1, 2, 3].map((shard) => compact(table, { shard })), checker.scanOnce()]);
      first[2].proc.kill('SIGCONT');
      await checker.scanUntil('the zombie stopped on the fence', () => first[2].lines().includes('fenced'));
      expect((await first[2].exited).code).toBe(0);
      expect(failed(first[2]).map((l) => l.split(' ').slice(2).join(' '))).toEqual(['ShardFencedError SHARD_FENCED', 'ShardFencedError SHARD_FENCED']);

      await checker.scanUntil('both takeovers acked 10 batches', () => takeovers.every((c) => acked(c).length >= 10));
      for (const c of [first[0], first[3], ...takeovers]) c.proc.stdin!.write('stop\n');
      for (const c of [first[0], first[3], ...takeovers]) {
        const exit = await c.exited;
        expect(exit.code, exit.stderr).toBe(0);
        expect(c.lines()).toContain('closed');
      }
      await checker.scanOnce(); // everything flushed now
      const compacted = await Promise.all([0, 1, 2, 3].map((shard) => compact(table, { shard })));
      expect(compacted.map((c) => c.committed)).toEqual([true, true, true, true]);
      await checker.scanOnce(); // the tails dropped what base holds now
      const fresh = new Checker(table, new LsmScanner(await Table.open(new S3Store({ ...storeOptions }))), () => live);
      await fresh.scanOnce(); // a committed-only reader agrees
      expect(fresh.seen).toEqual(checker.seen);

      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      // the zombie: exactly its acked batches; nothing it was refused
      expect(visibleBatches(checker.seen, 2, 0, TAKEOVER)).toEqual(sorted(acked(first[2])));
      // the killed writer: its acked batches, plus at most the put each producer had in flight
      const killedAcks = acked(first[1]);
      const inFlight = [0, 1].map((p) => Math.max(p - 2, ...killedAcks.filter((b) => b % 2 === p)) + 2);
      const extra = visibleBatches(checker.seen, 1, 0, TAKEOVER).filter((b) => !killedAcks.includes(b));
      expect(extra.filter((b) => !inFlight.includes(b)), 'killed writer: rows it never sent').toEqual([]);
      // the others and the takeovers: exactly what they acked
      for (const [shard, child, from] of [[0, first[0], 0], [3, first[3], 0], [1, t1, TAKEOVER], [2, t2, TAKEOVER]] as const) {
        expect(visibleBatches(checker.seen, shard, from, from + TAKEOVER)).toEqual(sorted(acked(child)));
      }
      expect(checker.scans).toBeGreaterThanOrEqual(5);
    } finally {
      for (const c of all()) {
        c.proc.kill('SIGCONT');
        c.kill();
      }
      store.close();
    }
  }, 180_000);
});
