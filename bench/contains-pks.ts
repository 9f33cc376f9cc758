/**
 * Cold `containsPks`: 10,000 keys (half present in the base, half beyond every key
 * written), on the bench's state fixture (bench/src/data.ts `stateFixture`: a compacted
 * base of ROWS rows, then 8 flushed generations of ROWS/20 rows each, 10% of them
 * updates spread over the base's key space), on a LocalStore in a temporary directory.
 *
 * For each size it reports, per variant, the median and the best of RUNS cold lookups (a
 * new `Table` and `LsmScanner` each time, so no key-index cache; the OS page cache is
 * warm; the process is not, so the first runs also pay V8's compilation of the lookup code):
 * - `FTK3`: the blocked key index (directory + ranged block reads);
 * - `FTK2`: the same table with every key index rewritten in the previous format (one
 *   brotli object read whole), the "before" of the same run;
 * - `duckdb`: `@duckdb/node-api` (resolved from packages/integration, where it is a
 *   devDependency; skipped when absent): the same final state in a table with
 *   `id BIGINT PRIMARY KEY`, keys appended into a temp table and `SEMI JOIN`ed, as the
 *   bench's DuckDB adapter does, on a freshly opened database.
 * Bytes and requests are counted by a store wrapper (get + getRange).
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/contains-pks.ts
 * Environment: ROWS (comma-separated, default "1000000,10000000"), KEYS (10,000),
 * RUNS (3), DUCKDB=0 to skip DuckDB, FIXTURE_DIR=<dir> to keep the fixtures there and
 * reuse them on the next run (building 10 M rows takes minutes; the FTK2 variant is then
 * measured on a copy, so the kept fixture stays FTK3).
 * Wall-clock figures move with the machine's load; `cpu` is the process CPU time of the
 * timed section (all threads, so DuckDB's worker threads count too).
 */
import { LocalStore, Table, decodeKeyIndex, encodeKeyIndexFtk2, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, compact } from '@freshtier/writer';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchSchema, collect, lookupKeys, stateFixture } from './src/data.js';
import { duckdbFixture, duckdbLookup, loadDuckdb, type DuckDB } from './contains-pks-duckdb.js';

const SIZES = (process.env.ROWS ?? '1000000,10000000').split(',').map(Number);
const KEYS = Number(process.env.KEYS ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 3);
const GENERATIONS = 8;

/** Counts the read requests and bytes a lookup makes. */
class CountingStore implements ObjectStore {
  gets = 0;
  ranges = 0;
  /** Ranges read (each range of a getRanges call counted): what S3 would serve as separate ranged GETs. */
  rangeParts = 0;
  bytes = 0;
  constructor(private readonly inner: ObjectStore) {}
  get uri(): string { return this.inner.uri; }
  async get(key: string): Promise<Uint8Array> {
    const b = await this.inner.get(key);
    this.gets++;
    this.bytes += b.byteLength;
    return b;
  }
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const b = await this.inner.getRange(key, offset, length);
    this.ranges++;
    this.rangeParts++;
    this.bytes += b.byteLength;
    return b;
  }
  async getRanges(key: string, ranges: readonly (readonly [number, number])[]): Promise<Uint8Array[]> {
    const parts = this.inner.getRanges ? await this.inner.getRanges(key, ranges) : await Promise.all(ranges.map(([o, l]) => this.inner.getRange(key, o, l)));
    this.ranges++; // one call (LocalStore: one open); an S3 store would make parts.length requests
    this.rangeParts += parts.length;
    for (const p of parts) this.bytes += p.byteLength;
    return parts;
  }
  head(key: string): Promise<ObjectMeta | undefined> { return this.inner.head(key); }
  put(key: string, data: Uint8Array): Promise<void> { return this.inner.put(key, data); }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { return this.inner.putIfAbsent(key, data); }
  list(prefix: string): Promise<ObjectMeta[]> { return this.inner.list(prefix); }
  delete(key: string): Promise<void> { return this.inner.delete(key); }
}

/** The fixture, written with a writer that keeps each delta in one memtable (no WAL: it is rebuilt per run). */
async function buildFixture(dir: string, rows: number): Promise<void> {
  const table = await Table.create(new LocalStore(dir), { schema: benchSchema, primaryKey: ['id'], shards: 1 });
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, maxMemtableRows: 20_000_000, maxMemtableBytes: 2 ** 31 - 1, maxUnflushedBytes: 2 ** 31 - 1 });
  const { base, deltas } = stateFixture(rows, GENERATIONS);
  for (const b of collect(base)) await writer.put(b);
  await writer.flush();
  await compact(table, { shard: 0 });
  for (const spec of deltas.slice(0, GENERATIONS)) {
    for (const b of collect(spec)) await writer.put(b);
    await writer.flush();
  }
  await writer.close();
}

