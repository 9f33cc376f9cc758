/**
 * Bad input from callers, for bad-input.test.ts: batches and options. Each case gets
 * the fixture and `mark()`, which re-takes the "before" hashes: a case that first
 * opens a writer (claiming an epoch and writing a fence, both legitimate writes)
 * marks after opening, so the comparison covers exactly the bad call.
 * `ODD_INPUTS` are valid but unusual input whose handling is a documented rule
 * (docs/decisions.md "Keys"): they return nothing and check the rule themselves.
 *
 * The fixture every case starts from: a LocalStore table (keyed on `id`) whose shard
 * 0 holds one flushed generation (Parquet + key index, ids 0..19) and three WAL
 * entries not yet flushed (ids 20..49), left by a writer that "crashed" — so a case
 * can damage a real object of every kind, and the whole store can be hashed.
 */
import { LocalStore, Table, type ErrorCode, type ObjectStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, listWal, type ShardWriterOptions, type WalListing } from '@freshtier/writer';
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type DataType } from 'apache-arrow';
import path from 'node:path';
import { expect } from 'vitest';
import { FaultyStore } from '../src/faulty-store.js';
import { makeTable, rangeBatch, rowsBatch, schema, tempDir } from '../src/data.js';
import { scanAll } from '../src/recover.js';

export interface Fixture {
  dir: string;
  store: ObjectStore;
  table: Table;
  /** The flushed generation's data file and key index. */
  parquetPath: string;
  keyIndexPath: string;
  /** WAL entries after the replay point (three data entries), ascending. */
  wal: WalListing[];
  shardManifestVersion: number;
  cleanup(): Promise<void>;
}

export async function badInputFixture(): Promise<Fixture> {
  const { dir, cleanup } = await tempDir('freshtier-bad-');
  const store = new LocalStore(dir);
  const table = await makeTable(store);
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  await w.put(rangeBatch(0, 10, 1));
  await w.put(rangeBatch(10, 20, 2));
  await w.flush();
  for (let i = 2; i < 5; i++) await w.put(rangeBatch(i * 10, i * 10 + 10, i + 1));
  // w is abandoned: its last three puts live only in the WAL
  const { version, doc } = await table.shardManifests(0).latest();
  const file = doc.flushed[0].file;
  return {
    dir, store, table, cleanup,
    parquetPath: file.path,
    keyIndexPath: file.keyIndexPath!,
    wal: (await listWal(store, 0, doc.replayAfter, '.ftw')).filter((e) => e.size > 200), // data entries, not fences
    shardManifestVersion: version,
  };
}

/**
 * Writer options whose backpressure grace period runs on virtual time and passes as soon as a
 * flush has failed: a waiting put then fails with that failure as its cause, without waiting
 * on the wall clock.
 */
function graceAfterFlushFailure(): Pick<ShardWriterOptions, 'clock' | 'onEvent'> {
  let now = 0;
  let failed!: () => void;
  const flushFailed = new Promise<void>((r) => (failed = r));
  return {
    clock: { now: () => now, sleep: (ms) => flushFailed.then(() => void (now += ms)) },
    onEvent: (e) => void (e.type === 'flush-failed' && failed()),
  };
}

/** A RecordBatch of arbitrary columns: `[name, type, values, nullable?]`. */
export function batchOf(columns: [string, DataType, unknown[], boolean?][]): RecordBatch {
  const fields = columns.map(([name, type, , nullable]) => new Field(name, type, nullable ?? true));
  const length = columns[0]?.[2].length ?? 0;
  const children = columns.map(([, type, values]) => vectorFromArray(values, type).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length, nullCount: 0, children }));
}

/** `bytes` with `n` bytes flipped in the middle (the object stays the same size). */
export function flipMiddle(bytes: Uint8Array, n = 8): Uint8Array {
  const out = bytes.slice();
  const at = Math.floor(out.length / 2);
  for (let i = at; i < Math.min(out.length, at + n); i++) out[i] ^= 0xff;
  return out;
}

export type Expected = { code: ErrorCode; message: RegExp } | 'rule';
export interface InputCase {
  name: string;
  expected: Expected;
  /** What may differ in the store (default: errors `unchanged`, rules `additive`). */
  stored?: 'unchanged' | 'additive';
  act(f: Fixture, mark: () => Promise<void>): Promise<unknown>;
}

const fail = (p: Promise<unknown> | (() => unknown)) => (typeof p === 'function' ? Promise.resolve().then(p) : p).then(() => undefined, (e: unknown) => e);
const i64 = new Int64();
const utf8 = new Utf8();
const MiB = 1024 * 1024;

