/**
 * Invariants 1 and 2: a row never vanishes. Scans run in a loop while the writer
 * puts, freezes, flushes (some commits fail and are retried) and compacts, over a
 * store that delays every operation so commits land in the middle of collection.
 * Each scan must return every key acked before `scan()` was called, with a
 * version no older than the one acked then and no newer than the one acked when
 * it finished.
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { LsmScanner } from '../src/index.js';
import { compactShard } from './support/compact.js';
import { agesById, user, usersTable } from './support/data.js';
import { DelayStore } from './support/delay-store.js';
import { Writers } from './support/data.js';

describe('a row never vanishes', () => {
  it('while memtables freeze, flush (incl. failed commits), commit and compact', async () => {
    const table = await usersTable({ shards: 2, store: new DelayStore(new MemoryStore(), 2) });
    const writers = await Writers.open(table, 16);
    const scanner = new LsmScanner(table, { writers: writers.byShard });
    const acked = new Map<bigint, number>();
    let stop = false;
    let failures = 0;

    const writeLoop = async () => {
      for (let round = 1; round <= 60; round++) {
        const rows = Array.from({ length: 6 }, (_, i) => user((round * 7 + i * 13) % 50, round));
        writers.put(rows);
        for (const r of rows) acked.set(r.id, round);
        const w = writers.byShard[round % 2];
        if (round % 3 === 0) w.freeze();
        if (w.frozenCount > 0) {
          try {
            await w.flush({ failCommit: round % 5 === 0 });
          } catch {
            failures++;
          }
        }
        if (round % 17 === 0) await compactShard(table, round % 2, undefined, 16);
      }
      stop = true;
    };

    let scans = 0;
    const scanLoop = async () => {
      while (!stop) {
        const before = new Map(acked);
        const got = agesById(await scanner.scan().toTable());
        const after = new Map(acked);
        for (const [id, v] of before) {
          const seen = got.get(id);
          expect(seen, `key ${id} vanished`).toBeDefined();
          expect(seen!).toBeGreaterThanOrEqual(v);
          expect(seen!).toBeLessThanOrEqual(after.get(id)!);
        }
        expect(got.size).toBeLessThanOrEqual(after.size);
        scans++;
      }
    };

    await Promise.all([writeLoop(), scanLoop(), scanLoop()]);
    expect(failures).toBeGreaterThan(0);
    expect(scans).toBeGreaterThan(10);
    expect(agesById(await scanner.scan().toTable())).toEqual(acked);
  });
});
