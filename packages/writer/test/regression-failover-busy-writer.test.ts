/**
 * Regression (issue 18, "Liveness: failover while the old writer is busy"): a new
 * writer could not take over a shard while the old one kept putting back to back. The
 * fence was written one WAL position at a time from the old tip, each taken position
 * costing a write and a read, and the old writer took the next position as fast: with
 * 2 ms of store latency the open had not finished after 5 s while the old writer acked
 * 1,307 more puts.
 *
 * Now (`writeFence`, wal.ts): the fence jumps ahead of the tip and the positions it
 * skipped are filled at once. What must hold, whatever the old writer does:
 * - the open finishes in a bounded number of store calls (counted on the new writer's
 *   own store handle: the same objects, a separate call log);
 * - once the open returned, the old writer acks at most the put it had in flight, and
 *   its next put fails with `ShardFencedError`;
 * - every row the old writer acked is visible through the new writer (invariant 5:
 *   nothing acked is lost in a failover).
 * Store latency is real time here only to interleave the two writers; no assertion
 * depends on how long anything took.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rowsBatch } from './support/fixtures.js';
import { tableRows } from './support/table-state.js';

/**
 * Store calls the new writer's open may make besides reading the WAL entries it replays
 * (one GET each, as many as the old writer acked): claim, rollback-marker check, WAL
 * list, fence, fill. Chasing the tip cost two calls per position the old writer took.
 */
const OPEN_CALL_BUDGET = 40;

interface Busy {
  acked: number[];
  /** Acks that resolved after `cutoff` was set. */
  ackedAfterCutoff: number;
  cutoff: boolean;
  done: Promise<unknown>;
}

/** Puts one row at a time, back to back, until a put fails or `max` puts were acked. */
function busyWriter(w: ShardWriter, max: number): Busy {
  const busy: Busy = { acked: [], ackedAfterCutoff: 0, cutoff: false, done: Promise.resolve() };
  busy.done = (async () => {
    for (let id = 0; id < max; id++) {
      try {
        await w.put(rowsBatch([id], 1));
      } catch (e) {
        return e;
      }
      busy.acked.push(id);
      if (busy.cutoff) busy.ackedAfterCutoff++;
    }
    return undefined;
  })();
  return busy;
}

/**
 * A store answering every call after `ms` of latency. The latency only changes how the old
 * writer's puts interleave with the open: the open's call budget and every other check hold
 * whatever the timing.
 */
function latencyStore(inner: MemoryStore, ms: number): FaultyStore {
  const s = new FaultyStore(inner);
  s.inject({ mode: 'delay', delayMs: ms });
  return s;
}

describe('failover while the old writer puts back to back', () => {
  it.each([[0], [1], [2]])('with %i ms of store latency the open is bounded, the old writer stops, nothing acked is lost', async (ms) => {
    const mem = new MemoryStore();
    const table = await makeTable(latencyStore(mem, ms));
    const old = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false, maxUnflushedBytes: 1 << 30 });
    const busy = busyWriter(old, 5_000);
    while (busy.acked.length < 20) await new Promise((r) => setImmediate(r)); // the old writer is well under way

    const mine = latencyStore(mem, ms);
    const freshTable = await Table.open(mine);
    const fresh = await ShardWriter.open(freshTable, { shard: 0, durability: 'durable', autoFlush: false });
    const replayReads = mine.calls.filter((c) => c.op === 'get' && c.key.includes('/wal/')).length;
    const openCalls = mine.calls.length - replayReads - 3; // minus Table.open's reads
    busy.cutoff = true;
    const stopped = await busy.done;

    expect(openCalls, 'store calls of the open').toBeLessThanOrEqual(OPEN_CALL_BUDGET);
    expect(isFreshtierError(stopped, 'SHARD_FENCED'), `the old writer stops fenced, got ${String(stopped)}`).toBe(true);
    expect(busy.ackedAfterCutoff, 'acks after the open returned').toBeLessThanOrEqual(1);
    const seen = (await tableRows(freshTable, [fresh])).map((r) => Number(r.id));
    expect(seen).toEqual(busy.acked); // every acked row, nothing else (ids ascend)
    await fresh.close();
  });
});
