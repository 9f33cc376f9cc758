/**
 * What merge engines (issue 13, docs/merge-engines.md) cost, and how fast the change feed
 * runs, measured in one process run.
 *
 * Upsert and scan, per engine (`deduplicate`, `partial-update`, `aggregate` with
 * `qty=sum, price=max`), on the same data: a fresh table (LocalStore in a temporary
 * directory, 1 shard), one durable `ShardWriter`, `--producers` producers putting
 * `--upsert-rows` rows of the peer bench's schema (bench/src/data.ts: id Int64 key, qty
 * Int32, price Float64, label Utf8; 1,000-row batches, 10% rewrites) concurrently. Timed
 * from the first put to the end of `close()` (the final flush included). Then a full scan of
 * the latest state by a fresh (cold) `LsmScanner`, median of `--scan-reps`. The engines run
 * in turn, in the same process, so the ratios against `deduplicate` are the figures to read.
 *
 * Change feed: a `deduplicate` table of `--rows` rows (loaded by `ingest`, 1,000,000-row
 * generations, not timed), `tag`, then `--rows / 10` rows changed — distinct random keys,
 * new values — by puts (10,000-row batches, durability none) and `flush()`; then
 * `changes(table, { from: tag })` is read to completion: change rows/s (each changed key
 * gives an update_before and an update_after row).
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/merge-engines.ts [--rows N] [--upsert-rows N] [--producers N] [--scan-reps N]
 * Writes bench/results/merge-engines.json (or `--out FILE`).
 */
import { LocalStore, Table, type AggregateFunction, type MergeEngineName } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, changes, tag } from '@freshtier/writer';
import { Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { medianOf, timed } from './checksum-cost-parts.js';
import { batchStream, benchSchema, collect } from './src/data.js';
import { machineInfo } from './src/report.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'upsert-rows': { type: 'string', default: '1000000' },
    producers: { type: 'string', default: '4' },
    'scan-reps': { type: 'string', default: '3' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'merge-engines.json') },
  },
});
const ROWS = Number(args.rows);
const UPSERT_ROWS = Number(args['upsert-rows']);
const PRODUCERS = Number(args.producers);
const SCAN_REPS = Number(args['scan-reps']);
if (![ROWS, UPSERT_ROWS, PRODUCERS, SCAN_REPS].every((n) => Number.isSafeInteger(n) && n > 0) || ROWS < 10) {
  throw new Error('usage: --rows N (≥ 10) --upsert-rows N --producers N --scan-reps N (positive integers)');
}
const CHANGED = Math.floor(ROWS / 10);
const LOAD_CHUNK = 1_000_000;
const loadAtStart = loadavg();
const dirs: string[] = [];

interface EngineSetup { engine: MergeEngineName; options: { mergeEngine?: MergeEngineName; aggregates?: Record<string, AggregateFunction> }; schema: Schema }

// partial-update needs every non-key column nullable; the same (non-null) data goes into all three
const nullable = new Schema(benchSchema.fields.map((f) => (f.name === 'id' ? f : new Field(f.name, f.type, true))));
const ENGINES: EngineSetup[] = [
  { engine: 'deduplicate', options: {}, schema: benchSchema },
  { engine: 'partial-update', options: { mergeEngine: 'partial-update' }, schema: nullable },
  { engine: 'aggregate', options: { mergeEngine: 'aggregate', aggregates: { qty: 'sum', price: 'max' } }, schema: benchSchema },
];

async function freshTable(setup: Omit<EngineSetup, 'engine'>): Promise<Table> {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshtier-merge-bench-'));
  dirs.push(dir);
  return Table.create(new LocalStore(dir), { schema: setup.schema, primaryKey: ['id'], shards: 1, ...setup.options });
}

async function countRows(it: AsyncIterable<RecordBatch>): Promise<number> {
  let n = 0;
  for await (const b of it) n += b.numRows;
  return n;
}

interface EngineResult { engine: string; upsertRows: number; upsertMs: number; upsertRowsPerSec: number; liveRows: number; scanMs: number; scanRowsPerSec: number; scanSamplesMs: number[] }

/** Producer p puts every PRODUCERS-th batch, in order; timed until close() (the final flush) returns. */
async function measureEngine(setup: EngineSetup, batches: RecordBatch[]): Promise<EngineResult> {
  const table = await freshTable(setup);
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable' });
  const upsert = await timed(async () => {
    await Promise.all(Array.from({ length: PRODUCERS }, async (_, p) => {
      for (let i = p; i < batches.length; i += PRODUCERS) await writer.put(batches[i]);
    }));
    await writer.close();
  });
  const scans: { ms: number; value: number }[] = [];
  for (let i = 0; i < SCAN_REPS; i++) scans.push(await timed(() => countRows(new LsmScanner(table).scan())));
  const scanMs = medianOf(scans.map((s) => s.ms));
  const liveRows = scans[0].value;
  return {
    engine: setup.engine, upsertRows: UPSERT_ROWS, upsertMs: Math.round(upsert.ms), upsertRowsPerSec: Math.round((UPSERT_ROWS / upsert.ms) * 1000),
    liveRows, scanMs: Math.round(scanMs), scanRowsPerSec: Math.round((liveRows / scanMs) * 1000), scanSamplesMs: scans.map((s) => Math.round(s.ms)),
  };
}

/** `count` distinct keys in [0, rows), seeded (a partial Fisher-Yates over a key array). */
function distinctKeys(rows: number, count: number, seed = 11): BigInt64Array {
  const ids = new Int32Array(rows).map((_, i) => i);
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 4294967296);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (rows - i));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return BigInt64Array.from(ids.subarray(0, count), (i) => BigInt(i)).sort();
}

