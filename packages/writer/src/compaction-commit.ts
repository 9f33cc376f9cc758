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
 */
import {
  baseCoverage, failpoint, isFreshtierError,
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

/** Commits lost to other shards' compactions, for one plan, before giving up. */
const MAX_COMMITS = 50;

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
  const seen = new Map<number, BaseManifest>();
  let base = await table.baseManifests.latest();
  for (let attempt = 1; ; attempt++) {
    if (!sameShardPart(plan.base.doc, base.doc, shard) || !(await noGcFenceSince(table, plan.base, base, seen))) return undefined;
    try {
      failpoint('compaction:before-commit');
      await table.baseManifests.commit(base.version + 1, compactedDoc(base.doc, shard, plan, written));
      failpoint('compaction:after-commit');
      return base.version + 1;
    } catch (e) {
      if (!isFreshtierError(e, 'COMMIT_CONFLICT') || attempt >= MAX_COMMITS) throw e;
      seen.set(base.version, base.doc);
      base = await table.baseManifests.latest();
    }
  }
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
