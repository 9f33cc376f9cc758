/**
 * `rollback`: making the table equal to an earlier version with ONE conditional
 * commit (DESIGN.md invariants 12 and 16; docs/base-table.md "Rollback").
 *
 * 0. Commit the pending-rollback marker on the base head (rollback-pending.ts): a
 *    writer that opens from now on removes it, and the rollback then aborts.
 * 1. Fence every shard — content unchanged, so a crash here leaves the old head:
 *    a. claim `epoch + 1` on the shard manifest (live writers' next commit fails);
 *    b. write a fence entry at the WAL tip (their next WAL append fails:
 *       `ShardFencedError`, never a false ack; every entry they made lies below it);
 *    c. read the WAL below the fence and raise the manifest's `nextGeneration`
 *       above every generation in it, so later writers start above them.
 * 2. Re-check every shard's epoch: one that moved means a writer opened; abort.
 * 3. One conditional commit of a base version equal to the target's plus, per
 *    shard, the excluded range `(highest generation of the target, nextGeneration)`,
 *    made only while the newest base version still holds this rollback's marker
 *    (else `RollbackAbortedError`, nothing changed). From this commit on, readers,
 *    compaction and replay skip those generations; generations written later are
 *    above the range and count.
 * Shard manifests keep their flushed entries (they are never rewritten): the
 * target's own fresh generations are still listed, and its compaction mark comes
 * back with its base files. A commit conflict (say, a compaction that finished
 * meanwhile) is retried with the same document: what it would have changed is undone too.
 */
import {
  CorruptEntryError, FORMAT_VERSION, RollbackAbortedError, SCHEMA_FORMAT_VERSION, baseCoverage, excludedOf, isFreshtierError, listWal, readWalEntry, rolledBackSchema, type BaseManifest, type GenerationRange, type ShardManifest, type Table,
} from '@freshtier/core';
import { randomUUID } from 'node:crypto';
import { claimEpoch, commitGuarded } from '../shard/fencing.js';
import { assertStillPending, clearPendingRollback, finalIfStillPending, markPendingRollback } from './rollback-pending.js';
import { checkRollbackOptions, resolveVersion, type TableVersion, type VersionRef } from './versions.js';
import { writeFence } from '../shard/wal.js';

/**
 * A step of a rollback, reported as it completes (for progress output and crash tests).
 *
 * @example
 * ```ts
 * await rollback(table, 'nightly', { onStep: (s) => console.log(s.step, 'shard' in s ? s.shard : '') });
 * ```
 */
export type RollbackStep =
  | { readonly step: 'start' }
  | { readonly step: 'epoch-claimed' | 'wal-fenced' | 'generation-raised'; readonly shard: number }
  | { readonly step: 'committed'; readonly baseVersion: number };

/**
 * Options of {@link rollback}.
 *
 * @example
 * ```ts
 * await rollback(table, 'nightly', { onStep: (s) => console.log(s.step) });
 * ```
 */
export interface RollbackOptions {
  /** Called after each step; the rollback waits for it. */
  onStep?: (step: RollbackStep) => void | Promise<void>;
}

/**
 * What a rollback did.
 *
 * @example
 * ```ts
 * const { baseVersion, excluded } = await rollback(table, 'nightly');
 * ```
 */
export interface RollbackResult {
  readonly target: TableVersion;
  /** The base version committed. */
  readonly baseVersion: number;
  /** Per shard, the generations now excluded (absent: nothing to exclude). */
  readonly excluded: Readonly<Record<number, GenerationRange>>;
  /** Per shard, the epoch the rollback claimed: writers of older epochs are fenced. */
  readonly epochs: readonly number[];
}

/**
 * Rolls the table back to a tag or table version (see the module doc). Live
 * writers are fenced; open new ones to write on top of the rolled-back table.
 *
 * @example
 * ```ts
 * await tag(table, 'before-import');
 * // … a bad import …
 * await rollback(table, 'before-import');
 * ```
 */
export async function rollback(table: Table, ref: VersionRef, options: RollbackOptions = {}): Promise<RollbackResult> {
  checkRollbackOptions(options);
  const step = async (s: RollbackStep) => options.onStep?.(s);
  const target = await resolveVersion(table, ref);
  const targetBase = await table.baseManifests.load(target.baseVersion);
  const targetShards = await Promise.all(target.shardVersions.map((v, s) => table.shardManifests(s).load(v)));
  const id = randomUUID();
  await markPendingRollback(table, id);
  await step({ step: 'start' });
  try {
    const excluded: Record<number, GenerationRange> = {};
    const epochs: number[] = [];
    for (let s = 0; s < table.shardCount; s++) {
      await assertStillPending(table, id); // a writer opened meanwhile: abort before fencing it too
      const fence = await fenceShard(table, s, id, step);
      epochs.push(fence.epoch);
      const above = highestGeneration(targetShards[s], baseCoverage(targetBase, s).compacted);
      if (fence.nextGeneration > above + 1) excluded[s] = { above, below: fence.nextGeneration };
    }
    await recheckEpochs(table, epochs, id);
    const doc = rolledBack(targetBase, target, excluded, id);
    const committed = await table.baseManifests.update({ build: (latest) => finalIfStillPending(latest, id, withSchemaOf(table, doc, latest)), landed: (latest) => latest.note === doc.note });
    await step({ step: 'committed', baseVersion: committed!.version });
    return { target, baseVersion: committed!.version, excluded, epochs };
  } catch (e) {
    if (!(e instanceof RollbackAbortedError) && !isFreshtierError(e, 'SHARD_FENCED')) throw e; // a crash-like failure: the next writer removes the marker
    await clearPendingRollback(table, id).catch(() => undefined);
    if (e instanceof RollbackAbortedError) throw e;
    throw new RollbackAbortedError('a writer opened a shard while the rollback fenced it', { rollback: id }, e);
  }
}

