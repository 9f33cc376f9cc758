/**
 * Story: compactions race (docs/base-table.md "Compaction", step 6). Two
 * compactions that planned on the same base version commit one after the other:
 * - of different shards: the loser commits again on the new base without redoing
 *   its work, and both shards' files and marks are in the result;
 * - of the same shard: the loser sees the mark moved, plans again, finds nothing
 *   left and commits nothing — the generations are never applied twice.
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, splitByShard } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { modelRows, tableRows } from './support/table-state.js';

async function setup() {
  const store = new FaultyStore(new MemoryStore());
  const table = await makeTable(store, { shards: 2 });
  const writers = await Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard, autoFlush: false })));
  for (const [s, part] of splitByShard(table, rangeBatch(0, 100, 1))) await writers[s].put(part);
  for (const w of writers) await w.close();
  const model = new Map(Array.from({ length: 100 }, (_, id) => [id, 1] as [number, number]));
  return { store, table, model };
}

/** Holds the first `count` base manifest commits until `release()`; `reached` resolves once all of them wait, so all plan on the same base. */
function holdBaseCommits(store: FaultyStore, count: number) {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const reached = new Promise<void>((r) => (arrived = r));
  let held = 0;
  store.inject({
    ops: 'putIfAbsent', mode: 'delay', until,
    key: (k) => {
      if (!/^base\/_manifests\/v/.test(k) || held >= count) return false;
      if (++held === count) arrived();
      return true;
    },
  });
  return { reached, release };
}

describe('concurrent compactions', () => {
  it('of different shards: the loser commits again on the new base', async () => {
    const { store, table, model } = await setup();
    const hold = holdBaseCommits(store, 2);
    const both = Promise.all([compact(table, { shard: 0 }), compact(table, { shard: 1 })]);
    await hold.reached; // both compactions are at their commit
    hold.release();
    const results = await both;
    expect(results.map((r) => r.committed)).toEqual([true, true]);
    expect(results.map((r) => r.baseVersion).sort()).toEqual([1, 2]);
    expect(results.map((r) => r.attempts)).toEqual([1, 1]); // no replanning: the work was kept
    const { doc } = await table.baseManifests.latest();
    expect(Object.keys(doc.compacted).sort()).toEqual(['0', '1']);
    expect(new Set(doc.files.map((f) => f.shard))).toEqual(new Set([0, 1]));
    expect(await tableRows(table)).toEqual(modelRows(model));
  });

  it('of the same shard: the loser replans and applies nothing twice', async () => {
    const { store, table, model } = await setup();
    const hold = holdBaseCommits(store, 2);
    const both = Promise.all([compact(table, { shard: 0 }), compact(table, { shard: 0 })]);
    await hold.reached; // both compactions are at their commit
    hold.release();
    const results = await both;
    expect(results.map((r) => r.committed).sort()).toEqual([false, true]);
    const loser = results.find((r) => !r.committed)!;
    expect(loser.attempts).toBe(2);
    expect(await table.baseManifests.latestVersion()).toBe(1);
    expect(await tableRows(table)).toEqual(modelRows(model));
  });
});
