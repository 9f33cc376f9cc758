/**
 * Regression: unknown option keys were silently dropped — `Table.create(store, { …,
 * mergeEngine: 'first-row' })` created an ordinary table without a word. Every options
 * object is now checked for unknown keys, and the `InvalidOptionsError` names each one
 * at its own path (`flushRetry.maxAttempt`, not "(root)"), with the store unchanged.
 *
 * Table-driven over every options object of the API: Table.create, ShardWriter.open (and its
 * nested flushRetry), the LsmScanner constructor, scan and get (on a scanner and on a
 * snapshot), checkout, compact, gc and rollback. (`ingest` and `tag` take no options object.)
 */
import { InvalidOptionsError, MemoryStore, Table, type ObjectStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter, checkout, compact, gc, rollback, tag } from '../src/index.js';
import { keysBatch, makeTable, rowsBatch, schema } from './support/fixtures.js';
import { diffObjects, hashObjects } from './support/store-bytes.js';

interface World {
  store: ObjectStore;
  table: Table;
}

/** A table with a flushed generation, some rows in the WAL and a tag: every entry point has something to refuse on. */
async function world(): Promise<World> {
  const store = new MemoryStore();
  const table = await makeTable(store);
  const w = await ShardWriter.open(table, { shard: 0, flushInWorker: false });
  await w.put(rowsBatch([1, 2, 3], 1));
  await w.flush();
  await w.put(rowsBatch([4], 2));
  await tag(table, 'nightly');
  // w is left open: its memtable stays in memory, its WAL entry in the store
  return { store, table };
}

/** [what, unknown key path, call]: each call passes exactly one unknown key. */
const CASES: [string, string, (w: World) => unknown][] = [
  ['Table.create', 'mergeEngin', (w) => Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngin: 'first-row' } as never)],
  ['Table.create (a typo)', 'primaryKeys', (w) => Table.create(w.store, { schema, primaryKeys: ['id'] } as never)],
  ['ShardWriter.open', 'durabilty', (w) => ShardWriter.open(w.table, { shard: 0, durabilty: 'none' } as never)],
  ['ShardWriter.open flushRetry', 'flushRetry.maxAttempt', (w) => ShardWriter.open(w.table, { shard: 0, flushRetry: { maxAttempt: 3 } } as never)],
  ['LsmScanner', 'batchSise', (w) => new LsmScanner(w.table, { batchSise: 10 } as never)],
  ['scan', 'colums', (w) => new LsmScanner(w.table).scan({ colums: ['id'] } as never)],
  ['get', 'colums', (w) => new LsmScanner(w.table).get(keysBatch([1]), { colums: ['id'] } as never)],
  ['snapshot scan', 'limt', async (w) => (await new LsmScanner(w.table).snapshot()).scan({ limt: 1 } as never)],
  ['snapshot get', 'colums', async (w) => (await new LsmScanner(w.table).snapshot()).get(keysBatch([1]), { colums: ['id'] } as never)],
  ['checkout', 'batchSise', (w) => checkout(w.table, 'nightly', { batchSise: 10 } as never)],
  ['checkout (a pinned version is the ref, not an option)', 'at', (w) => checkout(w.table, 'nightly', { at: { baseVersion: 0, shardVersions: [0] } } as never)],
  ['compact', 'maxRows', (w) => compact(w.table, { shard: 0, maxRows: 10 } as never)],
  ['gc', 'dryrun', (w) => gc(w.table, { olderThan: 0, dryrun: true } as never)],
  ['rollback', 'onstep', (w) => rollback(w.table, 'nightly', { onstep: () => undefined } as never)],
];

describe('regression: unknown option keys are refused, by name', () => {
  it.each(CASES)('%s refuses the unknown key %s and changes nothing', async (_what, key, call) => {
    const w = await world();
    const before = await hashObjects(w.store);
    const err = await Promise.resolve().then(() => call(w)).then(() => undefined, (e: unknown) => e);
    expect(err, `expected InvalidOptionsError, got ${String(err)}`).toBeInstanceOf(InvalidOptionsError);
    const e = err as InvalidOptionsError;
    expect(e.issues.map((i) => i.path)).toEqual([key]);
    expect(e.message).toContain(`${key}: unknown option`);
    expect(diffObjects(before, await hashObjects(w.store))).toEqual({ changed: [], added: [] });
  });

  it('names every unknown key at once, and the known ones', async () => {
    const err = await Table.create(new MemoryStore(), { schema, mergeEngin: 'first-row', sequenceFeild: 'v' } as never).catch((e: unknown) => e);
    expect((err as InvalidOptionsError).issues.map((i) => i.path).sort()).toEqual(['mergeEngin', 'sequenceFeild']);
    expect((err as Error).message).toContain('known: schema, primaryKey, shards, mergeEngine, sequenceField, aggregates');
  });

  it('the same calls without the unknown key succeed (the check is not too strict)', async () => {
    const w = await world();
    await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 2 });
    const s = new LsmScanner(w.table, { batchSize: 10, snapshotRetentionMs: 1_000, keyIndexCacheBytes: 1 << 20 });
    expect((await s.scan({ columns: ['id'], limit: 10, batchSize: 5 }).toTable()).numRows).toBe(3);
    expect((await s.get(keysBatch([1]), { columns: ['id'] })).numRows).toBe(1);
    expect((await (await checkout(w.table, 'nightly', { batchSize: 10 })).scan().toTable()).numRows).toBe(3);
    await compact(w.table, { shard: 0, maxFileRows: 10 });
    await gc(w.table, { olderThan: 3_600_000, dryRun: true });
  });
});
