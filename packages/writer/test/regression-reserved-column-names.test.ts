/**
 * Regression: a user column named with the `_ft_` prefix (e.g. `_ft_tombstone`) was accepted
 * by `Table.create`, and after the flush every row whose value was true was gone: flushed
 * generation files carry freshtier's system columns under that prefix. The prefix is now
 * reserved: refused at `Table.create` (`InvalidOptionsError` naming the field) and in every
 * batch — put, delete keys, ingest of batches or Parquet — (`SchemaMismatchError`), with the
 * store byte-identical afterwards.
 */
import { MemoryStore, Table, writeParquetFile } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Bool, Field, Int32, Int64, Schema, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { batchOf, type Column } from './support/columns.js';
import { makeTable } from './support/fixtures.js';
import { expectCode, refusedUnchanged } from './support/refusals.js';

const RESERVED = ['_ft_tombstone', '_ft_batch', '_ft_', '_ft_my_column'];
const i64 = new Int64();

describe('regression: reserved column names (`_ft_` prefix)', () => {
  it.each(RESERVED.flatMap((name) => [[name, 'a value column'], [name, 'the key column']] as const))('Table.create refuses %s as %s, writing nothing', async (name, role) => {
    const store = new MemoryStore();
    const fields = role === 'the key column' ? [new Field(name, i64, false), new Field('v', i64)] : [new Field('id', i64, false), new Field(name, new Bool())];
    const err = await refusedUnchanged(store, () => Table.create(store, { schema: new Schema(fields), primaryKey: [fields[0].name] }));
    expectCode(err, 'INVALID_OPTIONS', `"${name}"`, 'reserved', role === 'the key column' ? 'schema.fields.0.name' : 'schema.fields.1.name');
    expect(await store.list('')).toEqual([]);
  });

  it('names that only look alike are ordinary columns, and their true rows survive a flush', async () => {
    const names = ['ft_tombstone', '_FT_tombstone', 'x_ft_tombstone', '__ft_tombstone'];
    const schema = new Schema([new Field('id', i64, false), ...names.map((n) => new Field(n, new Bool()))]);
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'] });
    const w = await ShardWriter.open(table, { shard: 0, flushInWorker: false });
    await w.put(batchOf([['id', i64, [1n, 2n, 3n], false], ...names.map((n): Column => [n, new Bool(), [true, false, true]])]));
    await w.close(); // flushed
    expect((await new LsmScanner(table).scan().toTable()).numRows).toBe(3);
  });

  describe.each(RESERVED)('a batch carrying %s is refused before anything is written', (name) => {
    const extra: Column = [name, new Bool(), [true]];
    const row: Column[] = [['id', i64, [1n], false], ['v', new Int32(), [1]], ['s', new Utf8(), ['a']]];
    const open = async () => {
      const table = await makeTable(new MemoryStore());
      return { table, writer: await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false }) };
    };

    it('put', async () => {
      const { table, writer } = await open();
      expectCode(await refusedUnchanged(table.store, () => writer.put(batchOf([...row, extra]))), 'SCHEMA_MISMATCH', `"${name}"`, 'reserved');
      expect(writer.inMemoryMemtableRefs().refs.every((r) => r.batchCount === 0)).toBe(true);
    });

    it('delete keys', async () => {
      const { table, writer } = await open();
      expectCode(await refusedUnchanged(table.store, () => writer.delete(batchOf([row[0], extra]))), 'SCHEMA_MISMATCH', `"${name}"`, 'reserved');
    });

    it('ingest of a batch', async () => {
      const { table, writer } = await open();
      expectCode(await refusedUnchanged(table.store, () => writer.ingest(batchOf([...row, extra]))), 'SCHEMA_MISMATCH', `"${name}"`, 'reserved');
    });

    it('ingest of Parquet bytes', async () => {
      const { table, writer } = await open();
      const parquet = writeParquetFile([batchOf([...row, extra])]);
      expectCode(await refusedUnchanged(table.store, () => writer.ingest(parquet)), 'SCHEMA_MISMATCH', `"${name}"`, 'reserved');
    });
  });
});
