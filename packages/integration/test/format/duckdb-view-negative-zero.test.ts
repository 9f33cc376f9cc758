/**
 * A -0 in a float column survives the SQL view under every engine that merges stored
 * state. DuckDB 1.5 turns -0 into +0 in three places the view must avoid: a window that
 * sorts or partitions on the value directly, a `row_number() … = 1` filter (rewritten into
 * `arg_min` over a struct of the row: found while building the first-row view), and an
 * ordered aggregate buffering a FLOAT. So the view orders floats by `x + 0.0`, groups and
 * takes `first(… ORDER BY …)`, and passes floats through `first()` as text. Table-driven
 * over the engines with a Float64 and a Float32 column holding -0, 0 and NaN.
 */
import { LocalStore, Table, type MergeEngineName } from '@freshtier/core';
import { ShardWriter, compact } from '@freshtier/writer';
import { Field, Float32, Float64, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, scanRows, tempDir, viewRowsOf } from './duckdb-merge-support.js';
import { duckdb } from './duckdb-support.js';

afterAll(removeTempDirs);

const schema = new Schema([
  new Field('id', new Int64(), false), new Field('seq', new Int64(), true), new Field('d', new Float64(), true),
  new Field('f', new Float32(), true), new Field('s', new Utf8(), true),
]);

function rows(ids: number[], seq: number, d: number[], f: number[]): RecordBatch {
  const children = [
    vectorFromArray(ids.map(BigInt), new Int64()).data[0], vectorFromArray(ids.map(() => BigInt(seq)), new Int64()).data[0],
    vectorFromArray(d, new Float64()).data[0], vectorFromArray(f, new Float32()).data[0], vectorFromArray(ids.map((i) => `s${i}`), new Utf8()).data[0],
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

const CASES: { engine: MergeEngineName; sequence: boolean }[] = [
  { engine: 'deduplicate', sequence: true }, { engine: 'first-row', sequence: false }, { engine: 'first-row', sequence: true },
  { engine: 'partial-update', sequence: false }, { engine: 'partial-update', sequence: true }, { engine: 'aggregate', sequence: true },
];

describe('a -0 in a float column survives the SQL view', () => {
  it.each(CASES)('$engine, sequence field: $sequence', async ({ engine, sequence }) => {
    const table = await Table.create(new LocalStore(tempDir('freshtier-sql-neg0-')), {
      schema, primaryKey: ['id'], shards: 1, mergeEngine: engine, ...(sequence ? { sequenceField: 'seq' } : {}),
      ...(engine === 'aggregate' ? { aggregates: { d: 'first' as const, f: 'last' as const } } : {}),
    });
    const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
    const db = await duckdb();
    await w.put(rows([1, 2, 3, 4, 5, 6], 1, [-0, 0, -0, Number.NaN, -0, 1.5], [-0, -0, 0, -0, Number.NaN, -0]));
    await w.flush();
    const want = await scanRows(table);
    expect(want.filter((r) => r[2] === '-0' || r[3] === '-0').length).toBeGreaterThan(3); // the scan keeps every -0
    expect(await viewRowsOf(db, table)).toEqual(want);
    await w.put(rows([1, 2, 7], 2, [0, -0, -0], [-0, 0, -0]));
    await w.flush();
    await compact(table, { shard: 0 });
    expect(await viewRowsOf(db, table)).toEqual(await scanRows(table));
    db.closeSync();
    await w.close();
  });
});
