/**
 * Writer throughput on a LocalStore in a temporary directory.
 *
 * 1. Durable upserts: 10 concurrent producers put 1,000-row batches (id Int64 key,
 *    v Int32, f Float64, s Utf8); 10% of each batch's keys update earlier rows.
 *    Background flushing runs as in production (default memtable limits).
 * 2. Flush: encoding one generation (dedup + sort + system columns + Parquet +
 *    key index) and writing it, versus plain parquet-wasm `writeParquet` of the
 *    same rows (core's `writeParquetFile`).
 *
 * Run from packages/writer: `node --conditions=freshtier-src --import tsx bench/writer-throughput.ts`
 * Environment: ROWS (default 2,000,000), PRODUCERS (10), FLUSH_ROWS (1,000,000),
 * NO_FLUSH=1 (memtables large enough that nothing is flushed before close: the put path alone).
 */
import { LocalStore, Memtable, Table, encodeGeneration, encodeKeyIndex, encodeKeys, writeParquetFile } from '@freshtier/core';
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ShardWriter, listWal } from '../src/index.js';
import { sharedFlushPool } from '../src/flush/flush-pool.js';

const ROWS = Number(process.env.ROWS ?? 2_000_000);
const PRODUCERS = Number(process.env.PRODUCERS ?? 10);
const FLUSH_ROWS = Number(process.env.FLUSH_ROWS ?? 1_000_000);
const BATCH = 1_000;

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('v', new Int32(), true),
  new Field('f', new Float64(), true),
  new Field('s', new Utf8(), true),
]);

/** Batch `b`: 900 new ids and 100 ids of earlier batches (updates). */
function makeBatch(b: number): RecordBatch {
  const ids = new BigInt64Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    const update = i % 10 === 9 && b > 0;
    ids[i] = BigInt(update ? Math.floor(Math.random() * b * 900) : b * 900 + i - Math.floor(i / 10));
  }
  const children = [
    makeData({ type: new Int64(), length: BATCH, data: ids }),
    makeData({ type: new Int32(), length: BATCH, data: Int32Array.from({ length: BATCH }, (_, i) => b + i) }),
    makeData({ type: new Float64(), length: BATCH, data: Float64Array.from({ length: BATCH }, () => Math.random()) }),
    vectorFromArray(Array.from({ length: BATCH }, (_, i) => `user-${b}-${i}-xxxx`), new Utf8()).data[0],
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: BATCH, nullCount: 0, children }));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function durableUpserts(dir: string, batches: RecordBatch[]): Promise<void> {
  const table = await Table.create(new LocalStore(dir), { schema, primaryKey: ['id'] });
  let flushes = 0;
  const noFlush = process.env.NO_FLUSH === '1';
  const big = noFlush ? { maxMemtableRows: 1e8, maxMemtableBytes: 2 ** 31, maxUnflushedBytes: 2 ** 32, autoFlush: false } : {};
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', ...big, onEvent: (e) => void (e.type === 'flush-committed' && flushes++) });
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: PRODUCERS }, async () => {
    while (next < batches.length) await writer.put(batches[next++]);
  }));
  const putSeconds = (performance.now() - started) / 1000;
  const entries = (await listWal(table.store, 0)).length - 1; // minus the fence
  await writer.close();
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`durable upsert${noFlush ? ' (no flush until close)' : ''}: ${fmt(ROWS / putSeconds)} rows/s (${fmt(ROWS)} rows, ${PRODUCERS} producers, ${BATCH}-row batches, ${putSeconds.toFixed(2)} s)`);
  console.log(`  WAL entries: ${entries} (${(batches.length / entries).toFixed(1)} batches per group commit); flush commits during the run: ${flushes}; encoded in the flush worker: ${sharedFlushPool().completed}`);
  console.log(`  including close() (final flush): ${fmt(ROWS / totalSeconds)} rows/s`);
}

async function flushVsParquet(dir: string, batches: RecordBatch[]): Promise<void> {
  const m = new Memtable(0, 1, true);
  for (const b of batches) m.append(b, 'put', encodeKeys(b, ['id']), -1);
  m.freeze();
  const rows = m.rowCount;
  let t = performance.now();
  const g = encodeGeneration(m, schema, m.batchCount, {});
  const keys = encodeKeyIndex(g.keyIndex!);
  const encodeSeconds = (performance.now() - t) / 1000;
  const store = new LocalStore(dir);
  t = performance.now();
  await store.putIfAbsent('gen/data.parquet', g.parquet);
  await store.putIfAbsent('gen/data.keys.arrow', keys);
  const putSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const raw = writeParquetFile(batches, {});
  const rawSeconds = (performance.now() - t) / 1000;
  console.log(`flush encode (dedup+sort+parquet+key index): ${fmt(rows / encodeSeconds)} rows/s (${fmt(rows)} rows → ${fmt(g.rows)} distinct, ${(g.parquet.byteLength / 1e6).toFixed(1)} MB)`);
  console.log(`flush encode + write files: ${fmt(rows / (encodeSeconds + putSeconds))} rows/s`);
  console.log(`raw writeParquetFile of the same rows: ${fmt(rows / rawSeconds)} rows/s (${(raw.byteLength / 1e6).toFixed(1)} MB)`);
}

const dir = await mkdtemp(path.join(tmpdir(), 'freshtier-bench-'));
try {
  console.log(`node ${process.version}, ${dir}`);
  const batches = Array.from({ length: Math.ceil(ROWS / BATCH) }, (_, b) => makeBatch(b));
  await durableUpserts(path.join(dir, 'upsert'), batches);
  await flushVsParquet(path.join(dir, 'flush'), batches.slice(0, Math.ceil(FLUSH_ROWS / BATCH)));
} finally {
  await rm(dir, { recursive: true, force: true });
}