/** Opens the fixture's writer, then marks: the bad call alone is compared. */
async function openThenMark(f: Fixture, mark: () => Promise<void>): Promise<ShardWriter> {
  const w = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
  await mark();
  return w;
}

export const WRITE_INPUTS: InputCase[] = [
  { name: 'wrong schema: extra column', expected: { code: 'SCHEMA_MISMATCH', message: /unexpected column\(s\) extra/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).put(batchOf([['id', i64, [1n]], ['v', i64, [1n]], ['s', utf8, ['a']], ['extra', utf8, ['x']]]))) },
  { name: 'wrong schema: retyped column', expected: { code: 'SCHEMA_MISMATCH', message: /column "v" has type Utf8, the table has Int64/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).put(batchOf([['id', i64, [1n]], ['v', utf8, ['1']], ['s', utf8, ['a']]]))) },
  { name: 'wrong schema: not a RecordBatch', expected: { code: 'SCHEMA_MISMATCH', message: /expected an Arrow RecordBatch/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).put({ id: 1 } as never)) },
  { name: 'missing key column', expected: { code: 'SCHEMA_MISMATCH', message: /missing column "id"/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).put(batchOf([['v', i64, [1n]], ['s', utf8, ['a']]]))) },
  { name: 'null key', expected: { code: 'NULL_PRIMARY_KEY', message: /"id" is null at row 1/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).put(batchOf([['id', i64, [1n, null, 3n]], ['v', i64, [1n, 1n, 1n]], ['s', utf8, ['a', 'b', 'c']]]))) },
  { name: 'delete keys without the key column', expected: { code: 'SCHEMA_MISMATCH', message: /delete keys lack primary-key column "id"/ },
    act: async (f, mark) => fail((await openThenMark(f, mark)).delete(batchOf([['v', i64, [1n]]]))) },
  { name: 'empty batch (accepted, nothing written)', expected: 'rule', stored: 'unchanged',
    act: async (f, mark) => {
      const w = await openThenMark(f, mark);
      const logged = w.status().walLoggedThrough;
      await w.put(rowsBatch([], 1)); // resolves at once: no WAL entry, no memtable batch
      expect([w.status().walLoggedThrough, w.inMemoryMemtableRefs().refs.at(-1)!.batchCount]).toEqual([logged, 0]);
      return undefined;
    } },
  { name: 'batch over the size limit while flushing is stalled', expected: { code: 'BACKPRESSURE', message: /exceed maxUnflushedBytes=1048576 and flushing made no progress/ },
    act: async (f, mark) => {
      const faulty = new FaultyStore(f.store);
      faulty.inject({ ops: 'putIfAbsent', key: 'data.parquet' }); // the store refuses generation files
      const w = await ShardWriter.open(await Table.open(faulty), { shard: 0, maxUnflushedBytes: MiB, flushRetry: { initialDelayMs: 5 }, ...graceAfterFlushFailure() });
      const big = rowsBatch(Array.from({ length: 40_000 }, (_, i) => 1_000 + i), 7); // ~2 MiB: accepted alone, the limit bounds waiting
      await w.put(big);
      await mark();
      const err = await fail(w.put(rowsBatch([5], 8)));
      await w.close().catch(() => undefined); // stops the background retries; the store still refuses, so nothing lands
      return err;
    } },
  { name: 'bad writer options', expected: { code: 'INVALID_OPTIONS', message: /maxMemtableRows: .*durabilty|durabilty.*maxMemtableRows/ },
    act: (f) => fail(ShardWriter.open(f.table, { shard: 0, maxMemtableRows: 0, durabilty: 'yes' } as never)) },
  { name: 'bad writer options: shard out of range', expected: { code: 'INVALID_OPTIONS', message: /shard 7 does not exist: the table has shards 0..0/ },
    act: (f) => fail(ShardWriter.open(f.table, { shard: 7 })) },
  { name: 'bad scanner options', expected: { code: 'INVALID_OPTIONS', message: /batchSize: must be an integer >= 1.*writers\.0: not a MemtableSource|writers\.0.*batchSize/ },
    act: (f) => fail(() => new LsmScanner(f.table, { batchSize: 0, writers: [{} as never] })) },
  { name: 'bad scan options: unknown column', expected: { code: 'INVALID_OPTIONS', message: /columns\.0: unknown column "nope" \(available: id, v, s\)/ },
    act: (f) => fail(() => new LsmScanner(f.table).scan({ columns: ['nope'] })) },
  { name: 'bad AsOfCut', expected: { code: 'INVALID_OPTIONS', message: /not a cut of this table/ },
    act: (f) => fail(new LsmScanner(f.table).containsPksAsOf([{ id: 1n }], { shard: 5, compactedThrough: -1, activeGeneration: 1, activeBatchCount: 0 })) },
  { name: 'bad table options: zero shards', expected: { code: 'INVALID_OPTIONS', message: /Invalid Table\.create options: shards/ },
    act: (f) => fail(Table.create(new LocalStore(path.join(f.dir, 'other')), { schema, primaryKey: ['id'], shards: 0 })) },
  { name: 'bad table options: key column not in the schema', expected: { code: 'SCHEMA_MISMATCH', message: /primary-key column "nope" is not in the schema/ },
    act: (f) => fail(Table.create(new LocalStore(path.join(f.dir, 'other')), { schema, primaryKey: ['nope'] })) },
  { name: 'create over an existing table', expected: { code: 'ALREADY_EXISTS', message: /_table\.json.*a table already exists here/ },
    act: (f) => fail(Table.create(f.store, { schema: new Schema([new Field('x', new Int32(), false)]) })) },
];

