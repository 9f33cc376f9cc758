/**
 * Regression: "write the data file, then its key index, put-if-absent" (invariant 7)
 * was written three times — flush, bulk ingest, compaction's base files — and each copy
 * threw a plain `Error` when a fresh name was already taken, so a caller could not tell
 * a name collision from any other failure (no `code`). All three now go through core's
 * `publishDataFile`, which raises the typed `AlreadyExistsError` (`ALREADY_EXISTS`)
 * naming the path; the object found there is never overwritten, and nothing names the
 * attempt's files (no commit), so a retry under a new name publishes the data.
 *
 * Table-driven: each writer of the pair × each of the two files. The collision is made
 * by another object appearing at the fresh name just before the writer creates it.
 */
import { AlreadyExistsError, MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

const RIVAL = new Uint8Array([0x72, 0x69, 0x76, 0x61, 0x6c]); // "rival"

/** The next putIfAbsent of a key matching `pattern` finds another object already there. */
function collideOnce(store: FaultyStore, pattern: RegExp): { path: string | undefined } {
  const hit: { path: string | undefined } = { path: undefined };
  store.beforeOp = async (op, key) => {
    if (op !== 'putIfAbsent' || hit.path !== undefined || !pattern.test(key)) return;
    hit.path = key;
    await store.inner.put(key, RIVAL);
  };
  return hit;
}

interface Case {
  readonly name: string;
  /** Which create collides. */
  readonly pattern: RegExp;
  /** Runs the operation that publishes the pair (again, for the retry). */
  run(w: ShardWriter, table: Awaited<ReturnType<typeof makeTable>>): Promise<unknown>;
  readonly rowsAfterRetry: number;
}

const CASES: Case[] = [
  { name: 'flush, data file', pattern: /\/gen-[^/]+\/data\.parquet$/, run: (w) => w.flush(), rowsAfterRetry: 40 },
  { name: 'flush, key index', pattern: /\/gen-[^/]+\/data\.keys\.ftk$/, run: (w) => w.flush(), rowsAfterRetry: 40 },
  { name: 'ingest, data file', pattern: /\/ingest-[^/]+\/data\.parquet$/, run: (w) => w.ingest(rangeBatch(100, 130, 2)), rowsAfterRetry: 70 },
  { name: 'ingest, key index', pattern: /\/ingest-[^/]+\/data\.keys\.ftk$/, run: (w) => w.ingest(rangeBatch(100, 130, 2)), rowsAfterRetry: 70 },
  { name: 'compaction base file, data file', pattern: /^base\/data\/[^/]+\.parquet$/, run: (_w, table) => compact(table, { shard: 0 }), rowsAfterRetry: 40 },
  { name: 'compaction base file, key index', pattern: /^base\/data\/[^/]+\.keys\.ftk$/, run: (_w, table) => compact(table, { shard: 0 }), rowsAfterRetry: 40 },
];

describe('a name collision while publishing a data file and its key index', () => {
  for (const c of CASES) {
    it(`${c.name}: AlreadyExistsError naming the path, the object there untouched, a retry publishes`, async () => {
      const store = new FaultyStore(new MemoryStore());
      const table = await makeTable(store);
      const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false, flushRetry: { maxAttempts: 1 } });
      await w.put(rangeBatch(0, 40, 1));
      if (c.name.startsWith('compaction')) await w.flush(); // something to compact
      const manifestsBefore = [await table.baseManifests.latestVersion(), await table.shardManifests(0).latestVersion()];

      const hit = collideOnce(store, c.pattern);
      const error = await c.run(w, table).then(() => undefined, (e: unknown) => e);
      expect(hit.path, 'the collision was set up').toBeDefined();
      expect(error).toBeInstanceOf(AlreadyExistsError);
      expect(error).toMatchObject({ code: 'ALREADY_EXISTS', context: { path: hit.path } });
      expect((error as Error).message).toContain(hit.path!);
      expect([...(await store.inner.get(hit.path!))]).toEqual([...RIVAL]); // never overwritten
      // no manifest names the failed attempt's files (no commit was made)
      expect([await table.baseManifests.latestVersion(), await table.shardManifests(0).latestVersion()]).toEqual(manifestsBefore);

      store.beforeOp = undefined;
      await c.run(w, table); // a new attempt takes a new name
      const manifestsAfter = [await table.baseManifests.latestVersion(), await table.shardManifests(0).latestVersion()];
      expect(manifestsAfter[c.name.startsWith('compaction') ? 0 : 1]).toBeGreaterThan(manifestsBefore[c.name.startsWith('compaction') ? 0 : 1]);
      await w.close();
      expect((await readShard(table, 0)).rows.size).toBe(c.rowsAfterRetry);
    });
  }
});
