/**
 * Bad-input cases for backpressure on a healthy store (issue 18, "Liveness: backpressure on
 * a healthy store"), run by bad-input.test.ts on the shared fixture (ids 0..19 flushed,
 * 20..49 in the WAL of a "crashed" writer, which the writer replays into frozen memtables).
 *
 * Tiny `maxUnflushedBytes` is odd but valid input, with a documented rule: backpressure
 * counts data held, never capacity that holds nothing, so puts are accepted as soon as
 * flushing catches up; a put larger than the limit is accepted alone. Every acked row reads
 * back, with the writer and after its close.
 *
 * The grace period runs on a clock that stands still, so a put resolves only through a
 * flush (no wall-clock wait); a put that starts waiting while nothing is frozen to flush
 * would wait forever, and fails the case at once instead.
 */
import { ShardWriter, type ShardWriterOptions, type WriterClock } from '@freshtier/writer';
import { expect } from 'vitest';
import { rangeBatch } from '../src/data.js';
import { scanAll } from '../src/recover.js';
import type { Fixture, InputCase } from './bad-input-cases.js';

/** A clock that never moves; its `sleep` (a put starting to wait) checks that a flush can release memory. */
function standingClock(writer: () => ShardWriter | undefined): WriterClock {
  return {
    now: () => 0,
    sleep: (_ms, signal) => new Promise<void>((resolve, reject) => {
      const status = writer()?.status();
      if (status && status.frozenGenerations.length === 0) {
        reject(new Error(`a put waits at backpressure with nothing frozen to flush (${status.unflushedBytes} bytes): it would wait forever`));
        return;
      }
      signal.addEventListener('abort', () => resolve(), { once: true });
    }),
  };
}

/** Opens the fixture's writer (it replays ids 20..49) with `options` and a standing clock, then marks. */
async function openThenMark(f: Fixture, mark: () => Promise<void>, options: Omit<ShardWriterOptions, 'shard'>): Promise<ShardWriter> {
  let w: ShardWriter | undefined;
  w = await ShardWriter.open(f.table, { shard: 0, clock: standingClock(() => w), ...options });
  await mark();
  return w;
}

/** The ids a scan returns (with `writer`'s memtables, if given), ascending. */
async function ids(f: Fixture, writer?: ShardWriter): Promise<number[]> {
  return (await scanAll(f.table, writer ? [writer] : [])).rows.map((r) => r.id).sort((a, b) => a - b);
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);

/** Checks that `expected` ids read back with the writer, then after it closes (everything flushed). */
async function readsBack(f: Fixture, w: ShardWriter, expected: number[]): Promise<undefined> {
  expect(await ids(f, w)).toEqual(expected);
  await w.close();
  expect(await ids(f)).toEqual(expected);
  return undefined;
}

export const BACKPRESSURE_INPUTS: InputCase[] = [
  { name: 'maxUnflushedBytes 1: a 1-row put is accepted once the replayed generations flush, and reads back', expected: 'rule',
    act: async (f, mark) => {
      const w = await openThenMark(f, mark, { maxUnflushedBytes: 1 });
      await w.put(rangeBatch(1_000, 1_001, 9));
      return readsBack(f, w, [...range(0, 50), 1_000]);
    } },
  { name: 'maxUnflushedBytes 1: a 50,000-row put is accepted alone, the next waits for its flush; all read back', expected: 'rule',
    act: async (f, mark) => {
      const w = await openThenMark(f, mark, { maxUnflushedBytes: 1 });
      await w.put(rangeBatch(1_000, 51_000, 9));
      await w.put(rangeBatch(60_000, 60_001, 10));
      return readsBack(f, w, [...range(0, 50), ...range(1_000, 51_000), 60_000]);
    } },
  { name: 'maxUnflushedBytes 20,000, async: after a 50,000-row flush, 1-row puts keep being accepted', expected: 'rule',
    act: async (f, mark) => {
      const w = await openThenMark(f, mark, { maxUnflushedBytes: 20_000, durability: 'async' });
      await w.put(rangeBatch(1_000, 51_000, 9));
      await w.flush(); // the next active memtable is sized for 50,000 keys and holds none
      for (let i = 0; i < 5; i++) await w.put(rangeBatch(60_000 + i, 60_001 + i, 10 + i));
      return readsBack(f, w, [...range(0, 50), ...range(1_000, 51_000), ...range(60_000, 60_005)]);
    } },
];
