/**
 * Bad names and options, for bad-input.test.ts (issue 18, "Lost data: text input and names"
 * and "Messages and options"): reserved `_ft_` column names and repeated column names at
 * table creation and in batches, unknown option keys at every entry point, a manifest naming
 * a path outside the table root, and a tag that does not exist. Each is refused with a typed
 * error whose message names what is wrong, and the store is byte-identical afterwards.
 */
import { LocalStore, Table, layout, sealedJsonBytes } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, checkout, compact, gc, rollback } from '@freshtier/writer';
import { Bool, Field, Int32, Int64, Schema, Utf8 } from 'apache-arrow';
import path from 'node:path';
import { keysBatch, schema } from '../src/data.js';
import { scanAll } from '../src/recover.js';
import { batchOf, type Fixture, type InputCase } from './bad-input-cases.js';

const fail = (p: Promise<unknown> | (() => unknown)) => (typeof p === 'function' ? Promise.resolve().then(p) : p).then(() => undefined, (e: unknown) => e);
const i64 = new Int64();
const utf8 = new Utf8();
const row = [['id', i64, [1n]], ['v', i64, [1n]], ['s', utf8, ['a']]] as [string, Int64 | Utf8, unknown[]][];

async function openThenMark(f: Fixture, mark: () => Promise<void>): Promise<ShardWriter> {
  const w = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
  await mark();
  return w;
}

/** A store inside the fixture's root: whatever a create there would write is seen by the hashes. */
const otherStore = (f: Fixture) => new LocalStore(path.join(f.dir, 'other'));

/** Plants the next version of a manifest: the latest with one file path replaced, as a hand edit or an attack would. */
async function plantEscape(f: Fixture, which: 'shard' | 'base', field: 'path' | 'keyIndexPath', to: string): Promise<void> {
  const store = which === 'shard' ? f.table.shardManifests(0) : f.table.baseManifests;
  const { version, doc } = await store.latest();
  const file = { path: 'base/data/x.parquet', keyIndexPath: 'base/data/x.keys.arrow', rows: 1, bytes: 1, rowGroupSize: 1 };
  const edited = which === 'shard'
    ? { ...doc, flushed: (doc as { flushed: { file: object }[] }).flushed.map((g, i) => (i === 0 ? { ...g, file: { ...g.file, [field]: to } } : g)) }
    : { ...doc, files: [{ ...file, shard: 0, [field]: to }] };
  // sealed with a valid checksum, as an attacker who recomputes it would: the path check must still refuse it
  await f.store.putIfAbsent(layout.manifest(store.dir, version + 1), sealedJsonBytes(edited));
}

const unknownKey = (key: string) => new RegExp(`${key.replace('.', '\\.')}: unknown option`);