/** A batch of {@link benchSchema} rewriting `ids` with new values (data.ts builds only its own key sequences). */
function withKeys(ids: BigInt64Array): RecordBatch {
  const n = ids.length;
  const children = [
    makeData({ type: new Int64(), length: n, nullCount: 0, data: ids }),
    makeData({ type: new Int32(), length: n, nullCount: 0, data: Int32Array.from(ids, (id) => Number(id % 1_000_000n)) }),
    makeData({ type: new Float64(), length: n, nullCount: 0, data: Float64Array.from(ids, (id) => Number(id) / 7) }),
    vectorFromArray(Array.from(ids, (id) => `sku-${id.toString().padStart(10, '0')}-v0001`), new Utf8()).data[0],
  ];
  return new RecordBatch(benchSchema, makeData({ type: new Struct(benchSchema.fields), length: n, nullCount: 0, children }));
}

interface FeedResult { rows: number; changedKeys: number; loadMs: number; changeMs: number; feedRows: number; feedMs: number; feedRowsPerSec: number; changedKeysPerSec: number; ops: Record<string, number> }

async function measureFeed(): Promise<FeedResult> {
  const table = await freshTable({ options: {}, schema: benchSchema });
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'none' });
  const load = await timed(async () => {
    for (let from = 0; from < ROWS; from += LOAD_CHUNK) {
      const rows = Math.min(LOAD_CHUNK, ROWS - from);
      // fresh keys from..from+rows-1 (no rewrites), version 0
      await writer.ingest(batchStream({ rows, batchRows: 100_000, updateFraction: 0, existingKeys: from, seed: 3 }));
    }
  });
  console.log(`  loaded ${ROWS.toLocaleString()} rows by ingest in ${Math.round(load.ms).toLocaleString()} ms`);
  await tag(table, 'before');
  const keys = distinctKeys(ROWS, CHANGED);
  const change = await timed(async () => {
    for (let at = 0; at < keys.length; at += 10_000) {
      await writer.put(withKeys(keys.subarray(at, at + 10_000)));
    }
    await writer.flush();
  });
  console.log(`  changed ${CHANGED.toLocaleString()} rows (puts + flush) in ${Math.round(change.ms).toLocaleString()} ms`);
  const ops: Record<string, number> = {};
  const feed = await timed(async () => {
    let n = 0;
    for await (const b of changes(table, { from: 'before' })) {
      n += b.numRows;
      const op = b.getChild('_ft_op')!;
      for (let i = 0; i < b.numRows; i++) ops[op.get(i) as string] = (ops[op.get(i) as string] ?? 0) + 1;
    }
    return n;
  });
  await writer.close();
  return {
    rows: ROWS, changedKeys: CHANGED, loadMs: Math.round(load.ms), changeMs: Math.round(change.ms), feedRows: feed.value, feedMs: Math.round(feed.ms),
    feedRowsPerSec: Math.round((feed.value / feed.ms) * 1000), changedKeysPerSec: Math.round((CHANGED / feed.ms) * 1000), ops,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

function printEngines(results: EngineResult[]): void {
  const dedup = results[0];
  console.log(`\n${'engine'.padEnd(16)}${'upsert rows/s'.padStart(15)}${'vs dedup'.padStart(10)}${'scan rows/s'.padStart(14)}${'vs dedup'.padStart(10)}${'live rows'.padStart(12)}`);
  for (const r of results) {
    console.log(`${r.engine.padEnd(16)}${fmt(r.upsertRowsPerSec).padStart(15)}${ratio(r.upsertRowsPerSec, dedup.upsertRowsPerSec).padStart(10)}${fmt(r.scanRowsPerSec).padStart(14)}${ratio(r.scanRowsPerSec, dedup.scanRowsPerSec).padStart(10)}${fmt(r.liveRows).padStart(12)}`);
  }
}

async function main(): Promise<void> {
  const batches = collect({ rows: UPSERT_ROWS, batchRows: 1_000, updateFraction: 0.1, seed: 7 });
  console.log(`upsert + scan: ${fmt(UPSERT_ROWS)} rows, ${PRODUCERS} producers, 1,000-row batches, durable`);
  await measureEngine(ENGINES[0], batches.slice(0, Math.max(1, Math.ceil(batches.length / 20)))); // warm-up, discarded
  const engines: EngineResult[] = [];
  for (const setup of ENGINES) {
    const r = await measureEngine(setup, batches);
    engines.push(r);
    console.log(`  ${setup.engine}: upsert ${fmt(r.upsertMs)} ms, scans ${r.scanSamplesMs.join(' / ')} ms`);
  }
  printEngines(engines);
  console.log(`\nchange feed: ${fmt(ROWS)} rows, ${fmt(CHANGED)} changed`);
  const feed = await measureFeed();
  console.log(`changes(table, { from: tag }): ${fmt(feed.feedRows)} change rows in ${fmt(feed.feedMs)} ms = ${fmt(feed.feedRowsPerSec)} change rows/s (${fmt(feed.changedKeysPerSec)} changed keys/s); ops ${JSON.stringify(feed.ops)}`);
  const report = {
    bench: 'merge-engines', startedAt: new Date().toISOString(), loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100), machine: machineInfo(),
    params: { rows: ROWS, changed: CHANGED, upsertRows: UPSERT_ROWS, producers: PRODUCERS, batchRows: 1_000, scanReps: SCAN_REPS, durability: 'durable' },
    engines, changeFeed: feed,
  };
  await mkdir(path.dirname(args.out!), { recursive: true });
  await writeFile(args.out!, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), args.out!)}`);
}

try {
  await main();
} finally {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
