/**
 * Scan throughput of `LsmScanner` against raw Parquet decoding of the same files.
 *
 * Table (1 shard, MemoryStore): ~1,000,000 live rows spread over
 * - one base file: 800,000 rows (even ids 0..1,599,998), row groups of 65,536;
 * - 8 flushed generations: each 20,000 new ids + 10,000 updates of base ids
 *   (+ 1,000 deletes in generation 4);
 * - 2 memtables (one frozen, one active), each 20,000 new ids + 10,000 updates.
 * Generations are made exactly as the writer makes them (core `Memtable`,
 * `encodeGeneration`, `encodeKeyIndex`, `ManifestStore.commit`).
 *
 * Measured, median of 3 in one run:
 * 1. full scan (dedup over every source) vs `readParquetFile` of the same 9 files;
 * 2. a projected scan (`id` only) and a primary-key point scan;
 * 3. `containsPks` of 10,000 absent keys inside the key ranges (odd ids), with
 *    the number of data-file and key-index reads.
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/scan-throughput.ts
 */
import {
  MemoryStore, Memtable, Table, crc32, encodeGeneration, encodeKeyIndex, encodeKeys, keyIndexPathFor, keyToHex, layout, readParquetFile, writeParquetFile,
  type DataFile, type FlushedGeneration, type MemtableSource,
} from '@freshtier/core';
import { LsmScanner, col } from '@freshtier/scanner';
import type { RecordBatch } from 'apache-arrow';
import { batchOf, evenIds, keysOnly, schema } from './scan-rows.js';

const BASE_ROWS = 800_000;
const GENERATIONS = 8;
const ROW_GROUP = 65_536;


async function writeBase(table: Table): Promise<DataFile & { shard: number }> {
  const ids = evenIds(0, BASE_ROWS);
  const batch = batchOf(ids, 0);
  const keys = encodeKeys(batch, ['id']);
  const path = layout.baseDataFile();
  const parquet = writeParquetFile([batch], { rowGroupSize: ROW_GROUP });
  const index = { count: BASE_ROWS, keyBytes: keys.bytes, keyOffsets: Int32Array.from(keys.offsets), rows: Uint32Array.from({ length: BASE_ROWS }, (_, i) => i), firstBatch: new Int32Array(BASE_ROWS).fill(-1), tombstone: new Uint8Array(BASE_ROWS) };
  await table.store.putIfAbsent(path, parquet);
  await table.store.putIfAbsent(keyIndexPathFor(path), encodeKeyIndex(index));
  const hex = (i: number) => keyToHex(keys.bytes.subarray(keys.offsets[i], keys.offsets[i + 1]));
  return { path, keyIndexPath: keyIndexPathFor(path), rows: BASE_ROWS, bytes: parquet.byteLength, checksum: crc32(parquet), rowGroupSize: ROW_GROUP, pkMin: hex(0), pkMax: hex(BASE_ROWS - 1), shard: 0 };
}

/** A memtable of generation g: 20,000 new ids, 10,000 updates of base ids, in 10,000-row batches. */
function fillMemtable(g: number): Memtable {
  const m = new Memtable(0, g, true);
  const parts = [evenIds(BASE_ROWS + (g - 1) * 20_000, 10_000), evenIds(BASE_ROWS + (g - 1) * 20_000 + 10_000, 10_000), evenIds((g - 1) * 50_000, 10_000)];
  for (const ids of parts) {
    const b = batchOf(ids, g);
    m.append(b, 'put', encodeKeys(b, ['id']), -1);
  }
  if (g === 4) {
    const del = keysOnly(evenIds(700_000, 1_000));
    m.append(del, 'delete', encodeKeys(del, ['id']), -1);
  }
  return m;
}

async function flush(table: Table, m: Memtable): Promise<FlushedGeneration> {
  m.freeze();
  const enc = encodeGeneration(m, schema, m.batchCount, { rowGroupSize: ROW_GROUP });
  const path = layout.generationFile(0, m.generation, 0);
  await table.store.putIfAbsent(path, enc.parquet);
  await table.store.putIfAbsent(keyIndexPathFor(path), encodeKeyIndex(enc.keyIndex!));
  const entry: FlushedGeneration = {
    generation: m.generation, batchRowOffsets: [...m.batchRowOffsets], walLast: -1, source: 'flush',
    file: { path, keyIndexPath: keyIndexPathFor(path), rows: enc.rows, bytes: enc.parquet.byteLength, checksum: crc32(enc.parquet), rowGroupSize: ROW_GROUP, pkMin: enc.pkMin, pkMax: enc.pkMax },
  };
  const { version, doc } = await table.shardManifests(0).latest();
  await table.shardManifests(0).commit(version + 1, { ...doc, nextGeneration: m.generation + 1, flushed: [...doc.flushed, entry], note: `flush ${m.generation}` });
  return entry;
}

