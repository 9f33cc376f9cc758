/**
 * Invariant 11: a snapshot read twice returns the same rows whatever the real writer
 * and compaction did in between, until it expires; then it fails with
 * SnapshotExpiredError. Retention runs on the scanner's `now` clock, moved by the test.
 */
import { SnapshotExpiredError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { idsBatch, rowsOf, user, usersTable } from '../../../scanner/test/support/data.js';
import { Writers, compactShard } from '../support/writers.js';

/** A clock for the scanner's `now` option that moves only when the test says. */
const clock = { t: 1_700_000_000_000, now(): number { return this.t; } };

async function setup(snapshotRetentionMs?: number) {
  const table = await usersTable({ shards: 2 });
  const writers = await Writers.open(table, 8);
  await writers.put(Array.from({ length: 30 }, (_, i) => user(i, 1)));
  await writers.flushAll();
  await writers.put(Array.from({ length: 10 }, (_, i) => user(i, 2)));
  writers.freezeAll();
  await writers.delete([20n, 21n]);
  await writers.put([user(100, 2)]);
  return { table, writers, scanner: new LsmScanner(table, { writers: writers.byShard, snapshotRetentionMs, now: () => clock.now() }) };
}

describe('snapshots', () => {
  it('repeat whatever is written, flushed or compacted in between', async () => {
    const { table, writers, scanner } = await setup();
    const snap = await scanner.snapshot();
    const first = rowsOf(await snap.scan().toTable());
    expect(first).toHaveLength(29);
    const firstGet = rowsOf(await snap.get(idsBatch([0, 20, 100, 200])));
    await writers.put(Array.from({ length: 50 }, (_, i) => user(i, 3)));
    await writers.delete([1n, 2n, 100n]);
    await writers.flushAll();
    for (let s = 0; s < 2; s++) await compactShard(table, s, 8);
    await writers.put([user(200, 4)]);
    expect(rowsOf(await snap.scan().toTable())).toEqual(first);
    expect(rowsOf(await snap.get(idsBatch([0, 20, 100, 200])))).toEqual(firstGet);
    expect(await snap.containsPks(idsBatch([1, 20, 100, 200]))).toEqual([true, false, true, false]);
    expect(rowsOf(await scanner.scan().toTable())).not.toEqual(first);
    expect(snap.shardVersions).toHaveLength(2);
  });

  it('a scan result iterated twice returns the same rows', async () => {
    const { writers, scanner } = await setup();
    const result = scanner.scan();
    const a = rowsOf(await result.toTable());
    await writers.put([user(500, 9)]);
    await writers.flushAll();
    expect(rowsOf(await result.toTable())).toEqual(a);
  });

  it('expire after the retention', async () => {
    const { scanner } = await setup(400);
    const snap = await scanner.snapshot();
    expect((await snap.scan().toTable()).numRows).toBe(29);
    const pending = snap.scan();
    clock.t += 400;
    expect(snap.expired).toBe(false); // the last moment of retention
    clock.t += 1;
    expect(snap.expired).toBe(true);
    expect(() => snap.scan()).toThrow(SnapshotExpiredError);
    await expect(pending.toTable()).rejects.toThrow(SnapshotExpiredError);
    await expect(snap.get([{ id: 1 }])).rejects.toThrow(/Take a new snapshot/);
  });

  it('fail when a pinned file is gone, never with a silently different answer', async () => {
    const { table, scanner } = await setup();
    const snap = await scanner.snapshot();
    const { doc } = await table.shardManifests(0).latest();
    await table.store.delete(doc.flushed[0].file.path); // what GC does past retention
    await expect(snap.scan().toTable()).rejects.toThrow(SnapshotExpiredError);
  });
});
