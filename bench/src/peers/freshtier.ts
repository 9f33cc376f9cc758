/**
 * freshtier itself, through `@freshtier/writer` (ShardWriter) and `@freshtier/scanner`
 * (LsmScanner) on a LocalStore under `ctx.dir`. Every other system's ratio is measured
 * against this adapter. Same data as the peers (bench/src/data.ts), same accounting:
 * rows and Arrow bytes of the timed section only.
 *
 * - upsert / append (freshtier-stream.ts): one durable ShardWriter, 10 producers calling
 *   `put` concurrently; timed to the end of `close()`, so the flushes during the stream and
 *   the final one are included. `freshtier-latency` runs the same behind a LatencyStore.
 * - scan / containsPks: the fixture is a base (compacted when `compact` is available),
 *   8 flushed generations, and the last delta put into the live writer's memtables
 *   (untimed); the timed section is `scan().toTable()` / `containsPks(keys)`. `scan` is
 *   cold (a fresh process and scanner, nothing read before it: key-index cache empty and
 *   WebAssembly not yet tiered up; the files are in the OS page cache) and then warm
 *   (`scanWarm`: the same scanner again).
 * - replay: a durable writer puts `tableRows` rows and is SIGKILLed before any flush;
 *   the timed section is `ShardWriter.open` (replay into memtables) until it resolves.
 * - compaction: the fixture with every delta flushed; timed `compact({ shard: 0 })`.
 */
import { LocalStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import * as writerApi from '@freshtier/writer';
import { ShardWriter, type ShardWriterOptions } from '@freshtier/writer';
import { benchSchema, arrowBytes, collect, lookupKeys, stateFixture } from '../data.js';
import { freshtierStream } from './freshtier-stream.js';
import { startClock, type Adapter, type Result, type WorkloadContext } from './types.js';

type CompactFn = (table: Table, options: { shard: number }) => Promise<unknown>;
const compact = (writerApi as unknown as { compact?: CompactFn }).compact;

/** Large memtables for the fixture, so each delta is exactly one flushed generation. */
const FIXTURE_WRITER: Omit<ShardWriterOptions, 'shard'> = { durability: 'durable', maxMemtableRows: 10_000_000, maxMemtableBytes: 2 ** 31 - 1, maxUnflushedBytes: 2 ** 31 - 1 };

async function openTable(ctx: WorkloadContext, keyed: boolean, create: boolean): Promise<Table> {
  const store = new LocalStore(`${ctx.dir}/table`);
  if (!create) return Table.open(store);
  return Table.create(store, { schema: benchSchema, primaryKey: keyed ? ['id'] : [], shards: 1 });
}

/** Base (+ compaction), then `generations` flushed deltas; the last delta is left to the run step. */
async function writeFixture(ctx: WorkloadContext): Promise<void> {
  const { base, deltas } = stateFixture(ctx.sizes.tableRows, ctx.sizes.generations);
  const table = await openTable(ctx, true, true);
  const writer = await ShardWriter.open(table, { shard: 0, ...FIXTURE_WRITER });
  for (const b of collect(base)) await writer.put(b);
  await writer.flush();
  if (compact) await compact(table, { shard: 0 });
  for (const spec of deltas.slice(0, -1)) {
    for (const b of collect(spec)) await writer.put(b);
    await writer.flush();
  }
  await writer.close();
}

/** Opens the fixture with a live writer holding the last delta in its memtables (untimed). */
async function liveFixture(ctx: WorkloadContext): Promise<{ writer: ShardWriter; scanner: LsmScanner }> {
  const { deltas } = stateFixture(ctx.sizes.tableRows, ctx.sizes.generations);
  const table = await openTable(ctx, true, false);
  const writer = await ShardWriter.open(table, { shard: 0, ...FIXTURE_WRITER, autoFlush: false });
  for (const b of collect(deltas[deltas.length - 1])) await writer.put(b);
  return { writer, scanner: new LsmScanner(table, { writers: [writer] }) };
}

async function scan(ctx: WorkloadContext): Promise<Result> {
  const { writer, scanner } = await liveFixture(ctx);
  const timed = async () => {
    const elapsed = startClock();
    const t = await scanner.scan({}).toTable();
    return { t, seconds: elapsed() };
  };
  const cold = await timed();
  const warm = await timed();
  await writer.close();
  const what = `latest state with dedup: base${compact ? ' (compacted)' : ' (a flushed generation: compact() not built)'} + 8 generations + memtables`;
  return {
    rows: cold.t.numRows, bytes: arrowBytes(cold.t), seconds: cold.seconds, notes: `cold: first scan of a fresh scanner in a fresh process; ${what}`,
    also: { scanWarm: { rows: warm.t.numRows, bytes: arrowBytes(warm.t), seconds: warm.seconds, notes: `warm: the same scanner's second scan; ${what}` } },
  };
}

async function containsPks(ctx: WorkloadContext): Promise<Result> {
  const { writer, scanner } = await liveFixture(ctx);
  const keys = lookupKeys(ctx.sizes.lookupKeys, ctx.sizes.tableRows).map((id) => ({ id }));
  scanner.resetStats();
  const elapsed = startClock();
  const found = await scanner.containsPks(keys);
  const seconds = elapsed();
  const dataFileReads = scanner.stats.dataFileReads;
  const cut = await scanner.scan({ columns: ['id'], limit: 1 }).cuts;
  const blocked = await scanner.freshTierBlockList(keys, cut);
  await writer.close();
  const present = found.filter(Boolean).length;
  if (present !== Math.ceil(keys.length / 2)) throw new Error(`freshtier containsPks found ${present} of ${keys.length} keys`);
  return { rows: keys.length, bytes: keys.length * 8, seconds, notes: `data-file reads: ${dataFileReads}; freshTierBlockList blocked ${blocked.length}` };
}

async function prepareReplay(ctx: WorkloadContext): Promise<void> {
  const table = await openTable(ctx, true, true);
  const writer = await ShardWriter.open(table, { shard: 0, ...FIXTURE_WRITER, autoFlush: false });
  const spec = { rows: ctx.sizes.tableRows, batchRows: ctx.sizes.batchRows, seed: 51 };
  const batches = collect(spec);
  await Promise.all(Array.from({ length: 10 }, async (_, p) => {
    for (let i = p; i < batches.length; i += 10) await writer.put(batches[i]);
  }));
  process.kill(process.pid, 'SIGKILL'); // crash with every row only in the WAL
}

async function replay(ctx: WorkloadContext): Promise<Result> {
  const table = await openTable(ctx, true, false);
  const elapsed = startClock();
  const writer = await ShardWriter.open(table, { shard: 0, ...FIXTURE_WRITER, autoFlush: false });
  const seconds = elapsed();
  const refs = writer.inMemoryMemtableRefs().refs;
  const rows = refs.reduce((s, r) => s + r.memtable.batchRowOffsets[r.batchCount], 0);
  if (rows !== ctx.sizes.tableRows) throw new Error(`freshtier replay recovered ${rows} of ${ctx.sizes.tableRows} rows`);
  const bytes = refs.reduce((s, r) => s + r.memtable.arrowByteSize, 0);
  return { rows, bytes, seconds, notes: 'ShardWriter.open: claim epoch, fence, read and decode every WAL entry into memtables' };
}

async function compaction(ctx: WorkloadContext): Promise<Result> {
  if (!compact) throw new Error('compact() is not in this build of @freshtier/writer');
  const { deltas } = stateFixture(ctx.sizes.tableRows, ctx.sizes.generations);
  const table = await openTable(ctx, true, false);
  const writer = await ShardWriter.open(table, { shard: 0, ...FIXTURE_WRITER });
  for (const b of collect(deltas[deltas.length - 1])) await writer.put(b);
  await writer.close();
  const scanner = new LsmScanner(table);
  const before = await scanner.scan({}).toTable();
  const elapsed = startClock();
  await compact(table, { shard: 0 });
  return { rows: before.numRows, bytes: arrowBytes(before), seconds: elapsed(), notes: 'merge 9 flushed generations into the base files they overlap' };
}

/** The freshtier adapter. */
export const freshtierAdapter: Adapter = {
  name: 'freshtier',
  needsPeers: false,
  prepare: { scan: writeFixture, containsPks: writeFixture, replay: prepareReplay, compaction: writeFixture },
  workloads: { upsert: (ctx) => freshtierStream(ctx, 'upsert', null), append: (ctx) => freshtierStream(ctx, 'append', null), scan, containsPks, replay, compaction },
};

function latencyOf(ctx: WorkloadContext) {
  if (!ctx.sizes.storeLatency) throw new Error('freshtier-latency needs --store-latency put=MS,get=MS');
  return ctx.sizes.storeLatency;
}

/**
 * freshtier's write workloads behind a store with per-request latency (`--store-latency`):
 * its ratio is to freshtier on the local disk in the same run.
 */
export const freshtierLatencyAdapter: Adapter = {
  name: 'freshtier-latency',
  needsPeers: false,
  workloads: {
    upsert: (ctx) => freshtierStream(ctx, 'upsert', latencyOf(ctx)),
    append: (ctx) => freshtierStream(ctx, 'append', latencyOf(ctx)),
  },
};