export const NAME_INPUTS: InputCase[] = [
  // reserved `_ft_` names
  { name: 'reserved column name at Table.create', expected: { code: 'INVALID_OPTIONS', message: /schema\.fields\.1\.name: "_ft_tombstone" starts with "_ft_", the prefix reserved/ },
    act: (f) => fail(Table.create(otherStore(f), { schema: new Schema([new Field('id', i64, false), new Field('_ft_tombstone', new Bool())]), primaryKey: ['id'] })) },
  { name: 'reserved column name in a put batch', expected: { code: 'SCHEMA_MISMATCH', message: /"_ft_tombstone" starts with "_ft_"/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).put(batchOf([...row, ['_ft_tombstone', new Bool(), [true]]]))) },
  { name: 'reserved column name in delete keys', expected: { code: 'SCHEMA_MISMATCH', message: /"_ft_batch" starts with "_ft_"/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).delete(batchOf([['id', i64, [1n]], ['_ft_batch', new Int32(), [0]]]))) },
  { name: 'reserved column name in an ingest batch', expected: { code: 'SCHEMA_MISMATCH', message: /"_ft_x" starts with "_ft_"/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).ingest(batchOf([...row, ['_ft_x', utf8, ['x']]]))) },
  // repeated names
  { name: 'duplicate field at Table.create', expected: { code: 'INVALID_OPTIONS', message: /schema\.fields\.2\.name: "v" is named twice/ },
    act: (f) => fail(Table.create(otherStore(f), { schema: new Schema([new Field('id', i64, false), new Field('v', i64), new Field('v', i64)]), primaryKey: ['id'] })) },
  { name: 'duplicate column in a put batch', expected: { code: 'SCHEMA_MISMATCH', message: /"v" is named twice/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).put(batchOf([...row, ['v', i64, [2n]]]))) },
  { name: 'duplicate key column in delete keys', expected: { code: 'SCHEMA_MISMATCH', message: /"id" is named twice/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).delete(batchOf([['id', i64, [1n]], ['id', i64, [2n]]]))) },
  { name: 'duplicate key column in lookup keys', expected: { code: 'SCHEMA_MISMATCH', message: /"id" is named twice/ },
    act: (f) => fail(new LsmScanner(f.table).containsPks(batchOf([['id', i64, [1n]], ['id', i64, [2n]]]))) },
  // unknown option keys, one entry point each
  ...([
    ['Table.create', 'mergeEngin', (f) => Table.create(otherStore(f), { schema, primaryKey: ['id'], mergeEngin: 'first-row' } as never)],
    ['ShardWriter.open', 'durabilty', (f) => ShardWriter.open(f.table, { shard: 0, durabilty: 'none' } as never)],
    ['ShardWriter.open flushRetry', 'flushRetry.maxAttempt', (f) => ShardWriter.open(f.table, { shard: 0, flushRetry: { maxAttempt: 1 } } as never)],
    ['LsmScanner', 'batchSise', (f) => new LsmScanner(f.table, { batchSise: 1 } as never)],
    ['scan', 'colums', (f) => new LsmScanner(f.table).scan({ colums: ['id'] } as never)],
    ['get', 'colums', (f) => new LsmScanner(f.table).get(keysBatch([1]), { colums: ['id'] } as never)],
    ['checkout', 'batchSise', (f) => checkout(f.table, { baseVersion: 0, shardVersions: [f.shardManifestVersion] }, { batchSise: 1 } as never)],
    ['compact', 'maxRows', (f) => compact(f.table, { shard: 0, maxRows: 1 } as never)],
    ['gc', 'dryrun', (f) => gc(f.table, { olderThan: 0, dryrun: true } as never)],
    ['rollback', 'onstep', (f) => rollback(f.table, { baseVersion: 0, shardVersions: [1] }, { onstep: () => undefined } as never)],
  ] as [string, string, (f: Fixture) => unknown][]).map(([what, key, call]): InputCase => ({
    name: `unknown option key: ${what} { ${key} }`, expected: { code: 'INVALID_OPTIONS', message: unknownKey(key) }, act: (f) => fail(() => call(f)),
  })),
  // a manifest naming a path outside the table root, planted at rest, then the table is loaded
  ...([
    ['shard', 'path', '../../etc/passwd', (f: Fixture) => scanAll(f.table)],
    ['shard', 'keyIndexPath', '/etc/passwd', (f: Fixture) => ShardWriter.open(f.table, { shard: 0, autoFlush: false })],
    ['base', 'path', 'base\\..\\..\\secret.parquet', (f: Fixture) => scanAll(f.table)],
    ['base', 'keyIndexPath', 'base//data/x.keys.arrow', (f: Fixture) => compact(f.table, { shard: 0 })],
  ] as const).map(([which, field, to, load]): InputCase => ({
    name: `${which} manifest naming ${JSON.stringify(to)} as ${field}`, stored: 'unchanged',
    expected: { code: 'CORRUPT_ENTRY', message: new RegExp(`_manifests/v\\d{20}\\.json: invalid document \\(.*${field}: .* is not a path inside the table root`) },
    act: async (f, mark) => {
      await plantEscape(f, which, field, to);
      await mark();
      return fail(async () => load({ ...f, table: await Table.open(f.store) }));
    },
  })),
  // a tag that does not exist
  { name: 'rollback to an unknown tag', expected: { code: 'NOT_FOUND', message: /There is no tag "nigthly" in file:.*; list the tags with `freshtier tags / },
    act: (f) => fail(rollback(f.table, 'nigthly')) },
  { name: 'checkout of an unknown tag', expected: { code: 'NOT_FOUND', message: /There is no tag "nigthly" in file:.*; list the tags with `freshtier tags / },
    act: (f) => fail(checkout(f.table, 'nigthly')) },
];
