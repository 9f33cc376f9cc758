/**
 * Sustained durable upsert through the WAL (issue 16, "a pipelined WAL").
 *
 * One durable `ShardWriter` (1 shard, LocalStore in a temporary directory), PRODUCERS
 * producers each calling `put` with 1,000-row batches (10% of each batch rewrites
 * earlier keys), timed from the first put to the END of `close()`: every row acked,
 * every background flush and the final flush included. Measured in one run:
 * - `local`: on the local disk;
 * - `parquet-wasm`: raw `writeParquet` (snappy, 64 Ki-row groups) of the same rows, one
 *   file per producer written to the same disk: the format's own cost;
 * - `latency`: the same writer behind a store adding 50 ms to every write (PUT, create,
 *   DELETE) and 30 ms to every read (GET, range GET, HEAD, LIST), as S3 does;
 * - `latency-4`: the same, each producer keeping 4 puts outstanding. With closed-loop
 *   producers (one put outstanding each) a 50 ms store caps the stream at
 *   producers x batch / 50 ms = 200 k rows/s whatever the WAL does;
 * - `local-w1`, `latency-4-w1` (only when named in ONLY): the same with `walWindow: 1`,
 *   one WAL entry in flight as before the pipelined WAL (the LocalStore changes included).
 * Ack latency p50/p99 and the time at which every put was acked (before `close()`) are
 * reported for every writer run. Each variant runs REPEAT times, alternating the order
 * (the first writer of a process pays for compiling); the run of median time is shown.
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/wal-pipeline.ts
 * Environment: ROWS (default 2,000,000), LATENCY_ROWS (default ROWS / 4), PRODUCERS (10),
 * REPEAT (3), ONLY (comma-separated subset of local,local-w1,parquet-wasm,latency,latency-4,latency-4-w1;
 * default all but the -w1 ones).
 */
import { LocalStore, Table, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { ShardWriter } from '@freshtier/writer';
import type { RecordBatch } from 'apache-arrow';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pq from 'parquet-wasm';
import { benchSchema, collect, toIpc } from './src/data.js';

const ROWS = Number(process.env.ROWS ?? 2_000_000);
const LATENCY_ROWS = Number(process.env.LATENCY_ROWS ?? Math.ceil(ROWS / 4));
const PRODUCERS = Number(process.env.PRODUCERS ?? 10);
const BATCH = 1_000;
const REPEAT = Number(process.env.REPEAT ?? 3);
const ONLY = new Set((process.env.ONLY ?? 'local,parquet-wasm,latency,latency-4').split(','));

/** The producers' batches: producer p owns keys ≡ p (mod PRODUCERS); 10% of each batch are updates. */
function streams(rows: number): RecordBatch[][] {
  const per = Math.ceil(rows / PRODUCERS);
  return Array.from({ length: PRODUCERS }, (_, p) => collect({
    rows: Math.max(0, Math.min(per, rows - p * per)), batchRows: BATCH, updateFraction: 0.1, producers: PRODUCERS, producer: p, seed: 21,
  }));
}

/** A store that delays every request: `writeMs` for writes, `readMs` for reads (a bench stand-in for S3). */
class LatencyStore implements ObjectStore {
  readonly uri: string;
  constructor(private readonly inner: ObjectStore, private readonly writeMs: number, private readonly readMs: number) {
    this.uri = inner.uri;
  }
  private wait(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }
  async get(key: string): Promise<Uint8Array> { await this.wait(this.readMs); return this.inner.get(key); }
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> { await this.wait(this.readMs); return this.inner.getRange(key, offset, length); }
  async head(key: string): Promise<ObjectMeta | undefined> { await this.wait(this.readMs); return this.inner.head(key); }
  async list(prefix: string): Promise<ObjectMeta[]> { await this.wait(this.readMs); return this.inner.list(prefix); }
  async put(key: string, data: Uint8Array): Promise<void> { await this.wait(this.writeMs); return this.inner.put(key, data); }
  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { await this.wait(this.writeMs); return this.inner.putIfAbsent(key, data); }
  async delete(key: string): Promise<void> { await this.wait(this.writeMs); return this.inner.delete(key); }
}

interface Run { rows: number; seconds: number; acked?: number; entries?: number; p50?: number; p99?: number }

/** The run of median total time. */
function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The timed stream: first put to the end of close(); `outstanding` puts in flight per producer. */
async function upsert(store: ObjectStore, data: RecordBatch[][], outstanding: number, walWindow?: number): Promise<Run> {
  const table = await Table.create(store, { schema: benchSchema, primaryKey: ['id'], shards: 1 });
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', ...(walWindow ? { walWindow } : {}) });
  const acks: number[] = [];
  const start = performance.now();
  await Promise.all(data.map(async (batches) => {
    let next = 0;
    const lane = async () => {
      while (next < batches.length) {
        const b = batches[next++];
        const t = performance.now();
        await writer.put(b);
        acks.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: outstanding }, lane));
  }));
  const acked = (performance.now() - start) / 1000;
  const entries = (await store.list('shards/0/wal/')).length;
  await writer.close();
  const seconds = (performance.now() - start) / 1000;
  acks.sort((a, b) => a - b);
  return { rows: data.flat().reduce((s, b) => s + b.numRows, 0), seconds, acked, entries, p50: percentile(acks, 0.5), p99: percentile(acks, 0.99) };
}

