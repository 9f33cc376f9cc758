/**
 * Reading at given manifest versions (`LsmScannerOptions.at`, used by `checkout`),
 * skipping generations a rollback excluded (base manifest `excluded`), and the
 * registry of live snapshots that GC consults — over data of the real writer and compaction.
 */
import { InvalidOptionsError, MemoryStore, liveSnapshotPins, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { agesById, idsBatch, user, usersTable } from '../../../scanner/test/support/data.js';
import { Writers, compactShard } from '../support/writers.js';

async function versionsNow(table: Table) {
  const baseVersion = await table.baseManifests.latestVersion();
  const shardVersions = await Promise.all(Array.from({ length: table.shardCount }, (_, s) => table.shardManifests(s).latestVersion()));
  return { baseVersion, shardVersions };
}

describe('pinned versions', () => {
  it('read the table as it was at those versions, whatever happened since', async () => {
    const table = await usersTable({ shards: 2 });
    const writers = await Writers.open(table, 8);
    await writers.put(Array.from({ length: 20 }, (_, i) => user(i, 1)));
    await writers.flushAll();
    const v1 = await versionsNow(table);
    await writers.put(Array.from({ length: 10 }, (_, i) => user(i, 2)));
    await writers.delete([15n]);
    await writers.flushAll();
    for (let s = 0; s < 2; s++) await compactShard(table, s, 8);
    await writers.put([user(3, 9)]);
    const old = new LsmScanner(table, { at: v1 });
    const rows = agesById(await old.scan().toTable());
    expect(rows.size).toBe(20);
    expect([...rows.values()].every((age) => age === 1)).toBe(true);
    expect(agesById(await old.get(idsBatch([3, 15])))).toEqual(new Map([[3n, 1], [15n, 1]]));
    expect(await old.containsPks(idsBatch([15, 99]))).toEqual([true, false]);
    const snap = await old.snapshot();
    expect(snap.baseVersion).toBe(v1.baseVersion);
    expect(snap.shardVersions).toEqual(v1.shardVersions);
    expect(agesById(await snap.scan().toTable())).toEqual(rows);
    const now = agesById(await new LsmScanner(table, { writers: writers.byShard }).scan().toTable());
    expect(now.get(3n)).toBe(9);
    expect(now.has(15n)).toBe(false);
  });

  it('refuse writers and malformed versions', () => {
    return usersTable({ shards: 2 }).then(async (table) => {
      const writers = await Writers.open(table);
      expect(() => new LsmScanner(table, { at: { baseVersion: 0, shardVersions: [0, 0] }, writers: writers.byShard })).toThrow(InvalidOptionsError);
      expect(() => new LsmScanner(table, { at: { baseVersion: 0, shardVersions: [0] } })).toThrow(/one shard manifest version/);
      expect(() => new LsmScanner(table, { at: { baseVersion: -1, shardVersions: [0, 0] } })).toThrow(/at.baseVersion/);
    });
  });

  it('skip generations the base version excludes, in scans, lookups and cuts', async () => {
    const table = await usersTable();
    const writers = await Writers.open(table);
    const [w] = writers.byShard;
    await writers.put([user(1, 1), user(2, 1)]);
    await w.flush(); // generation 1
    await writers.put([user(1, 2), user(3, 2)]);
    await w.flush(); // generation 2: to be excluded
    await writers.put([user(4, 3)]); // generation 3, in memory: counts
    const base = await table.baseManifests.latest();
    await table.baseManifests.commit(base.version + 1, { ...base.doc, excluded: { '0': [{ above: 1, below: 3 }] }, note: 'rollback (test)' });
    const scanner = new LsmScanner(table, { writers: writers.byShard });
    const result = scanner.scan();
    expect(agesById(await result.toTable())).toEqual(new Map([[1n, 1], [2n, 1], [4n, 3]]));
    const cuts = await result.cuts;
    expect(cuts[0].excluded).toEqual([{ above: 1, below: 3 }]);
    expect(await scanner.containsPks(idsBatch([1, 3, 4]))).toEqual([true, false, true]);
    expect(await scanner.containsPksAsOf(idsBatch([1, 3, 4]), cuts)).toEqual([true, false, true]);
  });

  it('register live snapshots until released or expired', async () => {
    const store = new MemoryStore();
    const table = await usersTable({ store });
    const writers = await Writers.open(table);
    await writers.put([user(1)]);
    await writers.flushAll();
    const snap = await new LsmScanner(table).snapshot();
    const short = await new LsmScanner(table, { snapshotRetentionMs: 0 }).snapshot();
    const pins = liveSnapshotPins(store, snap.takenAt);
    const shardVersion = await table.shardManifests(0).latestVersion(); // the writer's epoch claim and its flush
    expect(pins).toEqual(expect.arrayContaining([expect.objectContaining({ baseVersion: 0, shardVersions: [shardVersion] })]));
    expect(liveSnapshotPins(new MemoryStore()).some((p) => p.store === store)).toBe(false);
    snap.release();
    expect(liveSnapshotPins(store, short.takenAt + 1)).toEqual([]);
  });
});
