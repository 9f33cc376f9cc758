/**
 * `BackpressureGate` on an injected clock (the writer's `clock` option): the grace period,
 * its renewal on progress and the wake-ups run on virtual time, so these checks wait on no
 * timer. (They replace the gate's real-clock tests, which raced 40/80 ms timers against a
 * 60 ms grace period.)
 */
import { MemoryStore, WriterClosedError, isFreshtierError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { BackpressureGate, systemClock } from '../src/shard/backpressure.js';
import { parseWriterOptions } from '../src/shard/options.js';
import { ShardWriter } from '../src/index.js';
import { ManualClock } from './support/manual-clock.js';
import { makeTable } from './support/fixtures.js';

const GRACE = 60;

function setup(bytes = { value: 500 }, stopped: { error?: Error } = {}) {
  const clock = new ManualClock();
  let relieved = 0;
  const probe = { unflushedBytes: () => bytes.value, relieve: () => void relieved++, lastFlushError: () => new Error('store down'), stopped: () => stopped.error };
  const gate = new BackpressureGate(2, { limit: 100, graceMs: GRACE }, probe, clock);
  let outcome: 'waiting' | 'admitted' | unknown = 'waiting';
  const admit = () => gate.admit().then(() => void (outcome = 'admitted'), (e: unknown) => void (outcome = e));
  return { clock, gate, bytes, stopped, admit, outcome: () => outcome, relieved: () => relieved };
}

/** Lets pending promise callbacks run (no timers involved). */
const flushMicrotasks = async () => { for (let i = 0; i < 10; i++) await Promise.resolve(); };

describe('BackpressureGate on a manual clock', () => {
  it('fails with BackpressureError exactly when the grace period has passed without progress', async () => {
    const t = setup();
    const done = t.admit();
    await flushMicrotasks();
    t.clock.advance(GRACE - 1);
    await flushMicrotasks();
    expect([t.outcome(), t.gate.waiting]).toEqual(['waiting', 1]);
    t.clock.advance(1);
    await done;
    expect(t.outcome()).toMatchObject({ code: 'BACKPRESSURE', context: { shard: 2, unflushedBytes: 500, limit: 100, waitedMs: GRACE } });
    expect((t.outcome() as Error).cause).toMatchObject({ message: 'store down' });
    expect(t.relieved()).toBeGreaterThan(0);
    expect(t.clock.sleeping).toBe(0);
  });

  it('each progress restarts the grace period; the put is admitted once memory is within the limit', async () => {
    const t = setup();
    const done = t.admit();
    await flushMicrotasks();
    t.clock.advance(40);
    t.gate.progress(); // progress, still over the limit
    await flushMicrotasks();
    t.clock.advance(40); // 80 ms since the start, 40 since the progress
    await flushMicrotasks();
    expect(t.outcome()).toBe('waiting');
    t.bytes.value = 50;
    t.gate.progress();
    await done;
    expect(t.outcome()).toBe('admitted');
    expect(t.clock.sleeping).toBe(0); // every sleep was dropped on wake-up
  });

  it('a standing clock never runs the grace out: only progress or a stop ends the wait', async () => {
    const t = setup();
    const done = t.admit();
    for (let i = 0; i < 5; i++) {
      t.gate.progress();
      await flushMicrotasks();
    }
    expect([t.outcome(), t.gate.waiting]).toEqual(['waiting', 1]);
    t.stopped.error = new WriterClosedError(2);
    t.gate.wake();
    await done;
    expect(t.outcome()).toMatchObject({ code: 'WRITER_CLOSED' });
  });

  it('a clock whose sleep rejects fails the waiting put with its error', async () => {
    const t = setup();
    t.clock.onSleep = () => {
      throw new Error('clock broke');
    };
    await t.admit();
    expect(t.outcome()).toMatchObject({ message: 'clock broke' });
  });

  it('under the limit a put is admitted at once: no wait, no relief asked, no clock consulted', async () => {
    const t = setup({ value: 100 });
    expect(t.gate.mustWait()).toBe(false);
    await t.admit();
    expect([t.outcome(), t.clock.sleeps, t.relieved()]).toEqual(['admitted', 0, 0]);
    t.bytes.value = 101;
    expect(t.gate.mustWait()).toBe(true);
  });
});

describe('systemClock', () => {
  it('sleep resolves at once when aborted (its timer is dropped), and immediately if already aborted', async () => {
    const abort = new AbortController();
    const slept = systemClock.sleep(1e9, abort.signal);
    abort.abort();
    await slept;
    await systemClock.sleep(1e9, abort.signal);
    expect(systemClock.now()).toBeGreaterThanOrEqual(0);
  });
});

describe('the clock option', () => {
  it('accepts a clock and refuses anything else, naming the field, before anything is claimed', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    expect(parseWriterOptions(table, { shard: 0, clock: new ManualClock() }).clock).toBeInstanceOf(ManualClock);
    expect(parseWriterOptions(table, { shard: 0 }).clock).toBeUndefined(); // the writer uses systemClock
    for (const clock of [{}, { now: () => 0 }, Date, 42]) {
      const before = (await store.list('')).map((m) => m.key);
      const err = await ShardWriter.open(table, { shard: 0, clock: clock as never }).catch((e: unknown) => e);
      expect(isFreshtierError(err, 'INVALID_OPTIONS')).toBe(true);
      expect((err as Error).message).toMatch(/clock: expected a clock/);
      expect((await store.list('')).map((m) => m.key)).toEqual(before);
    }
  });
});
