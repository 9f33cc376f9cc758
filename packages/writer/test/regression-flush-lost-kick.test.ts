/**
 * Regression (issue 18, found by backpressure-healthy-store.test.ts): a generation that froze
 * while a background flush round ran — after the round had chosen its slots — was never
 * flushed when that round committed nothing. Its freeze kicked the flusher while the loop was
 * running (a no-op), and the loop then stopped on "nothing committed". On a healthy store a
 * put waiting at backpressure then waited for the grace period and failed with
 * `BackpressureError` (with a standing-still clock: forever).
 *
 * The round commits nothing when the oldest generation in memory is still sealed (its WAL
 * write in flight) while a younger frozen one is written; the sealed one freezes during that
 * write. Driven through a fake `FlushHost` with deferred promises: no timers, no store.
 */
import { MemoryStore, type FlushedGeneration } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { preparePut } from '../src/shard/batches.js';
import { Flusher, type FlushHost } from '../src/flush/flusher.js';
import { MemtableSlot } from '../src/shard/memtable-slot.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

const OPTIONS = { autoFlush: true, flushRetry: { initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 3 } };

/** Lets every pending `setImmediate` (the flusher's kick) and promise run, a bounded number of times. */
async function idle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

function filesOf(slot: MemtableSlot): FlushedGeneration {
  return { generation: slot.generation, file: { path: `g${slot.generation}`, rows: slot.memtable.rowCount, bytes: 1, rowGroupSize: 1 }, batchRowOffsets: [...slot.memtable.batchRowOffsets], walLast: -1, source: 'flush' };
}

describe('regression: a generation frozen during a flush round is flushed', () => {
  it('the oldest generation freezes while a younger one is written: both are committed', async () => {
    const table = await makeTable(new MemoryStore());
    const batch = preparePut(table, 0, rangeBatch(0, 3));
    const older = MemtableSlot.active(0, 1, true);
    const index = older.reserve(batch); // its WAL write is in flight
    older.seal(); // sealed, not frozen
    const younger = MemtableSlot.active(0, 2, true);
    younger.apply(batch, younger.reserve(batch), -1);
    younger.seal(); // frozen at once
    let slots = [older, younger, MemtableSlot.active(0, 3, true)];
    const committed: number[][] = [];
    let flusher!: Flusher;
    const host: FlushHost = {
      slots: () => slots,
      writeFiles: async (slot) => {
        if (slot === younger) {
          // the WAL write lands meanwhile: the older generation freezes and kicks, as the writer does
          if (older.apply(batch, index, 5)) flusher.kick();
        }
        return filesOf(slot);
      },
      commit: async (prefix) => {
        committed.push(prefix.map((s) => s.generation));
        slots = slots.filter((s) => !prefix.includes(s));
      },
      settle: async () => undefined,
      fatal: () => undefined,
      failed: () => undefined,
      starting: () => undefined,
    };
    flusher = new Flusher(host, OPTIONS);
    flusher.kick();
    await idle();
    expect(older.state).toBe('frozen');
    expect(committed).toEqual([[1, 2]]);
    expect(slots.map((s) => s.generation)).toEqual([3]);
  });
});