export const ODD_INPUTS: InputCase[] = [
  { name: 'duplicate keys inside one batch: the last row wins', expected: 'rule',
    act: async (f, mark) => {
      const w = await openThenMark(f, mark);
      await w.put(batchOf([['id', i64, [500n, 501n, 500n, 500n]], ['v', i64, [1n, 2n, 3n, 4n]], ['s', utf8, ['a', 'b', 'c', 'd']]]));
      const newest = async (ws: ShardWriter[]) => (await scanAll(f.table, ws)).rows.filter((r) => r.id >= 500).sort((a, b) => a.id - b.id);
      expect(await newest([w])).toEqual([{ id: 500, v: 4 }, { id: 501, v: 2 }]); // in memory
      const replayed = await ShardWriter.open(f.table, { shard: 0, autoFlush: false }); // after a crash: from the WAL
      expect(await newest([replayed])).toEqual([{ id: 500, v: 4 }, { id: 501, v: 2 }]);
      await replayed.close(); // flushed: dedup within the generation
      expect(await newest([])).toEqual([{ id: 500, v: 4 }, { id: 501, v: 2 }]);
      return undefined;
    } },
  { name: 'NaN and -0 keys: -0 is 0, every NaN is one key', expected: 'rule',
    act: async (f) => {
      const store = new LocalStore(path.join(f.dir, 'float'));
      const fschema = new Schema([new Field('k', new Float64(), false), new Field('v', i64, true)]);
      const table = await Table.create(store, { schema: fschema, primaryKey: ['k'] });
      const otherNaN = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]; // a NaN with other payload bits
      const w = await ShardWriter.open(table, { shard: 0 });
      await w.put(batchOf([['k', new Float64(), [0, -0, NaN, otherNaN, 1.5]], ['v', i64, [1n, 2n, 3n, 4n, 5n]]]));
      const read = async (ws: ShardWriter[]) => {
        const out: [number, number][] = [];
        for await (const b of new LsmScanner(table, { writers: ws }).scan()) for (let i = 0; i < b.numRows; i++) out.push([b.getChild('k')!.get(i), Number(b.getChild('v')!.get(i))]);
        return out.map(([k, v]) => [Object.is(k, -0) ? 0 : k, v]).sort((a, b) => a[1] - b[1]);
      };
      expect(await read([w])).toEqual([[0, 2], [NaN, 4], [1.5, 5]]);
      await w.close();
      expect(await read([])).toEqual([[0, 2], [NaN, 4], [1.5, 5]]);
      return undefined;
    } },
  { name: 'huge string (20 MiB) survives the WAL, replay and Parquet', expected: 'rule',
    act: async (f, mark) => {
      const w = await openThenMark(f, mark);
      const huge = 'x'.repeat(20 * MiB - 7) + 'the-end';
      await w.put(batchOf([['id', i64, [900n]], ['v', i64, [9n]], ['s', utf8, [huge]]]));
      const sOf = async (ws: ShardWriter[]) => {
        for await (const b of new LsmScanner(f.table, { writers: ws }).scan({ columns: ['id', 's'] })) {
          const ids = b.getChild('id')!;
          for (let row = 0; row < b.numRows; row++) if (ids.get(row) === 900n) return b.getChild('s')!.get(row) as string;
        }
        return undefined;
      };
      expect((await sOf([w]))?.length).toBe(huge.length);
      const replayed = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
      expect(await sOf([replayed]) === huge).toBe(true);
      await replayed.close();
      expect(await sOf([]) === huge).toBe(true);
      return undefined;
    } },
];
