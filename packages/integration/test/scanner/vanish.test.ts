/**
 * Invariants 1 and 2: a row never vanishes. Scans run in a loop while the real writer
 * puts, freezes, flushes (some commits fail and are retried) and compacts, over a
 * store that delays every operation (seeded) so commits land in the middle of collection.
 * Each scan must return every key acked before `scan()` was called, with a
 * version no older than the one acked then and no newer than the one acked when
 * it finished.
 */
import { MemoryStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { prng } from '../../../../reliability/src/data.js';
import { agesById, user, usersTable } from '../../../scanner/test/support/data.js';
import { DelayStore } from '../support/delay-store.js';
import { FlushHookStore } from '../support/flush-hooks.js';
import { Writers, compactShard } from '../support/writers.js';

const SEED = 7;

describe('a row never vanishes', () => {
  it('while memtables freeze, flush (incl. failed commits), commit and compact', async () => {
    const store = new FlushHookStore(new DelayStore(new MemoryStore(), 2, prng(SEED).next));
    const table = await usersTable({ shards: 2, store });
    const writers = await Writers.open(table, 16);
    const scanner = new LsmScanner(table, { writers: writers.byShard });
    const acked = new Map<bigint, number>(); // after the put resolved
    const tried = new Map<bigint, number>(); // before the put was called
    let stop = false;
    let failures = 0;
    let scans = 0;
    let scanned: (() => void) | undefined;
    /** Resolves when the next scan finishes: every round overlaps with scans, whatever the timing. */
    const aScan = () => new Promise<void>((r) => (scanned = r));

    const writeLoop = async () => {
      for (let round = 1; round <= 60; round++) {
        const rows = Array.from({ length: 6 }, (_, i) => user((round * 7 + i * 13) % 50, round));
        const scan = aScan();
        for (const r of rows) tried.set(r.id, round);
        await writers.put(rows);
        for (const r of rows) acked.set(r.id, round);
        const w = writers.byShard[round % 2];
        if (round % 3 === 0) w.freeze();
        if (w.status().frozenGenerations.length > 0) {
          try {
            await (round % 5 === 0 ? store.flushWith(w, { failCommit: true }) : w.flush());
          } catch {
            failures++;
          }
        }
        if (round % 17 === 0) await compactShard(table, round % 2, 16);
        await scan;
      }
      stop = true;
    };

    const scanLoop = async () => {
      while (!stop) {
        const before = new Map(acked);
        const got = agesById(await scanner.scan().toTable());
        const after = new Map(tried); // a put in flight may be seen, never anything newer
        for (const [id, v] of before) {
          const seen = got.get(id);
          expect(seen, `key ${id} vanished`).toBeDefined();
          expect(seen!).toBeGreaterThanOrEqual(v);
          expect(seen!).toBeLessThanOrEqual(after.get(id)!);
        }
        expect(got.size).toBeLessThanOrEqual(after.size);
        scans++;
        scanned?.();
      }
    };

    await Promise.all([writeLoop(), scanLoop(), scanLoop()]);
    expect(failures).toBeGreaterThan(0);
    expect(scans).toBeGreaterThanOrEqual(60);
    expect(agesById(await scanner.scan().toTable())).toEqual(acked);
  });
});
