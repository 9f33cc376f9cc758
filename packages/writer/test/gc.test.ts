/**
 * Story: GC reclaims storage without breaking a reader it promised to serve
 * (DESIGN.md "Compaction, versions, GC"; docs/base-table.md "GC").
 *
 * A table goes through flushes and compactions while a tag and a pinned snapshot
 * hold older versions. GC never deletes what the tagged version or the snapshot
 * reads (both read the same rows after it), nor anything younger than the
 * retention window; once the tag is deleted and the snapshot released it reclaims
 * everything else past retention: only the newest manifests, the newest base
 * files and the WAL's fence entries remain. A dry run deletes nothing.
 */
import { MemoryStore, layout, type ObjectStore, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter, checkout, compact, deleteTag, gc, readWalEntry, tag } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { plainRows, tableRows } from './support/table-state.js';

const HOUR = 3_600_000;
const later = () => Date.now() + 10 * HOUR; // everything written so far is past retention then

async function keysOf(store: ObjectStore): Promise<string[]> {
  return (await store.list('')).map((m) => m.key).sort();
}

async function setup() {
  const store = new MemoryStore();
  const table = await makeTable(store);
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
  const write = async (lo: number, hi: number, v: number) => {
    await writer.put(rangeBatch(lo, hi, v));
    await writer.flush();
  };
  return { store, table, writer, write };
}

/** Story so far: a snapshot pinned before any compaction, a tag on the first compaction. */
async function history() {
  const s = await setup();
  await s.write(0, 50, 1); // generation 1
  const snap = await new LsmScanner(s.table, { snapshotRetentionMs: 24 * HOUR }).snapshot(); // base v0 + generation 1
  const snapRows = plainRows(await snap.scan().toTable());
  await s.write(25, 75, 2); // generation 2
  await compact(s.table, { shard: 0 }); // base v1
  await tag(s.table, 'keep');
  const tagRows = await tableRows(s.table);
  await s.write(0, 10, 3);
  await compact(s.table, { shard: 0 }); // base v2: rewrites v1's file
  await s.write(60, 80, 4);
  await compact(s.table, { shard: 0 }); // base v3
  return { ...s, snap, snapRows, tagRows, headRows: await tableRows(s.table) };
}

function generationFile(table: Table, generation: number): Promise<string> {
  return table.shardManifests(0).latest().then(({ doc }) => doc.flushed.find((f) => f.generation === generation)!.file.path);
}

describe('gc', () => {
  it('a dry run lists what it would delete and deletes nothing', async () => {
    const { store, table, writer } = await history();
    const before = await keysOf(store);
    const report = await gc(table, { olderThan: HOUR, dryRun: true, now: later() });
    expect(report.dryRun).toBe(true);
    expect(report.objects).toBeGreaterThan(0);
    expect(report.deleted.manifests).toContain(layout.manifest(layout.baseManifests, 2));
    expect(await keysOf(store)).toEqual(before);
    await writer.close();
  });

  it('never deletes what a tagged version or a pinned snapshot reads, nor anything in the window', async () => {
    const { store, table, writer, snap, snapRows, tagRows, headRows } = await history();
    const young = await gc(table, { olderThan: HOUR }); // everything is younger than an hour
    expect(young.objects).toBe(0);
    const before = await keysOf(store);
    const report = await gc(table, { olderThan: HOUR, now: later() });
    const after = await keysOf(store);
    expect(report.fenceVersion).toBeDefined(); // base files were deleted: GC fenced compactions first (one new base version)
    expect(after.length).toBe(before.length + 1 - report.objects);
    expect(report.objects).toBeGreaterThan(0);
    expect(plainRows(await snap.scan().toTable())).toEqual(snapRows);
    expect(plainRows(await (await checkout(table, 'keep')).scan().toTable())).toEqual(tagRows);
    expect(await tableRows(table)).toEqual(headRows);
    expect(after).toContain(await generationFile(table, 1)); // only the snapshot (base v0) still reads it
    // 0: the snapshot, 1: the tag, 4: the newest, GC's fence (v3's content again, so v3 itself can go)
    expect(report.kept.baseVersions).toEqual([0, 1, report.fenceVersion]);
    expect(report.fenceVersion).toBe(4);
    expect(after).not.toContain(layout.manifest(layout.baseManifests, 2));
    await writer.close();
  });

  it('reclaims everything else past retention once the tag and snapshot are gone', async () => {
    const { store, table, writer, snap, headRows } = await history();
    const tagged = (await table.baseManifests.load(1)).files.map((f) => f.path);
    await deleteTag(table, 'keep');
    snap.release();
    const report = await gc(table, { olderThan: HOUR, now: later() });
    expect(report.deleted.baseFiles).toEqual(expect.arrayContaining(tagged));
    expect(report.deleted.generationFiles).toContain(await generationFile(table, 1));
    expect(await tableRows(table)).toEqual(headRows);
    await expect(snap.scan().toTable()).rejects.toThrow(/Snapshot expired|gone/);
    const remaining = await keysOf(store);
    const { version: baseV, doc: base } = await table.baseManifests.latest();
    const shardV = await table.shardManifests(0).latestVersion();
    const expected = [
      layout.tableDoc, `${layout.baseManifests}_latest`, layout.manifest(layout.baseManifests, baseV),
      ...base.files.flatMap((f) => [f.path, f.keyIndexPath!]),
      `${layout.shardManifests(0)}_latest`, layout.manifest(layout.shardManifests(0), shardV),
      // the first and last version of each epoch stay as guards (gc-retention.ts): here the writer's claim
      ...report.kept.shardVersions[0].filter((v) => v !== shardV).map((v) => layout.manifest(layout.shardManifests(0), v)),
    ];
    expect(report.kept.shardVersions[0]).toEqual([1, shardV]);
    const wal = remaining.filter((k) => k.startsWith(layout.walDir(0)));
    for (const k of wal) expect((await readWalEntry(store, 0, Number(k.slice(-24, -4)), '.ftw')).kind, k).toBe('fence');
    expect(remaining.filter((k) => !wal.includes(k)).sort()).toEqual(expected.sort());
    expect((await gc(table, { olderThan: HOUR, now: later() })).objects).toBe(0); // nothing left to reclaim
    await writer.close();
  });
});
