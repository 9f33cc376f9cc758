/**
 * Scan mechanics that need no writer: cuts before iteration on an empty table, and
 * scanner options. (Scans over written data run against the real writer in
 * packages/integration/test/scanner/.)
 */
import { InvalidOptionsError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { LsmScanner } from '../src/index.js';
import { usersTable } from './support/data.js';

describe('streaming', () => {
  it('exposes the cuts before iterating', async () => {
    const table = await usersTable({ shards: 3 });
    const scanner = new LsmScanner(table);
    const result = scanner.scan();
    expect((await result.cuts).map((c) => c.shard)).toEqual([0, 1, 2]);
    expect((await result.toTable()).numRows).toBe(0);
    expect(result.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'age', 'score']);
  });
});

describe('scanner options', () => {
  it('are validated with messages that say what to do', async () => {
    const table = await usersTable({ shards: 2 });
    expect(() => new LsmScanner(table, { writers: [{} as never] })).toThrow(/not a MemtableSource/);
    const source = { shard: 5, inMemoryMemtableRefs: () => ({ shard: 5, epoch: 0, refs: [] }) };
    expect(() => new LsmScanner(table, { writers: [source] })).toThrow(/shard 5 is not a shard of this table \(0\.\.1\)/);
    expect(() => new LsmScanner(table, { batchSize: 0 })).toThrow(InvalidOptionsError);
    expect(() => new LsmScanner(table, { snapshotRetentionMs: -1 })).toThrow(InvalidOptionsError);
    expect(() => new LsmScanner(table, { now: 1_000 as never })).toThrow(/now: expected a function returning ms since the epoch/);
  });

  it('measure snapshot retention on the `now` clock', async () => {
    const table = await usersTable();
    let now = 5_000;
    const snap = await new LsmScanner(table, { snapshotRetentionMs: 100, now: () => now }).snapshot();
    expect([snap.takenAt, snap.expiresAt, snap.expired]).toEqual([5_000, 5_100, false]);
    now = 5_100;
    expect((await snap.scan().toTable()).numRows).toBe(0); // the last moment of retention
    now = 5_101;
    expect(snap.expired).toBe(true);
    expect(() => snap.scan()).toThrow(/retention ended at 1970-01-01T00:00:05\.100Z/);
    snap.release();
  });
});
