/**
 * Replay on open: rebuilding the memtables a previous writer held when it
 * stopped, from the WAL entries after the manifest's `replayAfter`.
 *
 * Rules (they keep replay equal to what the previous writer had acked):
 * - Runs after this writer's fence is written, and lists the WAL then, so every
 *   entry a previous writer could still create lies below the fence and is seen.
 * - Fence entries are skipped. Any entry of an epoch newer than ours means a
 *   newer writer exists: `ShardFencedError`, the open fails.
 * - Each record keeps its ORIGINAL generation and batch index, so batch
 *   coordinates, `AsOfCut`s and ingest ordering (invariants 9 and 10) mean the same
 *   after a crash. Records of one generation must arrive in batch-index order
 *   from 0: a gap or a duplicate means damage → `CorruptEntryError`, never a
 *   silently different memtable. (`replayAfter` never passes an uncommitted
 *   generation's first entry, so a generation is always replayed from batch 0.)
 * - Records of generations that are already durable (in the manifest's flushed
 *   list, or compacted into the base table) are skipped: they were committed.
 * - A damaged entry, wherever it lies, is `CorruptEntryError` naming what it held and
 *   the `repair` command (wal-damage.ts): it holds acked rows, and nothing is set aside
 *   automatically. A gap in batch indices is accepted only after a `repaired` fence —
 *   the position of an entry `repair` set aside — and is filled with empty batches, so
 *   every later batch keeps its coordinate.
 *
 * Replayed memtables come back frozen; the writer flushes them. Entries are
 * fetched a few at a time ahead of decoding, which matters on remote stores.
 */
import {
  CorruptEntryError, Memtable, ShardFencedError, baseCoverage, decodeWalEntry, encodeKeys, failpoint,
  type Generation, type ObjectStore, type ShardId, type Table, type WalEntry, type WalRecord,
} from '@freshtier/core';
import { RecordBatch, Struct, makeData, vectorFromArray, type Schema } from 'apache-arrow';
import type { ShardHead } from './fencing.js';
import { MemtableSlot } from './memtable-slot.js';
import { listWal, type WalListing } from './wal.js';
import { damagedEntryError, type WalCoordinate } from './wal-damage.js';

/**
 * What replay needs to know.
 *
 * @example
 * ```ts
 * const input: ReplayInput = { store, table, shard: 0, epoch, after: -1, isDurable: () => false };
 * ```
 */
export interface ReplayInput {
  readonly store: ObjectStore;
  readonly table: Table;
  readonly shard: ShardId;
  /** The replaying writer's epoch. */
  readonly epoch: number;
  /** The manifest's `replayAfter`: entries at or below it are covered. */
  readonly after: number;
  /** True for generations already committed (flushed or compacted): their records are skipped. */
  isDurable(generation: Generation): boolean;
  /** Called after each batch of entries with (entries done, entries total, last position). */
  onProgress?(done: number, total: number, position: number): void;
}

/**
 * What replay rebuilt.
 *
 * @example
 * ```ts
 * const { slots, highestGeneration }: ReplayResult = await replayWal(input);
 * ```
 */
export interface ReplayResult {
  /** Frozen slots, ascending by generation. */
  readonly slots: MemtableSlot[];
  /** Highest generation named by any replayed record (-1: none); the new active generation must be above it. */
  readonly highestGeneration: Generation;
  readonly entries: number;
  readonly recordsApplied: number;
  readonly recordsSkipped: number;
}

const READ_AHEAD = 8;
const PROGRESS_EVERY = 64;

interface Rebuilt {
  memtable: Memtable;
  first: number;
  /** WAL position of its latest record (-1 before the first). */
  last: number;
}

interface Counts {
  highest: number;
  applied: number;
  skipped: number;
  /** WAL position of the latest `repaired` fence (-1: none yet). */
  repairedAt: number;
  /** The last batch read from an intact entry, for naming what a damaged one held. */
  lastRead?: WalCoordinate;
}

/**
 * Rebuilds the memtables held in the WAL after `input.after`.
 *
 * @example
 * ```ts
 * const flushed = new Set(head.doc.flushed.map((f) => f.generation));
 * const r = await replayWal({ store, table, shard: 0, epoch, after: head.doc.replayAfter, isDurable: (g) => flushed.has(g) });
 * ```
 */
export async function replayWal(input: ReplayInput): Promise<ReplayResult> {
  const listed = await listWal(input.store, input.shard, input.after);
  const rebuilt = new Map<Generation, Rebuilt>();
  const counts: Counts = { highest: -1, applied: 0, skipped: 0, repairedAt: -1 };
  let done = 0;
  for await (const { listing, bytes } of readAhead(input.store, listed)) {
    failpoint('replay:entry');
    applyEntry(input, listing, await decodeOrExplain(input, listing, bytes, counts.lastRead), rebuilt, counts);
    done++;
    if (done % PROGRESS_EVERY === 0 || done === listed.length) input.onProgress?.(done, listed.length, listing.position);
  }
  const slots = [...rebuilt.values()]
    .sort((a, b) => a.memtable.generation - b.memtable.generation)
    .map((r) => MemtableSlot.replayed(r.memtable, r.first, r.last));
  return { slots, highestGeneration: counts.highest, entries: listed.length, recordsApplied: counts.applied, recordsSkipped: counts.skipped };
}