/** Raw parquet-wasm: the same rows encoded and written, one file per producer (after a warm-up). */
async function parquetWasm(dir: string, data: RecordBatch[][]): Promise<Run> {
  const props = () => new pq.WriterPropertiesBuilder().setMaxRowGroupSize(65_536).setCompression(pq.Compression.SNAPPY).build();
  const encode = (batches: RecordBatch[]) => pq.writeParquet(pq.Table.fromIPCStream(toIpc(batches)), props());
  for (let i = 0; i < 2; i++) encode(collect({ rows: 50_000 })); // tier up the WebAssembly before the clock
  const start = performance.now();
  for (let p = 0; p < data.length; p++) await writeFile(path.join(dir, `p${p}.parquet`), encode(data[p]));
  return { rows: data.flat().reduce((s, b) => s + b.numRows, 0), seconds: (performance.now() - start) / 1000 };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ft-wal-pipeline-'));
  const results = new Map<string, Run>();
  try {
    const data = streams(ROWS);
    const slow = streams(LATENCY_ROWS);
    // warm-up (untimed): the first writer in a process pays for compiling the write and flush paths
    await upsert(new LocalStore(path.join(dir, 'warm')), streams(Math.min(ROWS, 100_000)), 1);
    let n = 0;
    const fresh = (name: string) => path.join(dir, `${name}-${++n}`); // a new table per run
    const latency = (name: string) => new LatencyStore(new LocalStore(fresh(name)), 50, 30);
    const runs: Record<string, () => Promise<Run>> = {
      'parquet-wasm': () => parquetWasm(dir, data),
      local: () => upsert(new LocalStore(fresh('local')), data, 1),
      'local-w1': () => upsert(new LocalStore(fresh('local-w1')), data, 1, 1),
      latency: () => upsert(latency('lat'), slow, 1),
      'latency-4': () => upsert(latency('lat4'), slow, 4),
      'latency-4-w1': () => upsert(latency('lat4w1'), slow, 4, 1),
    };
    const all = new Map<string, Run[]>();
    for (let r = 0; r < REPEAT; r++) {
      const order = r % 2 === 0 ? [...ONLY] : [...ONLY].reverse(); // alternate, so no variant always runs first
      for (const name of order) {
        if (runs[name]) all.set(name, [...(all.get(name) ?? []), await runs[name]()]);
        await rm(path.join(dir, `${name}-${n}`), { recursive: true, force: true }).catch(() => undefined);
      }
    }
    for (const name of ONLY) if (all.has(name)) results.set(name, median(all.get(name)!));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  report(results);
}

function report(results: Map<string, Run>): void {
  const rate = (r: Run | undefined) => (r ? r.rows / r.seconds : NaN);
  console.log(`wal-pipeline: ${PRODUCERS} producers, ${BATCH}-row batches, durable, timed to the end of close()`);
  for (const [name, r] of results) {
    const acks = r.p50 === undefined ? '' : `  (all acked at ${r.acked!.toFixed(2)} s, ${r.entries} WAL entries)  ack p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99!.toFixed(1)} ms`;
    console.log(`  ${name.padEnd(13)} ${r.rows.toLocaleString('en-US').padStart(10)} rows ${r.seconds.toFixed(2).padStart(7)} s ${(rate(r) / 1e6).toFixed(3)} M rows/s${acks}`);
  }
  const local = rate(results.get('local'));
  console.log(`  local / parquet-wasm:   ${(local / rate(results.get('parquet-wasm'))).toFixed(2)}x`);
  console.log(`  latency / local:        ${(rate(results.get('latency')) / local).toFixed(2)}x`);
  console.log(`  latency-4 / local:      ${(rate(results.get('latency-4')) / local).toFixed(2)}x`);
  if (results.has('local-w1')) console.log(`  local / local-w1:       ${(local / rate(results.get('local-w1'))).toFixed(2)}x (pipelined WAL vs one entry in flight)`);
  if (results.has('latency-4-w1')) console.log(`  latency-4 / latency-4-w1: ${(rate(results.get('latency-4')) / rate(results.get('latency-4-w1'))).toFixed(2)}x`);
}

await main();
