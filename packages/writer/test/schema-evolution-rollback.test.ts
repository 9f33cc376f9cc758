/**
 * Rollback across schema changes (issue 17, invariant 12): a rollback to a version taken
 * before two changes brings back that version's schema with its rows, while schema version
 * numbers and field ids keep growing (never reused): the next change takes the version after
 * the highest ever committed, and a column added again under a dropped-by-rollback name is a
 * new column that old files never fill. Handles of the rolled-back schema must reopen; a
 * checkout of a version from before the rollback still reads at its own schema.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Int32, Int64, Utf8, type Table as ArrowTable } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, checkout, evolveSchema, rollback, tag } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { makeTable, rowsBatch } from './support/fixtures.js';
import { canon } from './support/schema-values.js';

const show = (t: ArrowTable) => {
  const names = t.schema.fields.map((f) => f.name);
  return t.toArray().map((r) => names.map((n) => `${n}=${canon(r[n] ?? null)}`).join(' ')).sort();
};
const open = (table: Table) => ShardWriter.open(table, { shard: 0, autoFlush: false });

describe('rollback across schema changes', () => {
  it('brings back the old schema and rows; versions and field ids are never reused', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const w = await open(table);
    await w.put(rowsBatch([1, 2], 1));
    await w.close();
    await tag(table, 'a');
    let t = await evolveSchema(table, { kind: 'add-column', name: 'c', type: new Int32(), default: 5 });
    t = await evolveSchema(t, { kind: 'rename-column', name: 'v', to: 'w' });
    expect([t.schemaVersion, t.schemaState.lastFieldId]).toEqual([2, 4]);
    const w2 = await open(t);
    await w2.put(batchOf([['id', new Int64(), [3n], false], ['w', new Int32(), [3]], ['s', new Utf8(), ['s3']], ['c', new Int32(), [9]]]));
    await w2.close();
    await tag(t, 'b');

    await rollback(t, 'a');
    const now = await Table.open(store);
    expect(now.schema.fields.map((f) => f.name)).toEqual(['id', 'v', 's']);
    expect(show(await new LsmScanner(now).scan().toTable())).toEqual(['id=1n v=1 s="s1"', 'id=2n v=1 s="s2"']);
    const stale = await new LsmScanner(t).scan().toTable().then(() => undefined, (e: unknown) => e);
    expect(isFreshtierError(stale, 'SCHEMA_CHANGED'), `a handle at the rolled-back schema: ${String(stale)}`).toBe(true);
    expect(show(await (await checkout(now, 'b')).scan().toTable())).toEqual(['id=1n w=1 s="s1" c=5', 'id=2n w=1 s="s2" c=5', 'id=3n w=3 s="s3" c=9']);

    // "c" again, as another column: version 3 (not 1), field id 5 (not 4); old files never fill it
    const again = await evolveSchema(now, { kind: 'add-column', name: 'c', type: new Utf8() });
    expect([again.schemaVersion, again.schemaState.fields.at(-1)!.id]).toEqual([3, 5]);
    expect(show(await new LsmScanner(again).scan().toTable())).toEqual(['id=1n v=1 s="s1" c=null', 'id=2n v=1 s="s2" c=null']);
    const w3 = await open(again);
    await w3.put(batchOf([['id', new Int64(), [2n], false], ['v', new Int32(), [7]], ['s', new Utf8(), ['x']], ['c', new Utf8(), ['new']]]));
    await w3.close();
    expect(show(await new LsmScanner(await Table.open(store)).scan().toTable())).toEqual(['id=1n v=1 s="s1" c=null', 'id=2n v=7 s="x" c="new"']);
    expect(show(await (await checkout(again, 'b')).scan().toTable())).toContain('id=3n w=3 s="s3" c=9');
  });
});
