/**
 * What a flush costs against the format's own encode, in one run: raw parquet-wasm
 * `writeParquet` of the same rows (snappy, 64 Ki-row groups: what core's codec uses) against
 * freshtier's flush of a memtable holding them — the writer thread's share (`flushJob`:
 * the image for the worker), the worker's share (`runFlushJob`: dedup, sort, gather,
 * Parquet, key index), and both through a real flush worker (postMessage included).
 *
 * Times are CPU seconds of the one thread doing the work (the worker run: wall seconds).
 * Run: node --conditions=freshtier-src --import tsx bench/flush-cost.ts [rows] [--no-worker]
 * Profile the worker's share: node --cpu-prof --cpu-prof-dir=/tmp/flush-prof --conditions=freshtier-src \
 *   --import tsx bench/flush-cost.ts 1000000 --no-worker   (then summarise the .cpuprofile)
 */
import { Memtable, encodeKeys } from '@freshtier/core';
import * as pq from 'parquet-wasm';
import { benchSchema, collect, rowCount, toIpc } from './src/data.js';
import { flushJob, runFlushJob } from '../packages/writer/src/flush/flush-job.js';
import { FlushWorkerPool } from '../packages/writer/src/flush/flush-pool.js';
import type { RecordBatch } from 'apache-arrow';

const rows = Number(process.argv[2] ?? 1_000_000);
const useWorker = !process.argv.includes('--no-worker');
const batches = collect({ rows, batchRows: 1_000, updateFraction: 0.1, seed: 7 });
const options = { rowGroupSize: 65_536, compression: 'snappy' as const };

function rawWrite(list: RecordBatch[]): Uint8Array {
  const props = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(65_536).setCompression(pq.Compression.SNAPPY).build();
  return pq.writeParquet(pq.Table.fromIPCStream(toIpc(list)), props);
}

function memtableOf(list: RecordBatch[]): Memtable {
  const m = new Memtable(0, 1, true);
  for (const b of list) m.append(b, 'put', encodeKeys(b, ['id']), -1);
  m.freeze();
  return m;
}

/** Runs `fn`; returns its result and the CPU seconds this process spent (one thread runs here: on a loaded machine CPU time is the fairer clock). */
function timed<T>(fn: () => T): [T, number] {
  const t0 = process.cpuUsage();
  const out = fn();
  const d = process.cpuUsage(t0);
  return [out, (d.user + d.system) / 1e6];
}

/** V8 tiers WebAssembly and hot JS up over the first runs: warm both paths on a small memtable first. */
function warmUp(): void {
  const small = collect({ rows: 50_000, seed: 3 });
  for (let i = 0; i < 2; i++) {
    rawWrite(small);
    runFlushJob(flushJob(memtableOf(small), benchSchema, options).job);
  }
}

async function main(): Promise<void> {
  const memtable = memtableOf(batches);
  warmUp();
  const [raw, rawSec] = timed(() => rawWrite(batches));
  const [{ job, transfer }, imageSec] = timed(() => flushJob(memtable, benchSchema, options));
  const [files, encodeSec] = timed(() => runFlushJob(job));
  const n = rowCount(batches);
  const rate = (s: number) => `${(n / s / 1e6).toFixed(2)} M rows/s`;
  console.log(`rows ${n.toLocaleString('en-US')} (${memtable.keyCount.toLocaleString('en-US')} distinct keys), Parquet ${(raw.byteLength / 2 ** 20).toFixed(1)} MiB raw, ${(files.parquet.byteLength / 2 ** 20).toFixed(1)} MiB flushed + key index ${((files.keyIndex?.byteLength ?? 0) / 2 ** 20).toFixed(1)} MiB`);
  console.log(`raw writeParquet of the same rows:      ${rawSec.toFixed(3)} s  ${rate(rawSec)}`);
  console.log(`flush, writer thread (flushJob image):  ${imageSec.toFixed(3)} s  ${rate(imageSec)}`);
  console.log(`flush, worker share (runFlushJob):      ${encodeSec.toFixed(3)} s  ${rate(encodeSec)}  = ${(rawSec / encodeSec).toFixed(2)}x raw writeParquet's rate`);
  if (!useWorker) return;
  const pool = new FlushWorkerPool(1);
  await pool.ready();
  await pool.run(flushJob(memtableOf(collect({ rows: 50_000, seed: 3 })), benchSchema, options).job, []); // warm the worker
  const again = flushJob(memtable, benchSchema, options);
  const t0 = process.hrtime.bigint();
  await pool.run(again.job, again.transfer);
  const workerSec = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`flush through a worker (post + encode + reply, wall): ${workerSec.toFixed(3)} s  ${rate(workerSec)}`);
  void transfer;
  await pool.close();
}

await main();
