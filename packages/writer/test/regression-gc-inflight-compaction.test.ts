/**
 * Regression (issue 18, "Maintenance that loses rows"): GC with `olderThan: 0` deleted
 * the new base files of a compaction that had written them but not committed yet; the
 * compaction then committed a base version naming missing files, and every read failed.
 *
 * The GC fence (gc-fence.ts) fixes it: GC commits a base version with `gcFence + 1`
 * before deleting unnamed base files, and a compaction that planned before that
 * version does not commit after it — it deletes its files and plans again. Tests:
 * - GC runs while the compaction's commit is held: the compaction redoes its work,
 *   commits, and every row reads;
 * - the compaction commits between GC's listing and GC's fence: its files are named
 *   by a version GC reads, so they stay;
 * - a compaction that keeps losing to GC fences gives up with `CommitConflictError`
 *   after a bounded number of plans, leaving no file behind.
 */
import { CommitConflictError, MemoryStore, isFreshtierError, type Table } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, gc } from '../src/index.js';
import { commitGcFence, gcFenceOf } from '../src/maintenance/gc-fence.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { holdCall } from './support/hold.js';
import { modelRows, tableRows } from './support/table-state.js';

const FAR_AHEAD = Date.now() + 10 * 365 * 24 * 3_600_000;
const BASE_COMMIT = /^base\/_manifests\/v\d{20}\.json$/;

/** A table with base files (one compaction done) and one more flushed generation to compact. */
async function setup() {
  const store = new FaultyStore(new MemoryStore());
  const table = await makeTable(store);
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
  const model = new Map<number, number>();
  const put = async (lo: number, hi: number, v: number) => {
    await writer.put(rangeBatch(lo, hi, v));
    for (let id = lo; id < hi; id++) model.set(id, v);
    await writer.flush();
  };
  await put(0, 100, 1);
  await compact(table, { shard: 0 });
  await put(50, 150, 2);
  return { store, table, writer, model };
}

async function baseDataKeys(table: Table): Promise<string[]> {
  return (await table.store.list('base/data/')).map((m) => m.key).sort();
}

async function namedBaseFiles(table: Table): Promise<string[]> {
  const { doc } = await table.baseManifests.latest();
  return doc.files.flatMap((f) => [f.path, f.keyIndexPath!]).sort();
}

/** Every base file some stored base version names. */
async function namedByStoredVersions(table: Table): Promise<Set<string>> {
  const out = new Set<string>();
  for (const v of await table.baseManifests.versions()) for (const f of (await table.baseManifests.load(v)).files) out.add(f.path).add(f.keyIndexPath!);
  return out;
}

describe('gc while a compaction is in flight', () => {
  it('the compaction whose files GC deleted does not commit them: it plans again, and every row reads', async () => {
    const { store, table, writer, model } = await setup();
    const commit = holdCall(store, 'putIfAbsent', BASE_COMMIT);
    const compacting = compact(table, { shard: 0 });
    await commit.reached; // new base files written, the commit waits
    const report = await gc(table, { olderThan: 0, now: FAR_AHEAD });
    commit.release();
    const result = await compacting;
    expect(await tableRows(table, [writer])).toEqual(modelRows(model));
    expect(await tableRows(table)).toEqual(modelRows(model));
    expect(report.fenceVersion).toBeDefined();
    expect(report.deleted.baseFiles.length).toBeGreaterThan(0); // the compaction's unnamed files among them
    expect(result.committed).toBe(true);
    expect(result.attempts).toBe(2); // the first plan was abandoned at the fence
    expect(gcFenceOf((await table.baseManifests.latest()).doc)).toBe(1);
    const stored = await namedByStoredVersions(table);
    expect((await baseDataKeys(table)).filter((k) => !stored.has(k))).toEqual([]); // the abandoned files are gone
    for (const k of await namedBaseFiles(table)) expect(await store.head(k), k).toBeDefined();
    expect(await tableRows(table, [writer])).toEqual(modelRows(model));
    expect(await tableRows(table)).toEqual(modelRows(model));
    await gc(table, { olderThan: 0, now: FAR_AHEAD });
    expect(await tableRows(table)).toEqual(modelRows(model));
    await writer.close();
  });

  it('a compaction that commits between GC\'s listing and its fence keeps its files', async () => {
    const { store, table, writer, model } = await setup();
    const compactionCommit = holdCall(store, 'putIfAbsent', BASE_COMMIT);
    const compacting = compact(table, { shard: 0 });
    await compactionCommit.reached; // its files exist: GC's listing will see them unnamed
    const afterListing = holdCall(store, 'list', /^shards\/0\/$/); // GC lists base/data/ first, then the shards
    const collecting = gc(table, { olderThan: 0, now: FAR_AHEAD });
    await afterListing.reached;
    compactionCommit.release();
    const result = await compacting; // commits before GC's fence
    expect(result.attempts).toBe(1);
    afterListing.release();
    const report = await collecting;
    for (const f of result.filesWritten) expect(report.deleted.baseFiles).not.toContain(f.path);
    expect(await baseDataKeys(table)).toEqual(await namedBaseFiles(table));
    expect(await tableRows(table)).toEqual(modelRows(model));
    await writer.close();
  });

  it('a compaction that loses to a GC fence at every commit gives up with CommitConflictError and leaves no file', async () => {
    const { store, table, writer, model } = await setup();
    const named = await namedBaseFiles(table);
    let fencing = false;
    store.beforeOp = async (op, key) => {
      if (op !== 'putIfAbsent' || !BASE_COMMIT.test(key) || fencing) return;
      fencing = true; // a GC fence lands right before each compaction commit
      await commitGcFence(table).finally(() => (fencing = false));
    };
    const err = await compact(table, { shard: 0 }).then(() => undefined, (e: unknown) => e);
    store.beforeOp = undefined;
    expect(err).toBeInstanceOf(CommitConflictError);
    expect(isFreshtierError(err, 'COMMIT_CONFLICT')).toBe(true);
    expect(await baseDataKeys(table)).toEqual(named); // every abandoned file was deleted
    expect(await tableRows(table)).toEqual(modelRows(model));
    expect((await compact(table, { shard: 0 })).committed).toBe(true); // without GC in the way it succeeds
    expect(await tableRows(table)).toEqual(modelRows(model));
    await writer.close();
  });
});
