import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../src/group-commit.js';

function recorder(delayMs = 5) {
  const groups: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (items: number[]) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, delayMs));
    inFlight--;
    if (items.includes(-1)) throw new Error('boom');
    groups.push(items);
  };
  return { groups, write, maxInFlight: () => maxInFlight };
}

describe('GroupCommitter', () => {
  it('puts items enqueued together in one group and later arrivals in the next', async () => {
    const r = recorder();
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 0 });
    const first = [1, 2, 3].map((i) => gc.enqueue(i));
    await new Promise((res) => setImmediate(res)); // the first group is now being written
    const second = [4, 5].map((i) => gc.enqueue(i));
    await Promise.all([...first, ...second]);
    expect(r.groups).toEqual([[1, 2, 3], [4, 5]]);
    expect(r.maxInFlight()).toBe(1);
  });

  it('resolves an item only after its group was written', async () => {
    const r = recorder(10);
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 0 });
    let written = -1;
    await gc.enqueue(7).then(() => (written = r.groups.flat().indexOf(7)));
    expect(written).toBe(0);
  });

  it('caps groups at maxGroupBytes but never splits an oversized item', async () => {
    const r = recorder(1);
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: (i) => i, maxGroupBytes: 10, lingerMs: 0 });
    await Promise.all([4, 4, 4, 50, 1].map((i) => gc.enqueue(i)));
    expect(r.groups).toEqual([[4, 4], [4], [50], [1]]);
  });

  it('rejects every item of a failed group, and fail() rejects queued and future items', async () => {
    const r = recorder(5);
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 0 });
    const bad = [gc.enqueue(1), gc.enqueue(-1)];
    await expect(bad[0]).rejects.toThrow('boom');
    await expect(bad[1]).rejects.toThrow('boom');
    const queued = gc.enqueue(3);
    gc.fail(new Error('dead'));
    await expect(queued).rejects.toThrow('dead');
    await expect(gc.enqueue(4)).rejects.toThrow('dead');
  });

  it('lingers for lingerMs, and drain() skips the linger', async () => {
    const r = recorder(0);
    const gc = new GroupCommitter<number>({ write: r.write, sizeOf: () => 1, maxGroupBytes: 100, lingerMs: 10_000 });
    void gc.enqueue(1);
    await new Promise((res) => setTimeout(res, 20));
    expect(r.groups).toEqual([]);
    expect(gc.pendingWrites).toBe(1);
    await gc.drain();
    expect(r.groups).toEqual([[1]]);
    expect(gc.pendingWrites).toBe(0);
  });
});
