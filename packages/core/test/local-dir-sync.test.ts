/**
 * `DirSyncs`: concurrent writes into one directory share directory fsyncs, and each
 * still gets one that started after its call (durability exactly as one fsync per
 * write). Driven by a controllable fsync: no timers, seeded interleavings.
 */
import fc from 'fast-check';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirSyncs } from '../src/store/local-dir-sync.js';
import { LocalStore } from '../src/store/local-store.js';

/** An fsync the test finishes by hand; records when each started. */
function manualFsync() {
  const runs: { dir: string; startedAt: number; finish: () => void; fail: (e: Error) => void }[] = [];
  let clock = 0;
  const fsyncDir = (dir: string) => new Promise<void>((finish, fail) => runs.push({ dir, startedAt: ++clock, finish, fail }));
  return { runs, fsyncDir, tick: () => ++clock };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('DirSyncs', () => {
  it('five writes during one fsync share the next one: two fsyncs, not five', async () => {
    const f = manualFsync();
    const syncs = new DirSyncs(f.fsyncDir);
    const first = syncs.sync('/w');
    const later = Array.from({ length: 5 }, () => syncs.sync('/w'));
    expect(f.runs).toHaveLength(1);
    f.runs[0].finish();
    await first;
    await turn();
    expect(f.runs).toHaveLength(2); // one more, started after all five calls
    f.runs[1].finish();
    await Promise.all(later);
    expect(f.runs).toHaveLength(2);
  });

  it('a failed fsync fails the writes waiting on it, and the next one runs afresh', async () => {
    const f = manualFsync();
    const syncs = new DirSyncs(f.fsyncDir);
    const a = syncs.sync('/w');
    f.runs[0].fail(new Error('EIO'));
    await expect(a).rejects.toThrow('EIO');
    const b = syncs.sync('/w');
    f.runs[1].finish();
    await b;
  });

  it('(property, seeded) every call resolves only after an fsync of its directory that started after the call', async () => {
    const op = fc.oneof(fc.record({ call: fc.constantFrom('/a', '/b') }), fc.record({ finish: fc.nat({ max: 3 }) }));
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
      const f = manualFsync();
      const syncs = new DirSyncs(f.fsyncDir);
      const calls: { dir: string; at: number; resolvedBy?: number }[] = [];
      const finished = new Set<number>();
      const pending: Promise<void>[] = [];
      const finishRun = (i: number) => {
        finished.add(i);
        f.runs[i].finish();
      };
      for (const o of ops) {
        if ('call' in o) {
          const c = { dir: o.call, at: f.tick() };
          calls.push(c);
          pending.push(syncs.sync(o.call).then(() => void (c.resolvedBy = latestFinished(f.runs, finished, c.dir))));
        } else {
          const open = f.runs.map((_, i) => i).filter((i) => !finished.has(i));
          if (open.length > 0) finishRun(open[o.finish % open.length]);
        }
        await turn();
      }
      for (let i = 0; i < f.runs.length || calls.some((c) => c.resolvedBy === undefined); i++) {
        while (i >= f.runs.length) await turn();
        if (!finished.has(i)) finishRun(i);
        await turn();
      }
      await Promise.all(pending);
      for (const c of calls) expect(c.resolvedBy).toBeGreaterThan(c.at);
    }), { seed: 1604, numRuns: 100 });
  });
});

/** The start time of the latest-starting finished fsync of `dir` (what a resolved call can rely on). */
function latestFinished(runs: readonly { dir: string; startedAt: number }[], finished: Set<number>, dir: string): number {
  let best = -1;
  runs.forEach((r, i) => {
    if (finished.has(i) && r.dir === dir) best = Math.max(best, r.startedAt);
  });
  return best;
}

describe('LocalStore writes', () => {
  it('recreates a directory removed after the store created it', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'ft-dirsync-'));
    try {
      const store = new LocalStore(base);
      expect(await store.putIfAbsent('shards/0/wal/1', new Uint8Array([1]))).toBe('created');
      await rm(path.join(base, 'shards'), { recursive: true });
      expect(await store.putIfAbsent('shards/0/wal/2', new Uint8Array([2]))).toBe('created');
      await store.put('shards/0/wal/3', new Uint8Array([3]));
      expect(await readdir(path.join(base, 'shards/0/wal'))).toEqual(['2', '3']); // no temporary file left
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
