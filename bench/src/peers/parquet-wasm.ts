/**
 * Raw parquet-wasm: the format's own ceiling. freshtier flushes, scans and compacts through
 * this same library (the workspace's parquet-wasm 0.8.0, also what @freshtier/core uses), so
 * no freshtier figure can beat these: they skip WAL, dedup, sorting, indexes and manifests.
 * Runs in-process with the workspace's Arrow 21, so the smoke test needs no peers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { arrowBytes, collect, producerSpecs, rowCount, stateFixture, toIpc } from '../data.js';
import { startClock, type Adapter, type Result, type WorkloadContext } from './types.js';

/** The settings @freshtier/core's Parquet codec defaults to (snappy, 64 Ki-row groups). */
function encode(batches: RecordBatch[]): Uint8Array {
  const props = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(65_536).setCompression(pq.Compression.SNAPPY).build();
  return pq.writeParquet(pq.Table.fromIPCStream(toIpc(batches)), props);
}

function decode(bytes: Uint8Array): Table {
  return tableFromIPC(pq.readParquet(bytes, { batchSize: 65_536 }).intoIPCStream());
}

/**
 * Runs the codec on 100,000 rows before a write or compaction clock starts (not before the
 * cold scan): V8 first runs WebAssembly through
 * its baseline compiler and tiers hot functions up in the background, which otherwise
 * makes a first 200,000-row encode about 3x slower than the next.
 */
function warmUp(): void {
  const rows = collect({ rows: 50_000 });
  for (let i = 0; i < 2; i++) decode(encode(rows));
}

/** Flush limit: the stream's rows encoded as Parquet files, one per producer, no dedup. */
async function flushStream(ctx: WorkloadContext, kind: 'upsert' | 'append'): Promise<Result> {
  const streams = producerSpecs(ctx.sizes, kind).map(collect);
  const all = streams.flat();
  warmUp();
  const elapsed = startClock();
  streams.forEach((batches, p) => writeFileSync(join(ctx.dir, `${kind}-${p}.parquet`), encode(batches)));
  return {
    rows: rowCount(all),
    bytes: arrowBytes(all),
    seconds: elapsed(),
    notes: 'writeParquet of the same rows (snappy), one file per producer, no WAL, no dedup',
  };
}

/** The fixture as files: base, then one file per generation (the memtables' share included). */
function fixtureFiles(ctx: WorkloadContext): string[] {
  const { base, deltas } = stateFixture(ctx.sizes.tableRows, ctx.sizes.generations);
  return [base, ...deltas].map((_, i) => join(ctx.dir, i === 0 ? 'base.parquet' : `gen-${i}.parquet`));
}

async function writeFixture(ctx: WorkloadContext): Promise<void> {
  const { base, deltas } = stateFixture(ctx.sizes.tableRows, ctx.sizes.generations);
  const files = fixtureFiles(ctx);
  [base, ...deltas].forEach((spec, i) => writeFileSync(files[i], encode(collect(spec))));
}

function readFixture(ctx: WorkloadContext): { tables: Table[]; rows: number; bytes: number } {
  const tables = fixtureFiles(ctx).map((f) => decode(readFileSync(f)));
  return { tables, rows: tables.reduce((s, t) => s + t.numRows, 0), bytes: tables.reduce((s, t) => s + arrowBytes(t), 0) };
}

/** The parquet-wasm adapter. */
export const parquetWasmAdapter: Adapter = {
  name: 'parquet-wasm',
  needsPeers: false,
  prepare: { scan: writeFixture, compaction: writeFixture },
  workloads: {
    upsert: (ctx) => flushStream(ctx, 'upsert'),
    append: (ctx) => flushStream(ctx, 'append'),
    async scan(ctx) {
      // Cold: nothing decoded before in this process (no warm-up), as freshtier's cold scan.
      const read = () => {
        const elapsed = startClock();
        const { rows, bytes } = readFixture(ctx);
        return { rows, bytes, seconds: elapsed() };
      };
      const cold = read();
      const warm = read();
      const what = 'readParquet of base + generation files, every version (no dedup)';
      return { ...cold, notes: `cold: first read in a fresh process; ${what}`, also: { scanWarm: { ...warm, notes: `warm: the same files read again; ${what}` } } };
    },
    async compaction(ctx) {
      warmUp();
      const elapsed = startClock();
      const { tables, rows, bytes } = readFixture(ctx);
      writeFileSync(join(ctx.dir, 'compacted.parquet'), encode(tables.flatMap((t) => t.batches)));
      return { rows, bytes, seconds: elapsed(), notes: 'read all files, write one (no dedup)' };
    },
  },
};
