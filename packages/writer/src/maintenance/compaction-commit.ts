/**
 * Compaction steps 5 and 6 (docs/base-table.md "Compaction"): committing a planned
 * compaction's new base files, or abandoning them.
 *
 * The commit builds on the newest base version, loaded right before the first
 * attempt (not on the possibly old version the plan was made on), and only while
 * - this shard's part of the base is the one planned on (another shard's compaction
 *   may have committed meanwhile: our files are still right), and
 * - no GC fence was committed since the plan's version (gc-fence.ts): GC may have
 *   listed our files as unnamed and deleted them.
 * Otherwise it returns `undefined`: the caller deletes the files it wrote (no version
 * names them, none ever will) and plans again.
 *
 * The commit goes through core's `ManifestStore.update`, the one read-modify-commit loop:
 * the two checks above are its (async) `build` guard, re-run on every reloaded version
 * after a conflict, up to `MAX_COMMIT_ATTEMPTS` commits lost to other shards' compactions.
 * No `landed` check: a commit whose outcome is unknown fails the compaction, as before
 * (its files are kept: a version may name them). Whether it landed cannot be told
 * reliably: a later compaction may already have rewritten our files, and a compaction
 * whose merge left no rows writes none.
 */
import {
  baseCoverage, failpoint, schemaVersionOfBase,
  type BaseFile, type BaseManifest, type FlushedGeneration, type Table, type Versioned,
} from '@freshtier/core';
import { noGcFenceSince } from './gc-fence.js';

/**
 * What a compaction merges and replaces (steps 1–3).
 *
 * @example
 * ```ts
 * const plan: CompactionPlan = { base, generations: [g7, g8], rewrite: [f1], keep: [f2], through: 8 };
 * ```
 */
export interface CompactionPlan {
  /** The base version planned on. */
  readonly base: Versioned<BaseManifest>;
  readonly generations: readonly FlushedGeneration[];
  readonly rewrite: readonly BaseFile[];
  readonly keep: readonly BaseFile[];
  readonly through: number;
}

/**
 * Commits `written` for `plan` (see the module doc): the version committed, or
 * undefined when the plan is stale and its files must be abandoned.
 *
 * @example
 * ```ts
 * const version = await commitPlan(table, 0, plan, written);
 * if (version === undefined) await abandonFiles(table, written);
 * ```
 */
export async function commitPlan(table: Table, shard: number, plan: CompactionPlan, written: readonly BaseFile[]): Promise<number | undefined> {
  const seen = new Map<number, BaseManifest>(); // versions loaded by the GC-fence check, across retries
  const committed = await table.baseManifests.update({
    build: async (latest, version) => {
      // a schema change since the plan: abandon it and plan again, so base files are written at the schema they commit onto
      if (schemaVersionOfBase(latest) !== table.schemaVersion) return undefined;
      if (!sameShardPart(plan.base.doc, latest, shard) || !(await noGcFenceSince(table, plan.base, { version, doc: latest }, seen))) return undefined;
      seen.set(version, latest);
      failpoint('compaction:before-commit');
      return compactedDoc(latest, shard, plan, written);
    },
  });
  if (committed === undefined) return undefined;
  failpoint('compaction:after-commit');
  return committed.version;
}

/**
 * Deletes the files of an abandoned plan (best effort: GC removes what is left).
 * Only for files no version names: the commit that would have named them was never made.
 *
 * @example
 * ```ts
 * await abandonFiles(table, written);
 * ```
 */
export async function abandonFiles(table: Table, written: readonly BaseFile[]): Promise<void> {
  const paths = written.flatMap((f) => (f.keyIndexPath ? [f.path, f.keyIndexPath] : [f.path]));
  await Promise.all(paths.map((p) => table.store.delete(p).catch(() => undefined)));
}

/** The next base version: this shard's rewritten files replaced by the new ones (kept in key order). */
function compactedDoc(base: BaseManifest, shard: number, plan: CompactionPlan, written: readonly BaseFile[]): BaseManifest {
  const rewritten = new Set(plan.rewrite.map((f) => f.path));
  const mine = [...base.files.filter((f) => f.shard === shard && !rewritten.has(f.path)), ...written].sort(byKeyRange);
  const gens = plan.generations.map((g) => g.generation);
  return {
    ...base,
    files: [...base.files.filter((f) => f.shard !== shard), ...mine],
    compacted: { ...base.compacted, [String(shard)]: plan.through },
    committedAt: new Date().toISOString(),
    note: `compact shard ${shard}: generation(s) ${gens[0]}..${plan.through} (${gens.length}), ${plan.rewrite.length} file(s) rewritten, ${written.length} written`,
  };
}

function byKeyRange(a: BaseFile, b: BaseFile): number {
  return (a.pkMin ?? '') < (b.pkMin ?? '') ? -1 : (a.pkMin ?? '') > (b.pkMin ?? '') ? 1 : 0;
}

/** This shard's files, compaction mark and exclusions are the same in both versions. */
function sameShardPart(a: BaseManifest, b: BaseManifest, shard: number): boolean {
  const paths = (m: BaseManifest) => m.files.filter((f) => f.shard === shard).map((f) => f.path).sort().join('\n');
  const [ca, cb] = [baseCoverage(a, shard), baseCoverage(b, shard)];
  return ca.compacted === cb.compacted && paths(a) === paths(b) && JSON.stringify(ca.excluded) === JSON.stringify(cb.excluded);
}
