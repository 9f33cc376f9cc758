/**
 * Races around a schema change (issue 17), each paused at an exact store call (hold.ts):
 * - a compaction that read and wrote its files under schema version 0 commits after four
 *   changes landed: its retry must keep the table readable at the new schema (its files
 *   carry the version they were written with, or are rewritten);
 * - a flush whose commit waits while the schema changes: its rows stay readable, and the
 *   writer's next put is SCHEMA_CHANGED;
 * (two changes at once: regression-schema-concurrent-change.test.ts);
 * - a stale writer's ingest: refused, or readable at the new schema — never misread;
 * - GC after the changes keeps every schema a retained version needs;
 * - a schema commit whose ack is lost has landed; a failed one changed nothing.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Int32, Int64, type Table as ArrowTable } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, checkout, compact, evolveSchema, gc, tag } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch, rowsBatch } from './support/fixtures.js';
import { holdCall } from './support/hold.js';
import { canon } from './support/schema-values.js';

const show = (t: ArrowTable) => {
  const names = t.schema.fields.map((f) => f.name);
  return t.toArray().map((r) => names.map((n) => `${n}=${canon(r[n] ?? null)}`).join(' ')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
};
const open = (table: Table) => ShardWriter.open(table, { shard: 0, autoFlush: false });

/** rename v → w, widen w to Int64, add c Int32 default 5, drop s: version 4. */
async function fourChanges(table: Table): Promise<Table> {
  let t = await evolveSchema(table, { kind: 'rename-column', name: 'v', to: 'w' });
  t = await evolveSchema(t, { kind: 'widen-column', name: 'w', type: new Int64() });
  t = await evolveSchema(t, { kind: 'add-column', name: 'c', type: new Int32(), default: 5 });
  return evolveSchema(t, { kind: 'drop-column', name: 's' });
}

/** What version 4 reads for ids `lo..hi-1` written with v = `v` under version 0. */
const v4 = (lo: number, hi: number, v: number) => Array.from({ length: hi - lo }, (_, i) => `id=${lo + i}n w=${v}n c=5`);

describe('races with a schema change', () => {
  it('a compaction planned under version 0 commits after four changes', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rangeBatch(0, 20, 1));
    await w.flush();
    await compact(table, { shard: 0, maxFileRows: 8 });
    await w.put(rangeBatch(10, 30, 2));
    await w.close();
    const commit = holdCall(store, 'putIfAbsent', /^base\/_manifests\/v/);
    const compacting = compact(table, { shard: 0, maxFileRows: 8 });
    await commit.reached; // its files are written under version 0; its commit waits
    const t4 = await fourChanges(await Table.open(store));
    commit.release();
    await compacting.catch((e: unknown) => expect(isFreshtierError(e, 'SCHEMA_CHANGED'), String(e)).toBe(true));
    const want = [...v4(0, 10, 1), ...v4(10, 30, 2)];
    expect(show(await new LsmScanner(await Table.open(store)).scan().toTable())).toEqual(want);
    await compact(t4, { shard: 0, maxFileRows: 8 }); // and again, at version 4
    expect(show(await new LsmScanner(await Table.open(store)).scan().toTable())).toEqual(want);
  });

  it('a flush whose commit waits across the change: rows readable, the next put SCHEMA_CHANGED', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rangeBatch(0, 5, 3));
    const commit = holdCall(store, 'putIfAbsent', /^shards\/0\/_manifests\/v/);
    const flushing = w.flush();
    await commit.reached;
    await fourChanges(await Table.open(store));
    commit.release();
    await flushing;
    const err = await w.put(rowsBatch([9], 9)).then(() => 'the put was acked', (e: unknown) => e);
    expect(isFreshtierError(err, 'SCHEMA_CHANGED'), `a put after the flush: expected SCHEMA_CHANGED, got ${String(err)}`).toBe(true);
    await w.close();
    expect(show(await new LsmScanner(await Table.open(store)).scan().toTable())).toEqual(v4(0, 5, 3));
  });

  it('a stale writer\'s ingest is refused or read at the new schema, never misread', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const stale = await open(table);
    await stale.put(rangeBatch(0, 3, 1));
    await fourChanges(await Table.open(store));
    const ingested = await stale.ingest(rangeBatch(2, 6, 4)).then(() => true, (e: unknown) => {
      expect(isFreshtierError(e, 'SCHEMA_CHANGED'), String(e)).toBe(true);
      return false;
    });
    await stale.close();
    const want = ingested ? [...v4(0, 2, 1), ...v4(2, 6, 4)] : v4(0, 3, 1);
    expect(show(await new LsmScanner(await Table.open(store)).scan().toTable())).toEqual(want);
  });

  it('GC after the changes keeps what the current and a tagged older version read', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rangeBatch(0, 4, 1));
    await w.close();
    await compact(table, { shard: 0 });
    await tag(table, 'v0');
    const t4 = await fourChanges(table);
    const w4 = await open(t4);
    await w4.put(batchOf([['id', new Int64(), [9n], false], ['w', new Int64(), [9n]], ['c', new Int32(), [null]]]));
    await w4.close();
    await compact(t4, { shard: 0 });
    await gc(t4, { olderThan: 0 });
    expect(show(await new LsmScanner(await Table.open(store)).scan().toTable())).toEqual([...v4(0, 4, 1), 'id=9n w=9n c=null']);
    expect(show(await (await checkout(t4, 'v0')).scan().toTable())).toEqual(['id=0n v=1 s="s0"', 'id=1n v=1 s="s1"', 'id=2n v=1 s="s2"', 'id=3n v=1 s="s3"']);
  });
  it('a schema commit whose ack is lost has landed; one that failed changed nothing and can be retried', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const lost = store.inject({ ops: 'putIfAbsent', key: /^base\/_manifests\/v/, mode: 'lost-ack', first: 1 });
    const t1 = await evolveSchema(table, { kind: 'add-column', name: 'x', type: new Int32() });
    lost.remove();
    expect(t1.schemaVersion).toBe(1);
    expect((await Table.open(store)).schema.fields.map((f) => f.name)).toEqual(['id', 'v', 's', 'x']);
    const failed = store.inject({ ops: 'putIfAbsent', key: /^base\/_manifests\/v/, mode: 'fail' });
    const err = await evolveSchema(t1, { kind: 'drop-column', name: 's' }).then(() => undefined, (e: unknown) => e);
    failed.remove();
    expect(err, 'the failed commit is reported').toBeInstanceOf(Error);
    expect((await Table.open(store)).schemaVersion).toBe(1);
    const t2 = await evolveSchema(t1, { kind: 'drop-column', name: 's' });
    expect([t2.schemaVersion, (await Table.open(store)).schema.fields.map((f) => f.name)]).toEqual([2, ['id', 'v', 'x']]);
  });
});