/**
 * The entry, or the error naming what it held and how to resolve it. An entry that fails
 * is read once more first: a short or garbled read of a healthy entry must not stop the open.
 */
async function decodeOrExplain(input: ReplayInput, listing: WalListing, bytes: Uint8Array, before: WalCoordinate | undefined): Promise<WalEntry> {
  try {
    return decodeWalEntry(bytes, listing.key);
  } catch (e) {
    const again = await input.store.get(listing.key);
    try {
      return decodeWalEntry(again, listing.key);
    } catch {
      throw damagedEntryError(input.store, input.shard, listing, again, before, e);
    }
  }
}

function applyEntry(input: ReplayInput, listing: WalListing, entry: WalEntry, rebuilt: Map<Generation, Rebuilt>, counts: Counts): void {
  if (entry.epoch > input.epoch) throw new ShardFencedError(input.shard, input.epoch, entry.epoch);
  if (entry.kind === 'fence') {
    if (entry.repaired) counts.repairedAt = listing.position;
    return;
  }
  if (entry.shard !== input.shard) throw new CorruptEntryError(listing.key, `entry of shard ${entry.shard} in the WAL of shard ${input.shard}`);
  for (const record of entry.records) {
    counts.highest = Math.max(counts.highest, record.generation);
    counts.lastRead = record;
    if (input.isDurable(record.generation)) {
      counts.skipped++;
      continue;
    }
    applyRecord(input, listing, record, rebuilt, counts.repairedAt);
    counts.applied++;
  }
}

function applyRecord(input: ReplayInput, listing: WalListing, record: WalRecord, rebuilt: Map<Generation, Rebuilt>, repairedAt: number): void {
  let r = rebuilt.get(record.generation);
  if (!r) {
    r = { memtable: new Memtable(input.shard, record.generation, !input.table.appendOnly), first: listing.position, last: -1 };
    rebuilt.set(record.generation, r);
  }
  // batches lost with an entry `repair` set aside (between this generation's previous record and this one)
  if (record.batchIndex > r.memtable.batchCount && repairedAt > r.last) fillLostBatches(input.table, r, record.batchIndex);
  const expected = r.memtable.batchCount;
  if (record.batchIndex !== expected) {
    const what = record.batchIndex < expected ? 'duplicate' : 'gap';
    throw new CorruptEntryError(listing.key, `generation ${record.generation}: found batch ${record.batchIndex} where batch ${expected} was due (${what})`);
  }
  append(input.table, r, record.batch, record.op, listing.position);
}

function append(table: Table, r: Rebuilt, batch: RecordBatch, op: 'put' | 'delete', position: number): void {
  r.memtable.append(batch, op, table.appendOnly ? undefined : encodeKeys(batch, table.primaryKey), position);
  r.last = Math.max(r.last, position);
}

/** Empty batches at the coordinates a set-aside entry held, so later batches keep theirs (no WAL position: nothing logged them). */
function fillLostBatches(table: Table, r: Rebuilt, upTo: number): void {
  const empty = emptyBatch(table.schema);
  while (r.memtable.batchCount < upTo) r.memtable.append(empty, 'put', table.appendOnly ? undefined : encodeKeys(empty, table.primaryKey), -1);
}

function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => vectorFromArray([], f.type).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}

/** Entries' bytes in order, with up to READ_AHEAD fetches in flight. */
async function* readAhead(store: ObjectStore, listed: readonly WalListing[]): AsyncGenerator<{ listing: WalListing; bytes: Uint8Array }> {
  const fetches: Promise<Uint8Array>[] = [];
  const start = (i: number) => {
    if (i >= listed.length) return;
    fetches[i] = store.get(listed[i].key);
    fetches[i].catch(() => undefined); // awaited below; this only keeps an abandoned read-ahead from being "unhandled"
  };
  for (let i = 0; i < Math.min(READ_AHEAD, listed.length); i++) start(i);
  for (let i = 0; i < listed.length; i++) {
    start(i + READ_AHEAD);
    const bytes = await fetches[i];
    delete fetches[i];
    yield { listing: listed[i], bytes };
  }
}

/**
 * Generations whose records replay skips: committed (in the flushed list, or compacted into the base table) or excluded by a rollback.
 *
 * @example
 * ```ts
 * const skip = await durableGenerations(table, head);
 * if (!skip(record.generation)) memtables.append(record);
 * ```
 */
export async function durableGenerations(table: Table, head: ShardHead): Promise<(g: Generation) => boolean> {
  const flushed = new Set(head.doc.flushed.map((f) => f.generation));
  const base = await table.baseManifests.latest();
  const coverage = baseCoverage(base.doc, head.doc.shard); // compacted, or undone by a rollback: never replay them
  return (g) => coverage.inBase(g) || flushed.has(g);
}
