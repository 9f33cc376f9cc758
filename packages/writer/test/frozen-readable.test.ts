/**
 * Story: frozen stays readable (DESIGN.md invariants 2 and 3). A frozen memtable
 * is in `inMemoryMemtableRefs()` from its freeze until the manifest commit that
 * publishes it succeeds — also across failed flushes — so no row is ever in
 * neither the memtables nor the manifest; and a key rewritten after the freeze
 * reads as the rewrite throughout.
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard, type ShardState } from './support/read-shard.js';

function snapshot(state: ShardState): [string, number | null][] {
  return [...state.rows.values()].map((r) => [r.id, r.v] as [string, number | null]).sort((a, b) => Number(a[0]) - Number(b[0]));
}

describe('frozen memtables stay readable', () => {
  it('between freeze and commit, after a failed flush, and leave only after the commit', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushRetry: { maxAttempts: 2, initialDelayMs: 1 } });
    await w.put(rangeBatch(0, 10, 1));
    const g = w.freeze()!;
    await w.put(rangeBatch(5, 15, 2)); // rewrites 5..9 in the new active memtable
    const expected = await readShard(table, 0, w);
    expect(expected.rows.size).toBe(15);
    expect(expected.rows.get('7')?.v).toBe(2); // active wins over frozen
    expect(w.inMemoryMemtableRefs().refs.map((r) => r.memtable.generation)).toEqual([g, g + 1]);

    const bytesBefore = w.unflushedBytes;
    const rule = store.inject({ ops: 'putIfAbsent', key: '/gen-' });
    await expect(w.flush()).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(w.inMemoryMemtableRefs().refs.map((r) => r.memtable.generation)).toEqual([g, g + 1, g + 2]);
    expect(w.unflushedBytes).toBeGreaterThanOrEqual(bytesBefore); // still counted toward memory
    expect(w.manifest.doc.flushed).toEqual([]);
    expect(snapshot(await readShard(table, 0, w))).toEqual(snapshot(expected));

    rule.remove();
    let atCommit: number[] | undefined;
    store.beforeOp = (op, key) => {
      if (op === 'putIfAbsent' && key.includes('/_manifests/v')) atCommit = w.inMemoryMemtableRefs().refs.map((r) => r.memtable.generation);
    };
    await w.flush();
    expect(atCommit).toEqual([g, g + 1, g + 2]); // still in memory while the commit is being written
    expect(w.inMemoryMemtableRefs().refs.map((r) => r.memtable.generation)).toEqual([g + 2]);
    expect(w.manifest.doc.flushed.map((f) => f.generation)).toEqual([g, g + 1]);
    expect(snapshot(await readShard(table, 0, w))).toEqual(snapshot(expected));
    expect(snapshot(await readShard(table, 0))).toEqual(snapshot(expected)); // also without the writer
  });

  it('a reader polling during background flushes never misses a row', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    store.inject({ ops: 'putIfAbsent', key: '/gen-', mode: 'fail', every: 3 });
    // the delay only lets reads interleave with commits in flight: the check holds whatever the timing
    store.inject({ ops: 'putIfAbsent', key: '/_manifests/v', mode: 'delay', delayMs: 5 });
    const w = await ShardWriter.open(table, { shard: 0, maxMemtableRows: 40, flushRetry: { initialDelayMs: 1, maxDelayMs: 5 } });
    const model = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const lo = (i * 17) % 100;
      await w.put(rangeBatch(lo, lo + 15, i));
      for (let id = lo; id < lo + 15; id++) model.set(String(id), i);
      const state = await readShard(table, 0, w);
      expect(snapshot(state)).toEqual([...model].map(([k, v]) => [k, v]).sort((a, b) => Number(a[0]) - Number(b[0])));
    }
    await w.close();
    expect((await readShard(table, 0)).rows.size).toBe(model.size);
  });
});
