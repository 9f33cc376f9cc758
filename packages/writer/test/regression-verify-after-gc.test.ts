/**
 * Regression: verify listed every flushed generation of a shard manifest, also those the
 * version's base already covers, and reported them as damaged (NOT_FOUND, SNAPSHOT_EXPIRED)
 * once GC deleted them after a compaction: every table failed verify after a routine
 * compact + gc. A covered (or excluded) generation is still checked when present, since an
 * older version may read it, but its absence is no damage.
 */
import { LocalStore, Table } from '@freshtier/core';
import { Field, Int64, Schema, Utf8 } from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchFor } from './support/columns.js';
import { ShardWriter, compact, gc, verify } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'freshtier-verify-gc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const batch = batchFor;
describe('verify after compaction and GC', () => {
  it('passes: generations the base covers, deleted by GC, are no damage at this version', async () => {
    const store = new LocalStore(join(dir, 't'));
    const table = await Table.create(store, { schema: new Schema([new Field('id', new Int64(), false), new Field('x', new Utf8(), true)]), primaryKey: ['id'] });
    let w = await ShardWriter.open(table, { shard: 0 });
    await w.put(batch(table.schema, { id: [1n], x: ['a'] })); await w.flush(); await w.close();
    await compact(table, { shard: 0 });
    w = await ShardWriter.open(table, { shard: 0 });
    await w.put(batch(table.schema, { id: [2n], x: ['b'] })); await w.flush(); await w.close();
    await compact(table, { shard: 0 });
    await gc(table, { olderThan: 0, now: Date.now() + 10_000 });
    const r = await verify(table);
    expect(r.ok).toBe(true);
  });
});
