/**
 * The SQL view of every merge engine over files of several schema versions (issue 17): the
 * state columns (`_ft_seq_<c>`, `_ft_sum_<c>`) follow their column through renames, a
 * column added later has none in older files, a renamed key and a renamed sequence field
 * keep partitioning and ordering, a widened `min` column compares across versions, and a
 * dropped column's state is left out — the view equals the scan after every step.
 */
import type { Table } from '@freshtier/core';
import { ShardWriter, compact, evolveSchema, type VersionRef } from '@freshtier/writer';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, Type, makeData, vectorFromArray, type Data, type DataType } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { prng } from '../../../../reliability/src/data.js';
import { ENGINE_CONFIGS, expectViewEqualsScan, localMergeTable, removeTempDirs, testWriter } from './duckdb-merge-support.js';
import { duckdb } from './duckdb-support.js';

afterAll(removeTempDirs);

/** Rows of every column of the table's current schema for `ids` (the sequence field never null). */
function rowsBatch(table: Table, ids: number[], next: () => number): RecordBatch {
  const schema = table.schema;
  const seq = table.mergeSpec.sequenceField;
  const children: Data[] = schema.fields.map((f) => column(f, ids, table.primaryKey.includes(f.name), f.name === seq, next));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

function column(f: Field, ids: number[], key: boolean, seq: boolean, next: () => number): Data {
  const maybe = <T>(v: T): T | null => (!seq && next() < 0.2 ? null : v);
  const n = () => Math.floor(next() * 200) - 100;
  const t = f.type as DataType & { bitWidth?: number };
  if (key) return vectorFromArray(ids.map(BigInt), new Int64()).data[0];
  switch (t.typeId) {
    case Type.Int: return vectorFromArray(ids.map(() => maybe(t.bitWidth === 64 ? BigInt(n()) : n())), t).data[0];
    case Type.Float: return vectorFromArray(ids.map(() => maybe([-0, 0, 1.5, -2.25][Math.floor(next() * 4)])), t).data[0];
    case Type.Utf8: return vectorFromArray(ids.map(() => maybe(['x', 'yy', 'é', 'Z', ''][Math.floor(next() * 5)])), t).data[0];
    case Type.Bool: return vectorFromArray(ids.map(() => maybe(next() < 0.5)), t).data[0];
    default: throw new Error(`no generator for ${String(t)}`);
  }
}

function keysBatch(table: Table, ids: number[]): RecordBatch {
  const f = table.schema.fields.find((x) => x.name === table.primaryKey[0])!;
  return new RecordBatch(new Schema([f]), makeData({ type: new Struct([f]), length: ids.length, nullCount: 0, children: [vectorFromArray(ids.map(BigInt), new Int64()).data[0]] }));
}

describe('the DuckDB view of every merge engine across schema versions', () => {
  it.each(ENGINE_CONFIGS)('$engine, sequence field: $sequence', { timeout: 90_000 }, async (config) => {
    let table = await localMergeTable(config);
    const next = prng(170 + ENGINE_CONFIGS.indexOf(config)).next;
    const db = await duckdb();
    let w: ShardWriter = await testWriter(table);
    const ids = (count: number, space: number) => [...new Set(Array.from({ length: count }, () => Math.floor(next() * space)))];
    const write = async (space: number) => {
      await w.put(rowsBatch(table, ids(30, space), next));
      await w.put(rowsBatch(table, ids(20, space), next));
      await w.delete(keysBatch(table, ids(6, space)));
      await w.put(rowsBatch(table, ids(5, space), next)); // some deleted keys again: cut rows
      await w.flush();
    };
    const evolve = async (change: Parameters<typeof evolveSchema>[1]) => {
      await w.close();
      table = await evolveSchema(table, change);
      w = await testWriter(table);
    };
    const check = (ref?: VersionRef) => expectViewEqualsScan(db, table, ref);

    await write(40);
    await compact(table, { shard: 0 });
    await write(50);
    expect(await check()).toBeGreaterThan(0);
    await evolve({ kind: 'rename-column', name: 'a', to: 'total' }); // a sum column: its _ft_sum_ follows
    await evolve({ kind: 'add-column', name: 'z', type: new Int64(), ...(config.engine === 'aggregate' ? { aggregate: 'sum' as const } : {}) });
    // a default in older data: a stored state of an older file holds it, with no _ft_seq_/_ft_sum_ of its own
    // (aggregate: a max column, since a sum or count column takes no default)
    await evolve({ kind: 'add-column', name: 'y', type: new Int32(), default: 5, ...(config.engine === 'aggregate' ? { aggregate: 'max' as const } : {}) });
    await write(60);
    await check();
    await evolve({ kind: 'widen-column', name: 'h', type: new Int64() }); // min under aggregate
    await evolve({ kind: 'drop-column', name: 'g' });
    await evolve({ kind: 'rename-column', name: 'id', to: 'key' });
    if (config.sequence) await evolve({ kind: 'rename-column', name: 'seq', to: 'sq' });
    await evolve({ kind: 'rename-column', name: 'f', to: 'g' }); // a new column under the dropped one's name
    await write(70);
    await check();
    await compact(table, { shard: 0 });
    await write(80);
    await check();
    await w.close();
    db.closeSync();
  });
});
