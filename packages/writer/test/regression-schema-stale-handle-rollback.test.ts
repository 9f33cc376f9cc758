/**
 * Regression (review of issue 17): after a rollback to schema version 1, a handle opened at
 * version 1 before versions 2 and 3 passed `evolveSchema`'s check (same version number) and
 * built the change on its own, older history: it reused version 2 and field id 5, dropped
 * version 3 from the history, and every later scan failed with SCHEMA_CHANGED on the excluded
 * generation of version 3. Now such a handle gets SCHEMA_CHANGED, a fresh one takes version 4
 * and id 7, and reads ignore the generations a rollback excluded.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Int32, Int64, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, evolveSchema, rollback, tag } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { makeTable, rowsBatch } from './support/fixtures.js';

describe('evolveSchema after a rollback', () => {
  it('refuses a handle older than the newest history; ids and versions are never reused; scans go on', async () => {
    const store = new MemoryStore();
    const t0 = await makeTable(store);
    let w = await ShardWriter.open(t0, { shard: 0, autoFlush: false });
    await w.put(rowsBatch([1, 2], 1));
    await w.close();
    const t1 = await evolveSchema(t0, { kind: 'add-column', name: 'c', type: new Int32() });
    await tag(t1, 'a');
    const t2 = await evolveSchema(t1, { kind: 'add-column', name: 'd', type: new Int64() });
    const t3 = await evolveSchema(t2, { kind: 'add-column', name: 'e', type: new Int64() });
    w = await ShardWriter.open(t3, { shard: 0, autoFlush: false });
    await w.put(batchOf([['id', new Int64(), [3n], false], ['v', new Int32(), [3]], ['s', new Utf8(), ['s3']], ['c', new Int32(), [3]], ['d', new Int64(), [33n]], ['e', new Int64(), [333n]]]));
    await w.flush();
    await w.close();
    await rollback(t3, 'a');

    const stale = await evolveSchema(t1, { kind: 'add-column', name: 'x', type: new Utf8() }).then(() => undefined, (e: unknown) => e);
    expect(isFreshtierError(stale, 'SCHEMA_CHANGED')).toBe(true);

    const fresh = await Table.open(store);
    expect([fresh.schemaVersion, fresh.schemaState.lastVersion, fresh.schemaState.lastFieldId]).toEqual([1, 3, 6]);
    const rows = (await new LsmScanner(fresh).scan().toTable()).toArray().map((r) => r.toJSON());
    expect(rows.map((r) => r.id).sort()).toEqual([1n, 2n]);

    const t4 = await evolveSchema(fresh, { kind: 'add-column', name: 'x', type: new Utf8() });
    expect(t4.schemaVersion).toBe(4);
    expect(t4.schemaState.fields.at(-1)!.id).toBe(7);
    const again = await Table.open(store);
    expect([...again.schemaState.history.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect((await new LsmScanner(again).scan().toTable()).numRows).toBe(2);
  });
});
