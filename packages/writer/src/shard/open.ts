/**
 * Opening a shard for writing (DESIGN.md invariant 8), after `parseWriterOptions`
 * validated the options (nothing is claimed if they are bad):
 * 1. claim `epoch + 1` with a conditional commit of the shard manifest (fencing.ts);
 * 2. cancel a pending rollback, before any ack (rollback-pending.ts);
 * 3. fill the holes below the WAL tip an earlier open left when it crashed mid-fill
 *    (wal.ts `fillHoles`), then write a fence entry above the tip and fill the positions
 *    it skipped, in a bounded number of round trips whatever an older writer does (wal.ts
 *    `writeFence`): an older writer's next append fails wherever it is;
 * 4. replay the WAL entries after `replayAfter` into frozen memtables, keeping each
 *    record's generation (replay.ts). The writer flushes them in the background. A
 *    damaged entry anywhere stops the open with `CorruptEntryError` naming what it
 *    held and the `repair` command; nothing is set aside automatically (wal.ts);
 * 5. when the replay read many entries and none held a row to replay (fences of opens
 *    that failed or wrote nothing), move `replayAfter` up to this writer's fence block,
 *    so the next open does not read them again. Without it, every open that fails before
 *    its writer flushes (a store failing requests) adds a fence block that every later
 *    open must read, until opens fail for reading them.
 */
import { randomUUID } from 'node:crypto';
import { listWal, type Table } from '@freshtier/core';
import { assertCurrentSchema } from './schema-watch.js';
import { emitEvent, type WriterEvent, type WriterEventBody } from './events.js';
import { claimEpoch, commitGuarded, type ShardHead } from './fencing.js';
import { cancelPendingRollback } from '../maintenance/rollback-pending.js';
import type { ResolvedWriterOptions } from './options.js';
import { durableGenerations, replayWal, type ReplayResult } from './replay.js';
import { fillHoles, writeFence } from './wal.js';

/**
 * What opening a shard leaves for its new writer.
 *
 * @example
 * ```ts
 * const { head, fencePosition, replayed } = await openShard(table, opts);
 * ```
 */
export interface OpenedShard {
  /** The shard manifest version that claimed this writer's epoch. */
  readonly head: ShardHead;
  /** The WAL position of this writer's fence entry; its own entries follow it. */
  readonly fencePosition: number;
  readonly replayed: ReplayResult;
}

/**
 * Runs steps 1–4 of the module doc for `opts.shard`.
 *
 * @example
 * ```ts
 * const opened = await openShard(table, parseWriterOptions(table, { shard: 0 }));
 * ```
 */
export async function openShard(table: Table, opts: ResolvedWriterOptions): Promise<OpenedShard> {
  const { store } = table;
  await assertCurrentSchema(table, opts.shard);
  const claimed = await claimEpoch(table, opts.shard, randomUUID());
  const { epoch, replayAfter } = claimed.doc;
  await cancelPendingRollback(table, `writer of shard ${opts.shard} (epoch ${epoch})`); // before any ack: see rollback-pending.ts
  const emit = (e: WriterEventBody) => emitEvent(opts.onEvent, { shard: opts.shard, epoch, ...e } as WriterEvent);
  const listed = await listWal(store, opts.shard, replayAfter, table.walSuffix);
  await fillHoles(table, opts.shard, epoch, listed, replayAfter);
  const tip = Math.max(replayAfter, listed.length > 0 ? listed[listed.length - 1].position : -1);
  const fencePosition = await writeFence(table, opts.shard, epoch, tip + 1);
  // again, now that the epoch is ours: a rollback (or change) that committed between the first check and the
  // claim did not fence this writer, and would let it ack values the restored schema cannot hold
  const durable = durableGenerations(await assertCurrentSchema(table, opts.shard), claimed);
  const replayed = await replayWal({
    store, table, shard: opts.shard, epoch, after: replayAfter, isDurable: durable,
    onProgress: (entriesDone, entriesTotal, position) => emit({ type: 'replay-progress', entriesDone, entriesTotal, position }),
  });
  const head = replayed.slots.length === 0 && replayed.entries > TRIM_AFTER_ENTRIES ? await skipReplayed(table, opts.shard, epoch, claimed, fencePosition, replayed) : claimed;
  return { head, fencePosition, replayed };
}


/** An open replaying more entries than this, all without a row to replay, moves `replayAfter` past them (step 5). */
const TRIM_AFTER_ENTRIES = 64;

/**
 * Step 5: `replayAfter` moves to the fence block's top. Every entry at or below it is a
 * fence, a record of a durable generation, or an entry never acked (replay rule 5): none
 * holds a row a later replay needs. `nextGeneration` rises above every generation the
 * replay saw, so none is used twice.
 */
async function skipReplayed(table: Table, shard: number, epoch: number, head: ShardHead, fenceTop: number, replayed: ReplayResult): Promise<ShardHead> {
  const next = replayed.highestGeneration + 1;
  return commitGuarded({
    manifests: table.shardManifests(shard), shard, epoch, head,
    build: (doc) => ({
      ...doc, replayAfter: Math.max(doc.replayAfter, fenceTop), nextGeneration: Math.max(doc.nextGeneration, next),
      committedAt: new Date().toISOString(), note: `open: ${replayed.entries} WAL entries held nothing to replay`,
    }),
    landed: (doc) => doc.replayAfter >= fenceTop,
  });
}