/** Step 2: every shard still carries the epoch this rollback claimed. */
async function recheckEpochs(table: Table, epochs: readonly number[], id: string): Promise<void> {
  const heads = await Promise.all(epochs.map((_, s) => table.shardManifests(s).latest()));
  heads.forEach((h, s) => {
    if (h.doc.epoch !== epochs[s]) throw new RollbackAbortedError(`shard ${s} moved to epoch ${h.doc.epoch} after the rollback claimed epoch ${epochs[s]} (a writer opened it)`, { rollback: id, shard: s });
  });
}

/** Step 1 for one shard: returns the claimed epoch and the raised `nextGeneration`. */
async function fenceShard(table: Table, shard: number, id: string, step: (s: RollbackStep) => Promise<void>): Promise<{ epoch: number; nextGeneration: number }> {
  const claimed = await claimEpoch(table, shard, `rollback ${id}`);
  await step({ step: 'epoch-claimed', shard });
  const { epoch, replayAfter } = claimed.doc;
  const listed = await listWal(table.store, shard, replayAfter, table.walSuffix);
  const fencePosition = await writeFence(table, shard, epoch, Math.max(replayAfter, listed.at(-1)?.position ?? -1) + 1);
  await step({ step: 'wal-fenced', shard });
  const below = Math.max(claimed.doc.nextGeneration, highestGeneration(claimed.doc, -1) + 1, (await highestInWal(table, shard, replayAfter, fencePosition)) + 1);
  const raised = await commitGuarded({
    manifests: table.shardManifests(shard), shard, epoch, head: claimed,
    build: (doc) => ({ ...doc, nextGeneration: Math.max(doc.nextGeneration, below), committedAt: new Date().toISOString(), note: `rollback ${id}: fence, nextGeneration ${below}` }),
    landed: (doc) => doc.nextGeneration >= below,
  });
  await step({ step: 'generation-raised', shard });
  return { epoch, nextGeneration: raised.doc.nextGeneration };
}

/** The highest generation named by a data entry in `(after, fence)` (-1: none). */
async function highestInWal(table: Table, shard: number, after: number, fencePosition: number): Promise<number> {
  let highest = -1;
  for (const listing of await listWal(table.store, shard, after, table.walSuffix)) {
    if (listing.position >= fencePosition) break;
    try {
      const entry = await readWalEntry(table.store, shard, listing.position, table.walSuffix);
      for (const r of entry.records) highest = Math.max(highest, r.generation);
    } catch (e) {
      // a damaged entry's records are unknown: refuse rather than exclude too little
      if (isFreshtierError(e, 'CORRUPT_ENTRY')) throw new CorruptEntryError(listing.key, `rollback cannot tell which generations this WAL entry holds; run \`freshtier repair ${table.store.uri} --shard ${shard}\` (add --apply to set the entry aside) and retry`, e);
      throw e;
    }
  }
  return highest;
}

/** The highest generation a shard version holds: flushed or compacted (-1: none). */
function highestGeneration(manifest: ShardManifest, compacted: number): number {
  return manifest.flushed.reduce((m, f) => Math.max(m, f.generation), compacted);
}

/**
 * The target's schema comes back with the rest of its version (docs/format.md "Schema
 * versions"), keeping the newest version's history and counters (`rolledBackSchema`).
 */
function withSchemaOf(table: Table, doc: BaseManifest, latest: BaseManifest): BaseManifest {
  const schema = rolledBackSchema(doc.schema, latest.schema, table.initialSchema());
  const { schema: _, ...rest } = doc;
  return schema ? { ...rest, formatVersion: SCHEMA_FORMAT_VERSION, schema } : { ...rest, formatVersion: FORMAT_VERSION };
}

/** The target base version plus the new exclusions (earlier ones of the target stay). */
function rolledBack(target: BaseManifest, version: TableVersion, added: Record<number, GenerationRange>, id: string): BaseManifest {
  const excluded: Record<string, GenerationRange[]> = {};
  const shards = new Set([...Object.keys(target.excluded ?? {}), ...Object.keys(added)].map(Number));
  for (const s of shards) excluded[String(s)] = [...excludedOf(target, s), ...(added[s] ? [added[s]] : [])];
  const { pendingRollback: _, ...content } = target; // a marker the target version carried is not part of it
  return {
    ...content, excluded, committedAt: new Date().toISOString(),
    note: `rollback ${id} to base v${version.baseVersion}, shard versions [${version.shardVersions.join(', ')}]`,
  };
}
