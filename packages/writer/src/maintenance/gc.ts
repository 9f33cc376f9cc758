/**
 * `gc`: deleting what no retained version, tag or live snapshot needs
 * (DESIGN.md "Compaction, versions, GC"; docs/base-table.md "GC").
 *
 * GC is safe with any options: whatever `olderThan` and `now` say, it never deletes
 * a file that an uncommitted flush, ingest or compaction may still publish, and it
 * deletes only names of freshtier's layout (`layout.parse`). No clock is part of that
 * argument:
 * 1. List `base/data/` and each shard's directory; classify every key (gc-plan.ts).
 * 2. If base files no retained version names were listed, commit the GC fence
 *    (gc-fence.ts): a base version equal to the head with `gcFence + 1`. A compaction
 *    that planned before it never commits after it; one that committed before it is
 *    named by a version read in step 3.
 * 3. Read retention (gc-retention.ts: retained manifest versions, tags, this
 *    process's live snapshots) and plan: base files of the step-1 listing that no
 *    retained base version names; generation and ingest files no retained version
 *    reads — committed ones, and uncommitted ones of a fenced writer (the epoch in
 *    the directory name is below the shard's current epoch). Uncommitted files of the
 *    current epoch (in flight) and of names without an epoch (orphans) stay and are
 *    reported; so are keys of unknown names.
 * 4. Delete, manifests first (after pointing the `_latest` hints at the newest
 *    versions), so `versions()` never lists a version whose files are gone. WAL data
 *    entries at or below every retained shard version's `replayAfter` go too; fence
 *    entries stay (tiny): a fenced writer's next WAL position is the fence above it,
 *    and deleting that fence would let it create an entry there and ack a write that
 *    replay, which starts above `replayAfter`, never reads.
 * `olderThan` is the retention window for readers: versions current within it stay,
 * and nothing modified within it is deleted. `dryRun` reports the same lists, commits
 * no fence and deletes nothing.
 */
import { parseOptions, type ObjectMeta, type Table } from '@freshtier/core';
import { z } from 'zod';
import { commitGcFence } from './gc-fence.js';
import { listForGc, planGc, type GcPlan } from './gc-plan.js';

/**
 * Options of {@link gc}.
 *
 * @example
 * ```ts
 * await gc(table, { olderThan: 7 * 24 * 3_600_000 }); // keep a week of versions
 * ```
 */
export interface GcOptions {
  /**
   * Retention window in ms: versions that were current within it are kept, and
   * nothing younger than it is deleted. Make it longer than the slowest read you run
   * (flushes, ingests and compactions in flight are safe whatever it is).
   */
  olderThan: number;
  /** List what would be deleted, delete nothing (default false). */
  dryRun?: boolean;
  /** The current time in ms (default `Date.now()`). */
  now?: number;
}

/**
 * What GC deleted (or, in a dry run, would delete).
 *
 * @example
 * ```ts
 * const r = await gc(table, { olderThan: 3_600_000, dryRun: true });
 * console.log(r.objects, 'objects,', r.bytes, 'bytes');
 * ```
 */
export interface GcReport {
  readonly dryRun: boolean;
  /** `now - olderThan`, ms since the epoch. */
  readonly cutoff: number;
  readonly kept: {
    readonly baseVersions: readonly number[];
    /** Per shard: retained versions and the epoch-boundary guards (gc-retention.ts). */
    readonly shardVersions: readonly (readonly number[])[];
    /** Uncommitted generation / ingest files of a live writer's epoch: it may still publish them. */
    readonly inFlight: readonly string[];
    /**
     * Uncommitted generation / ingest files whose directory name carries no writer epoch
     * (written before epochs were part of the name): GC cannot tell whether a writer
     * may still publish them, so it never deletes them. Once every writer of that
     * time is gone (each shard's writer was reopened since), delete them by hand.
     */
    readonly orphans: readonly string[];
    /** Keys under `base/data/` or `shards/<id>/` that freshtier does not write: never deleted. */
    readonly unknown: readonly string[];
  };
  /** The base version GC committed as its fence (undefined: no base file to delete, or a dry run). */
  readonly fenceVersion: number | undefined;
  readonly deleted: {
    readonly manifests: readonly string[];
    readonly baseFiles: readonly string[];
    readonly generationFiles: readonly string[];
    readonly walEntries: readonly string[];
  };
  /** Objects deleted (or to delete). */
  readonly objects: number;
  /** Their total size. */
  readonly bytes: number;
}

const optionsSchema = z.strictObject({
  olderThan: z.number().int().min(0),
  dryRun: z.boolean().default(false),
  now: z.number().int().nonnegative().optional(),
});

const DELETE_CONCURRENCY = 16;

/**
 * Collects garbage of a table (see the module doc).
 *
 * @example
 * ```ts
 * const report = await gc(table, { olderThan: 24 * 3_600_000 });
 * console.log(`deleted ${report.objects} objects (${report.bytes} bytes)`);
 * ```
 */
export async function gc(table: Table, options: GcOptions): Promise<GcReport> {
  const opts = parseOptions(optionsSchema, options, 'gc options');
  const now = opts.now ?? Date.now();
  const cutoff = now - opts.olderThan;
  const listing = await listForGc(table); // step 1
  let plan = await planGc(table, listing, now, cutoff);
  let fenceVersion: number | undefined;
  if (!opts.dryRun && plan.baseFiles.length > 0) {
    fenceVersion = (await commitGcFence(table)).version; // step 2
    plan = await planGc(table, listing, now, cutoff); // step 3: every version read after the fence
  }
  const groups = [plan.manifests, plan.baseFiles, plan.generationFiles, plan.walEntries];
  if (!opts.dryRun) {
    await pointHints(table, plan);
    for (const group of groups) await deleteAll(table, group); // manifests first, see the module doc
  }
  const all = groups.flat();
  return {
    dryRun: opts.dryRun, cutoff,
    kept: { ...plan.kept, inFlight: plan.inFlight, orphans: plan.orphans, unknown: listing.unknown },
    fenceVersion,
    deleted: { manifests: keys(plan.manifests), baseFiles: keys(plan.baseFiles), generationFiles: keys(plan.generationFiles), walEntries: keys(plan.walEntries) },
    objects: all.length,
    bytes: all.reduce((n, m) => n + m.size, 0),
  };
}

/**
 * Points each `_latest` hint at the newest version before older versions go: a hint
 * naming a stored version followed by a pruned gap would stop readers' probing short.
 */
async function pointHints(table: Table, plan: GcPlan): Promise<void> {
  if (plan.manifests.length === 0) return;
  await Promise.all([table.baseManifests.hint(plan.newest.base), ...plan.newest.shards.map((v, s) => table.shardManifests(s).hint(v))]);
}

async function deleteAll(table: Table, metas: readonly ObjectMeta[]): Promise<void> {
  for (let i = 0; i < metas.length; i += DELETE_CONCURRENCY) {
    await Promise.all(metas.slice(i, i + DELETE_CONCURRENCY).map((m) => table.store.delete(m.key)));
  }
}

function keys(metas: readonly ObjectMeta[]): string[] {
  return metas.map((m) => m.key);
}
