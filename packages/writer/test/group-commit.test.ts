/**
 * `GroupCommitter` against a recording `write`. No test waits on a timer: a write ends on the
 * next turn of the event loop, or — `gated` — when the test releases it; the linger runs on
 * fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitter } from '../src/shard/group-commit.js';

function recorder(gated = false) {
  const groups: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const writing = new Promise<void>((r) => (started = r));
  const write = async (items: number[]) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    started();
    await (gated ? gate : new Promise((r) => setImmediate(r)));
    inFlight--;
    if (items.includes(-1)) throw new Error('boom');
    groups.push(items);
  };
  /** `writing` resolves when the first write started; `release` lets gated writes end. */
  return { groups, write, maxInFlight: () => maxInFlight, writing, release };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('GroupCommitter', () => {
  it('puts items enqueued together in one group and later arrivals in the next', async () => {
    const r = recorder(true);
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 0 });
    const first = [1, 2, 3].map((i) => gc.enqueue(i));
    await r.writing; // the first group is now being written, and waits for release()
    const second = [4, 5].map((i) => gc.enqueue(i));
    r.release();
    await Promise.all([...first, ...second]);
    expect(r.groups).toEqual([[1, 2, 3], [4, 5]]);
    expect(r.maxInFlight()).toBe(1);
  });

  it('resolves an item only after its group was written', async () => {
    const r = recorder();
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 0 });
    let written = -1;
    await gc.enqueue(7).then(() => (written = r.groups.flat().indexOf(7)));
    expect(written).toBe(0);
  });

  it('caps groups at maxGroupBytes but never splits an oversized item', async () => {
    const r = recorder();
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: (i) => i, maxGroupBytes: 10, lingerMs: 0 });
    await Promise.all([4, 4, 4, 50, 1].map((i) => gc.enqueue(i)));
    expect(r.groups).toEqual([[4, 4], [4], [50], [1]]);
  });

  it('rejects every item of a failed group and everything after it, and fail() rejects queued and future items', async () => {
    const r = recorder();
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 0 });
    const bad = [gc.enqueue(1), gc.enqueue(-1)];
    await expect(bad[0]).rejects.toThrow('boom');
    await expect(bad[1]).rejects.toThrow('boom');
    await expect(gc.enqueue(3)).rejects.toThrow('boom'); // nothing is written after a failed group
    const healthy = new GroupCommitter<number>({ write: recorder(true).write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 0 });
    const queued = healthy.enqueue(3);
    healthy.fail(new Error('dead'));
    await expect(queued).rejects.toThrow('dead');
    await expect(healthy.enqueue(4)).rejects.toThrow('dead');
  });

  it('lingers for lingerMs (on fake timers), and drain() skips the linger', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const r = recorder();
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 10_000 });
    void gc.enqueue(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(r.groups).toEqual([]);
    expect(gc.pendingWrites).toBe(1);
    await gc.drain();
    expect(r.groups).toEqual([[1]]);
    expect(gc.pendingWrites).toBe(0);
    const late = gc.enqueue(2); // idle again: lingers the full period
    await vi.advanceTimersByTimeAsync(9_999);
    expect(r.groups).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(1);
    await late;
    expect(r.groups).toEqual([[1], [2]]);
  });
});