/** Rewrites every key index of the table as `FTK2` (the format before the blocked index). */
async function toFtk2(dir: string): Promise<number> {
  const store = new LocalStore(dir);
  let bytes = 0;
  for (const o of await store.list('')) {
    if (!o.key.endsWith('.keys.ftk')) continue;
    const old = encodeKeyIndexFtk2(decodeKeyIndex(await store.get(o.key), o.key));
    await store.put(o.key, old);
    bytes += old.byteLength;
  }
  return bytes;
}

interface Run { ms: number; cpuMs: number; bytes: number; requests: number; ranges: number; found: number }

async function coldLookup(dir: string, keys: { id: bigint }[]): Promise<Run> {
  const store = new CountingStore(new LocalStore(dir));
  const started = performance.now();
  const scanner = new LsmScanner(await Table.open(store));
  const manifestBytes = store.bytes;
  const manifestRequests = store.gets + store.ranges;
  const manifestRanges = store.gets + store.rangeParts;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const found = await scanner.containsPks(keys);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  void started;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes: store.bytes - manifestBytes, requests: store.gets + store.ranges - manifestRequests, ranges: store.gets + store.rangeParts - manifestRanges, found: found.filter(Boolean).length };
}

function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(label: string, dir: string, keys: { id: bigint }[]): Promise<Run> {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await coldLookup(dir, keys));
  const m = median(runs);
  const best = [...runs].sort((a, b) => a.ms - b.ms)[0];
  if (m.found !== Math.ceil(keys.length / 2)) throw new Error(`${label}: found ${m.found} of ${keys.length} keys`);
  report(label, m.ms, m.cpuMs, keys.length, `  ${(m.bytes / 1e6).toFixed(2).padStart(7)} MB read  ${String(m.requests).padStart(6)} store calls (${m.ranges} ranges); best run ${best.ms.toFixed(1)} ms`);
  return m;
}

function report(label: string, ms: number, cpuMs: number, keys: number, extra = ''): void {
  console.log(`  ${label.padEnd(7)} ${ms.toFixed(1).padStart(8)} ms  ${Math.round(keys / (ms / 1000)).toLocaleString('en-US').padStart(10)} keys/s  (cpu ${cpuMs.toFixed(1)} ms)${extra}`);
}

async function sizeRun(rows: number, work: string, keep: string | undefined, duck: DuckDB | undefined): Promise<void> {
  const dir = keep ? path.join(keep, `rows-${rows}`) : work;
  const table = path.join(dir, 'table');
  let t = performance.now();
  if (!existsSync(path.join(table, '_table.json'))) await buildFixture(table, rows);
  console.log(`${rows.toLocaleString('en-US')} rows + ${GENERATIONS} generations of ${Math.floor(rows / 20).toLocaleString('en-US')} (fixture ${((performance.now() - t) / 1000).toFixed(1)} s), ${KEYS.toLocaleString('en-US')} keys, median of ${RUNS} cold runs:`);
  const keys = lookupKeys(KEYS, rows).map((id) => ({ id }));
  const ftk3 = await measure('FTK3', table, keys);
  const old = path.join(work, `ftk2-${rows}`);
  await cp(table, old, { recursive: true });
  await toFtk2(old);
  const ftk2 = await measure('FTK2', old, keys);
  await rm(old, { recursive: true, force: true });
  console.log(`  FTK3 vs FTK2: ${(ftk2.ms / ftk3.ms).toFixed(2)}x faster (cpu ${(ftk2.cpuMs / ftk3.cpuMs).toFixed(2)}x), ${(ftk2.bytes / ftk3.bytes).toFixed(1)}x fewer bytes`);
  if (!duck) return;
  const file = path.join(dir, 'bench.duckdb');
  t = performance.now();
  if (!existsSync(file)) await duckdbFixture(duck, file, rows, GENERATIONS);
  const fixture = ((performance.now() - t) / 1000).toFixed(1);
  const runs: { ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await duckdbLookup(duck, file, keys.map((k) => k.id)));
  const m = runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)];
  report('duckdb', m.ms, m.cpuMs, keys.length, `  (fixture ${fixture} s); best run ${runs[0].ms.toFixed(1)} ms`);
  console.log(`  FTK3 vs duckdb: ${(m.ms / ftk3.ms).toFixed(2)}x (cpu ${(m.cpuMs / ftk3.cpuMs).toFixed(2)}x); above 1: freshtier faster`);
}

async function main(): Promise<void> {
  const duck = process.env.DUCKDB === '0' ? undefined : await loadDuckdb(createRequire(path.resolve('packages/integration/package.json')));
  for (const rows of SIZES) {
    const work = await mkdtemp(path.join(tmpdir(), 'ft-contains-'));
    try {
      await sizeRun(rows, work, process.env.FIXTURE_DIR, duck);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

if (process.env.CONTAINS_PKS_NO_MAIN !== '1') await main();

export { buildFixture, coldLookup, toFtk2 };
