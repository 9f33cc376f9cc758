/**
 * Replay on open: rebuilding the memtables a previous writer held when it
 * stopped, from the WAL entries after the manifest's `replayAfter`, by core's
 * replay rules (`WalReplayer`, core/src/wal/wal-replayer.ts: original coordinates,
 * fences, epochs, batch-index order, repaired fences, durable generations skipped).
 *
 * Specific to a writer's open:
 * - It runs after this writer's fence is written, and lists the WAL then, so every
 *   entry a previous writer could still create lies below the fence and is seen.
 * - Any entry of an epoch newer than ours means a newer writer exists:
 *   `ShardFencedError`, the open fails.
 * - A damaged entry, wherever it lies, is `CorruptEntryError` naming what it held and
 *   the `repair` command (core/src/wal/wal-damage.ts): it holds acked rows, and nothing
 *   is set aside automatically.
 *
 * Replayed memtables come back frozen; the writer flushes them. Entries are
 * fetched a few at a time ahead of decoding, which matters on remote stores.
 */
import {
  WalReplayer, baseCoverage, decodeOrExplain, failpoint, fetchWalEntries, listWal,
  type BaseManifest, type Generation, type ObjectStore, type ShardId, type Table,
} from '@freshtier/core';
import type { ShardHead } from './fencing.js';
import { MemtableSlot } from './memtable-slot.js';

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

const PROGRESS_EVERY = 64;

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
  const listed = await listWal(input.store, input.shard, input.after, input.table.walSuffix);
  const replayer = new WalReplayer(input.table, input.shard, input.epoch, (g) => input.isDurable(g));
  let done = 0;
  for await (const { listing, bytes } of fetchWalEntries(input.store, listed)) {
    failpoint('replay:entry');
    replayer.apply(listing, await decodeOrExplain(input.store, input.shard, listing, bytes, replayer.lastRead));
    done++;
    if (done % PROGRESS_EVERY === 0 || done === listed.length) input.onProgress?.(done, listed.length, listing.position);
  }
  const slots = replayer.generations().map((g) => MemtableSlot.replayed(g.memtable, g.first, g.last));
  return { slots, highestGeneration: replayer.highestGeneration, entries: listed.length, recordsApplied: replayer.recordsApplied, recordsSkipped: replayer.recordsSkipped };
}

/**
 * Generations whose records replay skips: committed (in the flushed list, or compacted into the base table) or excluded by a rollback.
 *
 * @example
 * ```ts
 * const skip = durableGenerations((await table.baseManifests.latest()).doc, head);
 * if (!skip(record.generation)) memtables.append(record);
 * ```
 */
export function durableGenerations(base: BaseManifest, head: ShardHead): (g: Generation) => boolean {
  const flushed = new Set(head.doc.flushed.map((f) => f.generation));
  const coverage = baseCoverage(base, head.doc.shard); // compacted, or undone by a rollback: never replay them
  return (g) => coverage.inBase(g) || flushed.has(g);
}
