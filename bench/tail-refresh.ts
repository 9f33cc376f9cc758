/**
 * What a remote reader's refresh costs (issue 14; DESIGN.md "Read path": remote readers).
 * The budget: one LIST per shard plus one GET per new WAL entry; manifest reads come on top.
 *
 * 1. Requests per refresh (MemoryStore behind a counting wrapper, tailing reader only):
 *    N shards, one `ShardWriter` each (durable, no flush), k puts per shard, one WAL entry
 *    each; the reader refreshed before the puts; then one `refresh()` is counted — LIST,
 *    GET, HEAD, PUT by object kind (WAL entry, manifest or its `_latest` hint, other) — and
 *    timed (CPU-bound: no latency). Also counted: a `scan()` with nothing new (steady state).
 * 2. Refresh latency behind a store adding `--latency-ms` to every request (default 20, a
 *    remote store's round trip), for a few (N, k): median of 3 refreshes (1 for 10,000).
 *    Expected: the manifest reads and the LIST one after another, then the GETs 8 at a
 *    time (core's `fetchWalEntries` read-ahead): about (manifest requests + 1 + k/8) round trips.
 * 3. Visibility lag: a writer puts one row every `--pace-ms` (default 5) and records when
 *    each put was acked and at which WAL position; a reader refreshes back to back; an
 *    entry is visible when the first refresh that read it completes. Lag = visible − acked,
 *    p50 / p99 over `--lag-puts` puts (default 300), on a LocalStore in a temporary
 *    directory and (`--s3`) on the S3 test server (s3rver on loopback). Writer and reader
 *    share one process (and clock): the path measured — WAL entry persisted, LIST, GET,
 *    decode — is the one a reader in another process takes.
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/tail-refresh.ts [--latency-ms 20] [--lag-puts 300] [--pace-ms 5] [--s3] [--quick]
 * (`--quick`: 1,000 instead of 10,000 entries in the largest case.)
 * Writes bench/results/tail-refresh.json (or `--out FILE`).
 */
import { LocalStore, MemoryStore, Table, type ObjectStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, splitByShard } from '@freshtier/writer';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CountingStore, LatencyStore, percentile, rows, tailSchema } from './tail-refresh-parts.js';
import { machineInfo } from './src/report.js';

const { values: args } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '20' },
    'lag-puts': { type: 'string', default: '300' },
    'pace-ms': { type: 'string', default: '5' },
    s3: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'tail-refresh.json') },
  },
});
const LATENCY = Number(args['latency-ms']);
const LAG_PUTS = Number(args['lag-puts']);
const PACE = Number(args['pace-ms']);
const BIG = args.quick ? 1_000 : 10_000;
const loadAtStart = loadavg();

/** A table of `shards` shards with one open writer each (durable, nothing flushed). */
async function tableWithWriters(store: ObjectStore, shards: number): Promise<{ table: Table; writers: ShardWriter[] }> {
  const table = await Table.create(store, { schema: tailSchema, primaryKey: ['id'], shards });
  const writers = await Promise.all(Array.from({ length: shards }, (_, shard) => ShardWriter.open(table, { shard, autoFlush: false, flushInWorker: false })));
  return { table, writers };
}

/** `k` rounds of one put per shard (so one WAL entry per shard per round); returns the entries written. */
async function putRounds(table: Table, writers: ShardWriter[], k: number, from: number): Promise<number> {
  const span = 16 * writers.length; // candidate ids per round: every shard gets some (all but surely)
  let entries = 0;
  for (let i = 0; i < k; i++) {
    const lo = (from + i) * span;
    const parts = [...splitByShard(table, rows(lo, lo + span))];
    await Promise.all(parts.map(([s, part]) => writers[s].put(part)));
    entries += parts.length;
  }
  return entries;
}

interface CountRow { shards: number; newPerShard: number; entriesRead: number; budget: number; walLists: number; walGets: number; manifestRequests: number; other: number; ms: number; counts: Record<string, number> }

/** Part 1 for one (N, k). */
async function countRefresh(shards: number, k: number): Promise<CountRow> {
  const inner = new MemoryStore();
  const counting = new CountingStore(inner);
  const { table, writers } = await tableWithWriters(inner, shards);
  const reader = new LsmScanner(await Table.open(counting), { tail: true });
  await reader.refresh(); // past the writers' fence entries
  const written = await putRounds(table, writers, k, 0);
  counting.reset();
  const t0 = performance.now();
  const refreshed = await reader.refresh();
  const ms = performance.now() - t0;
  const entriesRead = refreshed.reduce((n, r) => n + r.entriesRead, 0);
  if (entriesRead !== written) throw new Error(`refresh read ${entriesRead} entries, ${written} were written`);
  const c = counting.counts;
  const manifestRequests = Object.entries(c).filter(([key]) => key.endsWith(' manifest')).reduce((n, [, v]) => n + v, 0);
  const walLists = c['LIST wal'] ?? 0;
  const walGets = c['GET wal'] ?? 0;
  const other = counting.total - manifestRequests - walLists - walGets;
  await Promise.all(writers.map((w) => w.close()));
  return { shards, newPerShard: k, entriesRead, budget: shards + written, walLists, walGets, manifestRequests, other, ms: round(ms), counts: { ...c } };
}

