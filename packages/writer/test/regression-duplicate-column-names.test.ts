/**
 * Regression: a schema with two fields of one name was accepted, a durable put was acked,
 * and no flush ever succeeded; a batch holding a column twice was accepted and one copy
 * silently ignored. Both are refused now: `Table.create` (`InvalidOptionsError` naming the
 * field) and every batch entry point — put, delete keys, ingest, and lookup keys of `get`,
 * `containsPks` and `containsPksAsOf` (`SchemaMismatchError`) — with the store unchanged.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Int32, Int64, Schema, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { batchOf, type Column } from './support/columns.js';
import { makeTable, rowsBatch } from './support/fixtures.js';
import { expectCode, refusedUnchanged } from './support/refusals.js';

const i64 = new Int64();
const id: Column = ['id', i64, [1n], false];
const v: Column = ['v', new Int32(), [1]];
const s: Column = ['s', new Utf8(), ['a']];

/** Schemas with a repeated name, and where the repeat is. */
const SCHEMAS: [string, Field[], string, number][] = [
  ['a value column twice', [new Field('id', i64, false), new Field('v', i64), new Field('v', i64)], 'v', 2],
  ['a value column twice, other types', [new Field('id', i64, false), new Field('v', i64), new Field('v', new Utf8())], 'v', 2],
  ['the key column twice', [new Field('id', i64, false), new Field('v', i64), new Field('id', i64, false)], 'id', 2],
  ['a column three times', [new Field('id', i64, false), new Field('x', i64), new Field('x', i64), new Field('x', i64)], 'x', 2],
];

/** Batches for the table (`id`, `v`, `s`) with a repeated column. */
const BATCHES: [string, Column[], string][] = [
  ['a value column twice', [id, v, s, ['v', new Int32(), [2]]], 'v'],
  ['the key column twice', [id, v, s, ['id', i64, [2n], false]], 'id'],
  ['a column twice, the copy first', [['s', new Utf8(), ['z']], id, v, s], 's'],
];

describe('regression: duplicate column names', () => {
  it.each(SCHEMAS)('Table.create refuses %s, writing nothing', async (_what, fields, name, index) => {
    const store = new MemoryStore();
    const err = await refusedUnchanged(store, () => Table.create(store, { schema: new Schema(fields), primaryKey: ['id'] }));
    expectCode(err, 'INVALID_OPTIONS', `"${name}" is named twice`, `schema.fields.${index}.name`);
    expect(await store.list('')).toEqual([]);
  });

  describe.each(BATCHES)('a batch with %s is refused', (_what, columns, name) => {
    const open = async () => {
      const table = await makeTable(new MemoryStore());
      const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
      await writer.put(rowsBatch([1, 2], 5)); // something to look up
      return { table, writer };
    };

    it('put', async () => {
      const { table, writer } = await open();
      expectCode(await refusedUnchanged(table.store, () => writer.put(batchOf(columns))), 'SCHEMA_MISMATCH', `"${name}" is named twice`);
    });

    it('ingest', async () => {
      const { table, writer } = await open();
      expectCode(await refusedUnchanged(table.store, () => writer.ingest([rowsBatch([3], 1), batchOf(columns)])), 'SCHEMA_MISMATCH', `"${name}" is named twice`);
    });

    it('delete keys', async () => {
      const { table, writer } = await open();
      const keys = columns.filter((c) => c[0] === name || c[0] === 'id');
      expectCode(await refusedUnchanged(table.store, () => writer.delete(batchOf(keys))), 'SCHEMA_MISMATCH', `"${name}" is named twice`);
    });

    it('lookup keys (get, containsPks, containsPksAsOf, a snapshot)', async () => {
      const { table, writer } = await open();
      const scanner = new LsmScanner(table, { writers: [writer] });
      const result = scanner.scan();
      await result.toTable();
      const snap = await scanner.snapshot();
      const keys = batchOf(columns);
      for (const call of [() => scanner.get(keys), () => scanner.containsPks(keys), async () => scanner.containsPksAsOf(keys, await result.cuts), () => snap.get(keys)]) {
        expectCode(await refusedUnchanged(table.store, call), 'SCHEMA_MISMATCH', `"${name}" is named twice`);
      }
    });
  });

  it('a batch with every name once still goes in (the check is not too strict)', async () => {
    const table = await makeTable(new MemoryStore());
    const writer = await ShardWriter.open(table, { shard: 0, flushInWorker: false });
    await writer.put(batchOf([s, v, id])); // any order
    expect(await new LsmScanner(table, { writers: [writer] }).containsPks(batchOf([id, v]))).toEqual([true]);
    await writer.close();
  });
});
