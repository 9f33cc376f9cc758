/**
 * Latest-state scan, cold and warm, against raw parquet-wasm `readParquet` of the same files.
 *
 * Table (1 shard, MemoryStore), written with the real writer and compaction:
 * - a base of BASE_ROWS rows (even ids), compacted into row groups of 65,536;
 * - then G flushed generations (G = 8 and 128, `GENS`), FRESH_ROWS rows in all, split evenly:
 *   half new ids (above the base), half updates of base ids in a hot range (the last
 *   HOT_FRACTION of the base), 1% of the updates being deletes. So fresh keys fall in some
 *   base row groups only, as with time-ordered keys.
 *
 * Per G, median of RUNS in one run, interleaved:
 * - raw: `pq.readParquet(bytes)` + `tableFromIPC` of every data file (base and generations),
 *   bytes fetched from the store each time;
 * - cold: a new `LsmScanner` (empty key-index cache) scanning the latest state;
 * - warm: one scanner, scanned once before timing;
 * - warm, columns ['id', 'age'] (projection).
 * Ratios are raw time / scan time (1.0 = as fast as decoding the same files), medians, of
 * wall time and of the process's CPU time (user + system: much less moved by other load on
 * a shared machine, as everything here runs in this process without waiting on I/O).
 *
 * Run from the repository root (sizes may be shrunk by env):
 *   node --conditions=freshtier-src --import tsx bench/scan-cold-warm.ts
 *   BASE_ROWS=300000 FRESH_ROWS=60000 GENS=8,128 RUNS=3 node --conditions=freshtier-src --import tsx bench/scan-cold-warm.ts
 */
import { MemoryStore, Table, baseCoverage, type DataFile } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, compact } from '@freshtier/writer';
import { tableFromIPC, type RecordBatch } from 'apache-arrow';
import { batchOf, evenIds, keysOnly, schema } from './scan-rows.js';
import * as pq from 'parquet-wasm';

const env = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const BASE_ROWS = env('BASE_ROWS', 1_000_000);
const FRESH_ROWS = env('FRESH_ROWS', 200_000);
const HOT_FRACTION = env('HOT_FRACTION', 0.1);
const RUNS = env('RUNS', 3);
const ROW_GROUP = 65_536;
const GENS = (process.env.GENS ?? '8,128').split(',').map(Number);



/** A deterministic generator (xorshift), so every run writes the same table. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}

async function build(generations: number): Promise<{ table: Table; files: DataFile[] }> {
  const table = await Table.create(new MemoryStore('bench'), { schema, primaryKey: ['id'] });
  const options = { shard: 0, rowGroupSize: ROW_GROUP, durability: 'none' as const, autoFlush: false, flushInWorker: false, maxMemtableRows: 1e9 };
  const writer = await ShardWriter.open(table, options);
  for (let from = 0; from < BASE_ROWS; from += 100_000) await writer.put(batchOf(evenIds(from, Math.min(100_000, BASE_ROWS - from)), 0));
  await writer.flush();
  await compact(table, { shard: 0, rowGroupSize: ROW_GROUP, maxFileRows: 1e9 });
  const perGen = Math.floor(FRESH_ROWS / generations);
  const hotFrom = Math.floor(BASE_ROWS * (1 - HOT_FRACTION));
  const next = rng(42);
  let newId = BASE_ROWS;
  for (let g = 1; g <= generations; g++) {
    const fresh = Math.ceil(perGen / 2);
    await writer.put(batchOf(evenIds(newId, fresh), g));
    newId += fresh;
    const updates = BigInt64Array.from({ length: perGen - fresh }, () => BigInt(2 * (hotFrom + Math.floor(next() * (BASE_ROWS - hotFrom)))));
    const deletes = updates.slice(0, Math.floor(updates.length / 100));
    await writer.put(batchOf(updates.slice(deletes.length), g));
    if (deletes.length) await writer.delete(keysOnly(deletes));
    await writer.flush();
  }
  await writer.close();
  const { doc: base } = await table.baseManifests.latest();
  const { doc: shard } = await table.shardManifests(0).latest();
  const inBase = baseCoverage(base, 0).inBase; // the compacted generation is read from the base
  return { table, files: [...base.files, ...shard.flushed.filter((f) => !inBase(f.generation)).map((f) => f.file)] };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(c);
  return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000, value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function countRows(it: AsyncIterable<RecordBatch>): Promise<number> {
  let n = 0;
  for await (const b of it) n += b.numRows;
  return n;
}

async function raw(table: Table, files: DataFile[]): Promise<number> {
  let n = 0;
  for (const f of files) n += tableFromIPC(pq.readParquet(await table.store.get(f.path), { batchSize: ROW_GROUP }).intoIPCStream()).numRows;
  return n;
}

async function measure(generations: number): Promise<void> {
  const built = await timed(() => build(generations));
  const { table, files } = built.value;
  const stored = files.reduce((n, f) => n + f.rows, 0);
  const mib = files.reduce((n, f) => n + f.bytes, 0) / 2 ** 20;
  console.log(`\n${generations} generations: ${files.length} files, ${stored.toLocaleString()} stored rows, ${mib.toFixed(1)} MiB Parquet (setup ${(built.ms / 1000).toFixed(1)} s)`);
  const warmScanner = new LsmScanner(table);
  const live = await countRows(warmScanner.scan()); // warms the scanner (key-index cache, JIT)
  await raw(table, files);
  type Runs = { ms: number[]; cpu: number[] };
  const runs = (): Runs => ({ ms: [], cpu: [] });
  const t = { raw: runs(), cold: runs(), warm: runs(), proj: runs() };
  const add = (r: Runs, x: { ms: number; cpuMs: number }) => (r.ms.push(x.ms), r.cpu.push(x.cpuMs));
  for (let i = 0; i < RUNS; i++) {
    add(t.raw, await timed(() => raw(table, files)));
    add(t.cold, await timed(() => countRows(new LsmScanner(table).scan())));
    add(t.warm, await timed(() => countRows(warmScanner.scan())));
    add(t.proj, await timed(() => countRows(warmScanner.scan({ columns: ['id', 'age'] }))));
  }
  const r = median(t.raw.ms);
  const rCpu = median(t.raw.cpu);
  const line = (name: string, x: Runs, rows: number) => {
    const m = median(x.ms);
    const cpu = median(x.cpu);
    console.log(`  ${name.padEnd(28)} ${m.toFixed(0).padStart(6)} ms  ${((rows / m) / 1000).toFixed(2).padStart(5)} M rows/s  ${(r / m).toFixed(2)}x raw   | CPU ${cpu.toFixed(0).padStart(6)} ms  ${(rCpu / cpu).toFixed(2)}x raw`);
  };
  line('raw readParquet (all files)', t.raw, stored);
  line('scan cold', t.cold, live);
  line('scan warm', t.warm, live);
  line("scan warm ['id','age']", t.proj, live);
}

console.log(`scan-cold-warm: BASE_ROWS=${BASE_ROWS} FRESH_ROWS=${FRESH_ROWS} HOT_FRACTION=${HOT_FRACTION} RUNS=${RUNS}, row groups ${ROW_GROUP}`);
for (const g of GENS) await measure(g);