/** Part 1, steady state: the requests of a `scan()` when nothing is new. */
async function countIdleScan(shards: number): Promise<Record<string, number>> {
  const inner = new MemoryStore();
  const counting = new CountingStore(inner);
  const { table, writers } = await tableWithWriters(inner, shards);
  await putRounds(table, writers, 1, 0);
  const reader = new LsmScanner(await Table.open(counting), { tail: true });
  await reader.scan().toTable();
  counting.reset();
  await reader.scan().toTable();
  await Promise.all(writers.map((w) => w.close()));
  return { ...counting.counts };
}

/** Part 2 for one (N, k): median of `reps` refreshes of k new entries per shard behind the latency. */
async function refreshLatency(shards: number, k: number, reps: number): Promise<{ shards: number; newPerShard: number; reps: number; ms: number }> {
  const inner = new MemoryStore();
  const { table, writers } = await tableWithWriters(inner, shards);
  const reader = new LsmScanner(await Table.open(new LatencyStore(inner, LATENCY)), { tail: true });
  await reader.refresh();
  const samples: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    await putRounds(table, writers, k, rep * k);
    const t0 = performance.now();
    await reader.refresh();
    samples.push(performance.now() - t0);
  }
  await Promise.all(writers.map((w) => w.close()));
  return { shards, newPerShard: k, reps, ms: round(percentile(samples, 50)) };
}

/** Part 3 on `store`: lag from ack to visible, in ms. */
async function visibilityLag(store: ObjectStore, readerStore: ObjectStore): Promise<{ p50: number; p99: number; max: number; refreshes: number }> {
  const { table, writers: [writer] } = await tableWithWriters(store, 1);
  const reader = new LsmScanner(await Table.open(readerStore), { tail: true });
  const acks: { position: number; at: number }[] = [];
  const visibleAt: number[] = []; // by WAL position: when the first refresh that read it completed
  let writing = true;
  let refreshes = 0;
  const readLoop = (async () => {
    let next = 0;
    while (writing || next <= (acks.at(-1)?.position ?? -1)) {
      const [r] = await reader.refresh();
      const now = performance.now();
      for (; next < r.nextPosition; next++) visibleAt[next] = now;
      refreshes++;
    }
  })();
  for (let i = 0; i < LAG_PUTS; i++) {
    await writer.put(rows(i, i + 1));
    acks.push({ position: writer.status().walLoggedThrough, at: performance.now() });
    await new Promise((r) => setTimeout(r, PACE));
  }
  writing = false;
  await readLoop;
  await writer.close();
  const lags = acks.map((a) => Math.max(0, visibleAt[a.position] - a.at)); // read before the ack was seen here: 0
  return { p50: round(percentile(lags, 50)), p99: round(percentile(lags, 99)), max: round(Math.max(...lags)), refreshes };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Runs `fn` on two S3Stores (writer's, reader's) of a fresh bucket of the S3 test server (tail-refresh-s3rver.mjs). */
async function onS3<T>(fn: (store: ObjectStore, readerStore: ObjectStore) => Promise<T>): Promise<T> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // known (the engines field), as in the S3 tests
  const { S3Store } = await import('../packages/s3-store/src/index.js');
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'tail-refresh-s3rver.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const [endpoint, bucket] = line.split(' ');
    const options = { endpoint, bucket, prefix: 'bench/tail', region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, forcePathStyle: true };
    return await fn(new S3Store({ ...options }), new S3Store({ ...options })); // the reader with connections of its own
  } finally {
    child.stdin!.end();
    await once(child, 'exit');
  }
}

async function main(): Promise<void> {
  const countCases: [number, number][] = [[1, 1], [1, 100], [1, BIG], [4, 1], [4, 100], [16, 1], [16, 100]];
  const counts: CountRow[] = [];
  for (const [n, k] of countCases) counts.push(await countRefresh(n, k));
  console.log('\n1. requests per refresh (budget: one LIST per shard + one GET per new entry)');
  console.table(counts.map(({ counts: _, ...r }) => r));
  const idle = { 1: await countIdleScan(1), 4: await countIdleScan(4) };
  console.log('   requests of a scan() with nothing new:', JSON.stringify(idle));

  const latencyCases: [number, number, number][] = [[1, 1, 3], [1, 100, 3], [1, BIG, 1], [16, 1, 3], [16, 100, 3]];
  const latency = [];
  for (const [n, k, reps] of latencyCases) latency.push(await refreshLatency(n, k, reps));
  console.log(`\n2. refresh latency, ${LATENCY} ms per request (median of reps)`);
  console.table(latency);

  const dir = await mkdtemp(path.join(tmpdir(), 'freshtier-tail-bench-'));
  const lag: Record<string, unknown> = {};
  try {
    lag.local = await visibilityLag(new LocalStore(dir), new LocalStore(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (args.s3) lag.s3 = await onS3(visibilityLag);
  console.log(`\n3. visibility lag, ack -> visible (ms), ${LAG_PUTS} puts, one every ${PACE} ms, reader refreshing back to back`);
  console.table(lag);
  console.log(`\nload average: start ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}, end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const command = `node --conditions=freshtier-src --import tsx bench/tail-refresh.ts${args.s3 ? ' --s3' : ''}${args.quick ? ' --quick' : ''}`;
  const machine = { ...machineInfo(), loadAverageAtStart: loadAtStart };
  const result = { command, date: new Date().toISOString(), machine, latencyMs: LATENCY, lagPuts: LAG_PUTS, paceMs: PACE, counts, idleScan: idle, latency, lag };
  await writeFile(args.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${args.out}`);
}

await main();