async function build(): Promise<{ table: Table; writer: MemtableSource; files: DataFile[] }> {
  const table = await Table.create(new MemoryStore('bench'), { schema, primaryKey: ['id'] });
  const base = await writeBase(table);
  const { version, doc } = await table.baseManifests.latest();
  await table.baseManifests.commit(version + 1, { ...doc, files: [base], note: 'bench base' });
  const files: DataFile[] = [base];
  for (let g = 1; g <= GENERATIONS; g++) files.push((await flush(table, fillMemtable(g))).file);
  const frozen = fillMemtable(GENERATIONS + 1);
  frozen.freeze();
  const active = fillMemtable(GENERATIONS + 2);
  const writer: MemtableSource = { shard: 0, inMemoryMemtableRefs: () => ({ shard: 0, epoch: 0, refs: [frozen, active].map((memtable) => ({ memtable, batchCount: memtable.batchCount })) }) };
  return { table, writer, files };
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function median<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await time(fn));
  results.sort((a, b) => a.ms - b.ms);
  return results[Math.floor(runs / 2)];
}

async function countRows(it: AsyncIterable<RecordBatch>): Promise<number> {
  let n = 0;
  for await (const b of it) n += b.numRows;
  return n;
}

async function main(): Promise<void> {
  const built = await time(build);
  const { table, writer, files } = built.value;
  const scanner = new LsmScanner(table, { writers: [writer] });
  console.log(`setup: ${files.length} files, ${files.reduce((n, f) => n + f.rows, 0).toLocaleString()} stored rows, ${(files.reduce((n, f) => n + f.bytes, 0) / 2 ** 20).toFixed(1)} MiB Parquet (${built.ms.toFixed(0)} ms)`);

  const raw = await median(3, async () => {
    let n = 0;
    for (const f of files) n += readParquetFile(await table.store.get(f.path), f.path).numRows;
    return n;
  });
  const full = await median(3, () => countRows(scanner.scan()));
  const idOnly = await median(3, () => countRows(scanner.scan({ columns: ['id'] })));
  const point = await median(3, () => countRows(scanner.scan({ filter: col('id').eq(1_234_568n) })));
  const rate = (rows: number, ms: number) => `${((rows / ms) * 1000 / 1e6).toFixed(2)} M rows/s`;
  console.log(`raw readParquetFile of the 9 files: ${raw.value.toLocaleString()} rows in ${raw.ms.toFixed(0)} ms (${rate(raw.value, raw.ms)})`);
  console.log(`LsmScanner full scan:              ${full.value.toLocaleString()} live rows in ${full.ms.toFixed(0)} ms (${rate(full.value, full.ms)}), ${(full.ms / raw.ms).toFixed(2)}x raw decode`);
  console.log(`LsmScanner scan, columns ['id']:   ${idOnly.value.toLocaleString()} rows in ${idOnly.ms.toFixed(0)} ms`);
  console.log(`LsmScanner scan, id = 1234568:     ${point.value} row in ${point.ms.toFixed(1)} ms`);

  const absent = keysOnly(BigInt64Array.from({ length: 10_000 }, (_, i) => BigInt(2 * Math.floor((i * 104_729) % 1_000_000) + 1)));
  await scanner.containsPks(keysOnly(evenIds(0, 1))); // warm the key-index cache once
  scanner.resetStats();
  const cold = new LsmScanner(table, { writers: [writer] });
  const coldRun = await time(() => cold.containsPks(absent));
  const warm = await median(3, () => scanner.containsPks(absent));
  const found = warm.value.filter(Boolean).length;
  console.log(`containsPks, 10,000 absent keys:   cold ${coldRun.ms.toFixed(0)} ms (dataFileReads ${cold.stats.dataFileReads}, keyIndexReads ${cold.stats.keyIndexReads}); warm ${warm.ms.toFixed(0)} ms (dataFileReads ${scanner.stats.dataFileReads}); found ${found}`);
  const heap = process.memoryUsage();
  console.log(`process: heapUsed ${(heap.heapUsed / 2 ** 20).toFixed(0)} MiB, arrayBuffers ${(heap.arrayBuffers / 2 ** 20).toFixed(0)} MiB, rss ${(heap.rss / 2 ** 20).toFixed(0)} MiB`);
}

await main();
