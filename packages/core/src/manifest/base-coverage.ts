/**
 * Which generations of a shard a base version accounts for (DESIGN.md "Compaction,
 * versions, GC"; docs/base-table.md "Rollback"). A generation is *in the base* when
 * it is at or below the shard's compaction mark `compacted[shard]` (its rows live in
 * the base files) or lies in a range a rollback excluded (its rows are gone for
 * good). Either way no reader takes it from the fresh tier, compaction does not
 * merge it again, replay does not re-apply it, and GC may drop its files once no
 * retained base version reads it. Every one of those asks this module, so the
 * answer cannot differ between them.
 */
import { excludedOf, isExcludedGeneration } from './generation-ranges.js';
import type { BaseManifest, GenerationRange } from './manifest-schemas.js';

/**
 * One shard's coverage by one base version.
 *
 * @example
 * ```ts
 * const base = await table.baseManifests.latest();
 * const { doc: manifest } = await table.shardManifests(0).latest();
 * const covered = baseCoverage(base.doc, 0);
 * const fresh = manifest.flushed.filter((g) => !covered.inBase(g.generation));
 * ```
 */
export interface BaseCoverage {
  /** `compacted[shard]`: generations at or below it are in the base files (-1: none). */
  readonly compacted: number;
  /** Ranges a rollback excluded (empty when none). */
  readonly excluded: readonly GenerationRange[];
  /** Whether generation `g` is compacted into the base or excluded by a rollback. */
  inBase(g: number): boolean;
}

/**
 * The coverage of `shard` by base manifest `base`.
 *
 * @example
 * ```ts
 * const base = (await table.baseManifests.latest()).doc;
 * const c = baseCoverage({ ...base, compacted: { '0': 7 }, excluded: { '0': [{ above: 9, below: 12 }] } }, 0);
 * [7, 8, 10, 12].map((g) => c.inBase(g)); // [true, false, true, false]
 * ```
 */
export function baseCoverage(base: BaseManifest, shard: number): BaseCoverage {
  return coverageThrough(base.compacted[String(shard)] ?? -1, excludedOf(base, shard));
}

/**
 * The coverage given by a compaction mark and exclusions recorded elsewhere — for
 * example in an `AsOfCut`, which carries the base coverage its read saw.
 *
 * @example
 * ```ts
 * declare const cut: AsOfCut; // from @freshtier/scanner
 * const c = coverageThrough(cut.compactedThrough, cut.excluded);
 * for (let g = 1; g <= cut.activeGeneration; g++) if (!c.inBase(g)) console.log('fresh generation', g);
 * ```
 */
export function coverageThrough(compacted: number, excluded: readonly GenerationRange[] = []): BaseCoverage {
  return { compacted, excluded, inBase: (g) => g <= compacted || isExcludedGeneration(excluded, g) };
}
