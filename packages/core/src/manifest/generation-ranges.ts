/**
 * Generation ranges excluded by a rollback (docs/base-table.md "Rollback").
 *
 * A rollback cannot remove flushed generations from shard manifests (manifests are
 * never rewritten, and `containsPksAsOf` needs old entries), nor WAL entries a
 * crashed writer left behind. Instead the base version it commits names, per shard,
 * the generations written after the target version: `{ above, below }` means every
 * generation `g` with `above < g < below`. Readers, compaction and replay skip them;
 * generations written after the rollback are at or above `below` and count.
 */
import type { BaseManifest, GenerationRange } from './manifest-schemas.js';

/**
 * The ranges a base version excludes for one shard (empty when none).
 *
 * @example
 * ```ts
 * const base = await table.baseManifests.latest();
 * const ranges = excludedOf(base.doc, 0); // e.g. [{ above: 7, below: 12 }]
 * ```
 */
export function excludedOf(base: BaseManifest, shard: number): readonly GenerationRange[] {
  return base.excluded?.[String(shard)] ?? [];
}

/**
 * Whether generation `g` lies in one of `ranges`.
 *
 * @example
 * ```ts
 * isExcludedGeneration([{ above: 7, below: 12 }], 9); // true
 * isExcludedGeneration([{ above: 7, below: 12 }], 12); // false
 * ```
 */
export function isExcludedGeneration(ranges: readonly GenerationRange[] | undefined, g: number): boolean {
  if (!ranges) return false;
  for (const r of ranges) if (g > r.above && g < r.below) return true;
  return false;
}
