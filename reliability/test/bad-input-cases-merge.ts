/**
 * Bad input around merge engines (issue 13; docs/merge-engines.md), for bad-input.test.ts:
 * merge options that do not fit the schema at `Table.create`, a `_table.json` whose merge
 * options were edited to not fit, puts a merge engine refuses (no sequence value, a NaN one,
 * a partial put where only partial-update takes one), and a read whose aggregate leaves its
 * column's type. Each is refused with a typed error naming what is wrong; the store is
 * byte-identical afterwards.
 */
import { LocalStore, Table, layout, sealedJsonBytes, type CreateTableOptions } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { Field, Float64, Int64, Int8, Schema, Utf8 } from 'apache-arrow';
import path from 'node:path';
import { batchOf, type Fixture, type InputCase } from './bad-input-cases.js';

const fail = (p: Promise<unknown> | (() => unknown)) => (typeof p === 'function' ? Promise.resolve().then(p) : p).then(() => undefined, (e: unknown) => e);
const i64 = new Int64();
const utf8 = new Utf8();
const f64 = new Float64();

/** A table of id (key), ts (Float64), v (Int8), s, in the fixture's root (so the hashes see what a create writes). */
const eventsSchema = new Schema([new Field('id', i64, false), new Field('ts', f64, true), new Field('v', new Int8(), true), new Field('s', utf8, true)]);
const otherStore = (f: Fixture) => new LocalStore(path.join(f.dir, 'other'));
const create = (f: Fixture, options: Partial<CreateTableOptions>) => Table.create(otherStore(f), { schema: eventsSchema, primaryKey: ['id'], ...options });

/** Creates a table with `options` and opens its writer, then marks: the bad call alone is compared. */
async function writerThenMark(f: Fixture, mark: () => Promise<void>, options: Partial<CreateTableOptions>): Promise<ShardWriter> {
  const w = await ShardWriter.open(await create(f, options), { shard: 0, autoFlush: false });
  await mark();
  return w;
}

export const MERGE_INPUTS: InputCase[] = [
  { name: 'merge options: unknown engine', expected: { code: 'INVALID_OPTIONS', message: /mergeEngine: must be one of deduplicate, partial-update, first-row, aggregate/ },
    act: (f) => fail(create(f, { mergeEngine: 'newest' as never })) },
  { name: 'merge options: an aggregate that does not fit its column', expected: { code: 'INVALID_OPTIONS', message: /aggregates\.s: sum takes an integer column; "s" is Utf8/ },
    act: (f) => fail(create(f, { mergeEngine: 'aggregate', aggregates: { s: 'sum' } })) },
  { name: 'merge options: a key column as the sequence field', expected: { code: 'INVALID_OPTIONS', message: /sequenceField: "id" is a primary-key column/ },
    act: (f) => fail(create(f, { sequenceField: 'id' })) },
  { name: 'merge options: a string sequence field', expected: { code: 'INVALID_OPTIONS', message: /sequenceField: "s" is Utf8/ },
    act: (f) => fail(create(f, { sequenceField: 's' })) },
  { name: '_table.json with merge options edited to not fit its schema', expected: { code: 'CORRUPT_ENTRY', message: /_table\.json: its merge options do not fit its schema: sequenceField: "gone" is not a column/ },
    act: async (f, mark) => {
      const store = otherStore(f);
      await create(f, {});
      const { checksum: _sealed, ...doc } = JSON.parse(new TextDecoder().decode(await store.get(layout.tableDoc)));
      await store.put(layout.tableDoc, sealedJsonBytes({ ...doc, sequenceField: 'gone' })); // a valid checksum: only the meaning is wrong
      await mark();
      return fail(Table.open(store));
    } },
  { name: 'put without a sequence value', expected: { code: 'SCHEMA_MISMATCH', message: /"ts" is the table's sequence field and is null at row 1/ },
    act: async (f, mark) => fail((await writerThenMark(f, mark, { sequenceField: 'ts' })).put(batchOf([['id', i64, [1n, 2n]], ['ts', f64, [1, null]], ['v', new Int8(), [1, 1]], ['s', utf8, ['a', 'b']]]))) },
  { name: 'put with a NaN sequence value', expected: { code: 'SCHEMA_MISMATCH', message: /"ts" is the table's sequence field and is NaN at row 0/ },
    act: async (f, mark) => fail((await writerThenMark(f, mark, { mergeEngine: 'first-row', sequenceField: 'ts' })).put(batchOf([['id', i64, [1n]], ['ts', f64, [NaN]], ['v', new Int8(), [1]], ['s', utf8, ['a']]]))) },
  { name: 'partial put on a partial-update table without the sequence field', expected: { code: 'SCHEMA_MISMATCH', message: /missing column "ts"/ },
    act: async (f, mark) => fail((await writerThenMark(f, mark, { mergeEngine: 'partial-update', sequenceField: 'ts' })).put(batchOf([['id', i64, [1n]], ['s', utf8, ['a']]]))) },
  { name: 'partial put on an aggregate table (only partial-update takes one)', expected: { code: 'SCHEMA_MISMATCH', message: /missing column "v"/ },
    act: async (f, mark) => fail((await writerThenMark(f, mark, { mergeEngine: 'aggregate', aggregates: { v: 'sum' } })).put(batchOf([['id', i64, [1n]], ['ts', f64, [1]], ['s', utf8, ['a']]]))) },
  { name: 'a read whose sum leaves its column type', expected: { code: 'AGGREGATE_OVERFLOW', message: /sum of column "v" for one key is 200, outside its type Int8.*never wraps or clamps/ },
    act: async (f, mark) => {
      const table = await create(f, { mergeEngine: 'aggregate', aggregates: { v: 'sum' } });
      const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
      for (const v of [100, 100]) await w.put(batchOf([['id', i64, [1n]], ['ts', f64, [1]], ['v', new Int8(), [v]], ['s', utf8, ['a']]]));
      await w.flush();
      await mark();
      return fail(new LsmScanner(table).scan().toTable());
    } },
];
