/**
 * Invariant 11, end to end: a snapshot (base version, shard manifest versions, cuts and
 * captured memtables) read twice returns the same rows, whatever was written, flushed,
 * compacted and garbage-collected in between, until its retention expires; an expired
 * snapshot fails with SnapshotExpiredError, never with a silently different answer.
 */
import { LocalStore, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardWriter, compact, gc } from '../src/index.js';
import { keysBatch, makeTable, rangeBatch, tempDir } from './support/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup() {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const table = await makeTable(new LocalStore(dir));
  const writer = await ShardWriter.open(table, { shard: 0 });
  cleanups.unshift(() => writer.close().catch(() => {}));
  return { table, writer };
}

const rowsOf = async (t: Promise<{ toArray(): { toJSON(): Record<string, unknown> }[] }>) =>
  (await t).toArray().map((r) => r.toJSON()).sort((a, b) => Number(a.id) - Number(b.id));

describe('snapshots repeat (invariant 11)', () => {
  it('read twice, across writes, a flush, a compaction and GC, gives the same rows, lookups and memberships', async () => {
    const { table, writer } = await setup();
    await writer.put(rangeBatch(0, 100, 1));
    await writer.flush();
    await writer.put(rangeBatch(90, 120, 2)); // in the active memtable at snapshot time
    const scanner = new LsmScanner(table, { writers: [writer] });
    const snap = await scanner.snapshot();
    const first = await rowsOf(snap.scan().toTable());
    const probe = [{ id: 5n }, { id: 95n }, { id: 150n }];
    const firstGet = await rowsOf(snap.get(probe));
    const firstLive = await snap.containsPks(probe);

    await writer.put(rangeBatch(0, 50, 3));
    await writer.delete(keysBatch([95, 96]));
    await writer.put(rangeBatch(150, 160, 4));
    await writer.flush();
    await compact(table, { shard: 0 });
    await gc(table, { olderThan: 0 }); // may delete nothing the live snapshot reads

    expect(await rowsOf(snap.scan().toTable())).toEqual(first);
    expect(await rowsOf(snap.get(probe))).toEqual(firstGet);
    expect(await snap.containsPks(probe)).toEqual(firstLive);
    expect(first).toHaveLength(120);
    // and the live table did move on
    const now = await rowsOf(scanner.scan().toTable());
    expect(now).toHaveLength(128);
    expect(now.find((r) => r.id === 5n)?.v).toBe(3);
    snap.release();
  });

  it('an expired snapshot fails with SnapshotExpiredError instead of answering', async () => {
    const { table, writer } = await setup();
    await writer.put(rangeBatch(0, 10, 1));
    await writer.flush();
    let now = 1_000_000; // the scanner's clock: retention passes when the test says so
    const snap = await new LsmScanner(table, { snapshotRetentionMs: 500, now: () => now }).snapshot();
    now += 500;
    expect((await snap.scan().toTable()).numRows).toBe(10); // the last moment of retention
    now += 1;
    await expect((async () => snap.scan().toTable())()).rejects.toSatisfy((e: unknown) => isFreshtierError(e, 'SNAPSHOT_EXPIRED'));
    await expect(snap.get([{ id: 1n }])).rejects.toSatisfy((e: unknown) => isFreshtierError(e, 'SNAPSHOT_EXPIRED'));
  });

  it('a released snapshot whose files GC removed fails with SnapshotExpiredError, never a different answer', async () => {
    const { table, writer } = await setup();
    await writer.put(rangeBatch(0, 10, 1));
    await writer.flush();
    const snap = await new LsmScanner(table).snapshot();
    snap.release();
    await writer.put(rangeBatch(0, 10, 2));
    await writer.flush();
    await compact(table, { shard: 0 });
    const report = await gc(table, { olderThan: 0 });
    expect(report.deleted.generationFiles.length).toBeGreaterThan(0);
    await expect((async () => snap.scan().toTable())()).rejects.toSatisfy((e: unknown) => isFreshtierError(e, 'SNAPSHOT_EXPIRED'));
  });
});
