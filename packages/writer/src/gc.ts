/**
 * `gc`: deleting what no retained version, tag or live snapshot needs
 * (DESIGN.md "Compaction, versions, GC"; docs/base-table.md "GC").
 *
 * Retention is computed in gc-retention.ts. Then, for objects last modified at or
 * before `now - olderThan` only (younger ones may belong to a flush, ingest or
 * compaction that has not committed yet):
 * - manifest versions not retained (never the newest, never a tagged or pinned one);
 * - base data files and key indexes no retained base version lists;
 * - generation files (`gen-*`, `ingest-*`) no retained version still reads: compacted
 *   or excluded in every retained base version, or never committed at all;
 * - WAL data entries at or below every retained shard version's `replayAfter`.
 *   Fence entries stay (they are tiny): a fenced writer's next WAL position is the
 *   fence above it, and deleting that fence would let it create an entry there and
 *   ack a write that replay, which starts above `replayAfter`, never reads.
 * Manifests go first, so `versions()` never lists a version whose files are gone.
 * `dryRun` reports the same lists and deletes nothing.
 */
import { layout, parseOptions, parseWalPosition, type ObjectMeta, type Table } from '@freshtier/core';
import { z } from 'zod';
import { neededPaths, pinnedVersions, retainedVersions } from './gc-retention.js';
import { readWalEntry } from './wal.js';

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
   * nothing younger than it is deleted. Make it longer than the slowest flush,
   * ingest, compaction or read you run.
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
  readonly kept: { readonly baseVersions: readonly number[]; readonly shardVersions: readonly (readonly number[])[] };
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

/** A fence entry is a header without records: far below this size. */
const SMALL_WAL_ENTRY = 1024;
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
  const plan = await planGc(table, now, now - opts.olderThan);
  const groups = [plan.manifests, plan.baseFiles, plan.generationFiles, plan.walEntries];
  if (!opts.dryRun) for (const group of groups) await deleteAll(table, group); // manifests first, see the module doc
  const all = groups.flat();
  return {
    dryRun: opts.dryRun, cutoff: plan.cutoff, kept: plan.kept,
    deleted: { manifests: keys(plan.manifests), baseFiles: keys(plan.baseFiles), generationFiles: keys(plan.generationFiles), walEntries: keys(plan.walEntries) },
    objects: all.length,
    bytes: all.reduce((n, m) => n + m.size, 0),
  };
}

interface GcPlan {
  readonly cutoff: number;
  readonly kept: GcReport['kept'];
  readonly manifests: ObjectMeta[];
  readonly baseFiles: ObjectMeta[];
  readonly generationFiles: ObjectMeta[];
  readonly walEntries: ObjectMeta[];
}

/** What to delete: retention first (gc-retention.ts), then every object nothing retained needs. */
async function planGc(table: Table, now: number, cutoff: number): Promise<GcPlan> {
  const pins = await pinnedVersions(table, now);
  const bases = await retainedVersions(table.baseManifests, cutoff, pins.map((p) => p.baseVersion));
  const shards = await Promise.all(shardIds(table).map((s) => retainedVersions(table.shardManifests(s), cutoff, pins.map((p) => p.shardVersions[s]))));
  const needed = neededPaths(bases, shards);
  const collectable = (m: ObjectMeta) => m.lastModified <= cutoff && !needed.has(m.key);
  const generations = await Promise.all(shardIds(table).map((s) => generationObjects(table, s)));
  const walBounds = shards.map((r) => Math.min(...[...r.kept.values()].map((m) => m.replayAfter)));
  return {
    cutoff,
    kept: { baseVersions: [...bases.kept.keys()], shardVersions: shards.map((r) => [...r.kept.keys()]) },
    manifests: [...bases.prune, ...shards.flatMap((r) => r.prune)],
    baseFiles: (await table.store.list('base/data/')).filter(collectable),
    generationFiles: generations.flat().filter(collectable),
    walEntries: (await Promise.all(shardIds(table).map((s) => deletableWal(table, s, walBounds[s], cutoff)))).flat(),
  };
}

/** The objects of a shard's generation directories (flushes `gen-*`, ingests `ingest-*`). */
async function generationObjects(table: Table, shard: number): Promise<ObjectMeta[]> {
  const prefix = `shards/${shard}/`;
  return (await table.store.list(prefix)).filter((m) => /^(gen-|ingest-)[^/]+\//.test(m.key.slice(prefix.length)));
}

/** WAL data entries at or below `bound` and old enough; fence entries are kept (see the module doc). */
async function deletableWal(table: Table, shard: number, bound: number, cutoff: number): Promise<ObjectMeta[]> {
  const out: ObjectMeta[] = [];
  for (const m of await table.store.list(layout.walDir(shard))) {
    const position = parseWalPosition(m.key);
    if (position === undefined || position > bound || m.lastModified > cutoff) continue;
    if (m.size <= SMALL_WAL_ENTRY && (await isFenceOrUnreadable(table, shard, position))) continue;
    out.push(m);
  }
  return out;
}

async function isFenceOrUnreadable(table: Table, shard: number, position: number): Promise<boolean> {
  try {
    return (await readWalEntry(table.store, shard, position)).kind === 'fence';
  } catch {
    return true; // what cannot be classified is not deleted
  }
}

async function deleteAll(table: Table, metas: readonly ObjectMeta[]): Promise<void> {
  for (let i = 0; i < metas.length; i += DELETE_CONCURRENCY) {
    await Promise.all(metas.slice(i, i + DELETE_CONCURRENCY).map((m) => table.store.delete(m.key)));
  }
}

function keys(metas: readonly ObjectMeta[]): string[] {
  return metas.map((m) => m.key);
}

function shardIds(table: Table): number[] {
  return Array.from({ length: table.shardCount }, (_, s) => s);
}
