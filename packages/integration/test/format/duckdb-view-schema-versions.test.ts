/**
 * The SQL view over files written at many schema versions (issue 17): DuckDB reads a table
 * whose live files span several schema versions — an added column with a default, int32→int64
 * and float32→float64 widenings, a renamed key column and a renamed value column, a dropped
 * column, a required column made nullable, date32→timestamp[ms] and →timestamp[s, UTC] (read in
 * a DuckDB session whose time zone is not UTC), an added column without a default, a non-null
 * column added under a dropped column's name — with upserts, deletes, flushes and compactions
 * in between, and the view's rows equal `scan()`'s exactly after every step, also at a tagged
 * version of an older schema. Random histories: duckdb-view-schema-property.test.ts.
 */
import { compact, tag } from '@freshtier/writer';
import { DateDay, Field, Float32, Float64, Int16, Int32, Int64, Schema, TimestampMillisecond, TimestampSecond, Utf8 } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { Fixture, expectViewMatchesScan, removeSchemaDirs } from './duckdb-schema-support.js';

afterAll(removeSchemaDirs);

const V0 = new Schema([
  new Field('id', new Int64(), false), new Field('name', new Utf8(), true), new Field('n', new Int32(), true), new Field('f', new Float32(), true),
  new Field('day', new DateDay(), true), new Field('gone', new Utf8(), true), new Field('req', new Int16(), false), new Field('at', new DateDay(), true),
]);

describe('the DuckDB view reads files of many schema versions', () => {
  it('adds, widens, renames (key too), drops, makes nullable, date→timestamp; upserts, deletes, flushes, compactions', { timeout: 180_000 }, async () => {
    const f = await Fixture.create(V0, 2, 17);
    await f.upsert(300, 400);
    await f.flush();
    await compact(f.table, { shard: 0 }); // base files of shard 0 at version 0
    await f.upsert(100, 400);
    await f.remove(40, 400);
    await f.flush();
    expect(await expectViewMatchesScan(f.table)).toEqual([0]);

    await f.evolve({ kind: 'add-column', name: 'score', type: new Float64(), default: -0 });
    await f.upsert(80, 500);
    await f.remove(20, 400);
    await f.evolve({ kind: 'widen-column', name: 'n', type: new Int64() });
    await f.evolve({ kind: 'widen-column', name: 'f', type: new Float64() });
    await f.upsert(60, 500);
    await f.evolve({ kind: 'rename-column', name: 'id', to: 'key' });
    await f.upsert(60, 500);
    await f.remove(30, 500);
    await f.flush();
    expect((await expectViewMatchesScan(f.table)).length).toBeGreaterThanOrEqual(3);
    await tag(f.table, 'renamed-key');

    await f.evolve({ kind: 'rename-column', name: 'name', to: 'title' });
    await f.evolve({ kind: 'drop-column', name: 'gone' });
    await f.evolve({ kind: 'make-nullable', name: 'req' });
    await f.evolve({ kind: 'widen-column', name: 'day', type: new TimestampMillisecond() });
    await f.evolve({ kind: 'widen-column', name: 'at', type: new TimestampSecond('UTC') });
    await f.evolve({ kind: 'add-column', name: 'note', type: new Utf8() });
    await f.evolve({ kind: 'add-column', name: 'gone', type: new Int32(), nullable: false, default: 7 }); // a new column under a dropped name
    await f.upsert(70, 600);
    await f.remove(30, 600);
    await f.flush();
    const spread = await expectViewMatchesScan(f.table);
    expect(spread.length).toBeGreaterThanOrEqual(4);
    expect(spread[0]).toBe(0);

    await compact(f.table, { shard: 1 }); // shard 1's base at the current version; shard 0's still at 0
    await f.upsert(40, 600);
    await f.remove(20, 600);
    await f.flush();
    await expectViewMatchesScan(f.table);
    await expectViewMatchesScan(f.table, 'renamed-key'); // a pinned version reads at its own schema
    await f.close();
  });
});
