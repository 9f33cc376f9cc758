/**
 * Generation ranges a rollback excluded: the optional `excluded` field of base
 * manifests (older documents without it stay valid) and the helpers that read it.
 */
import { describe, expect, it } from 'vitest';
import { baseManifestSchema, excludedOf, initialBaseManifest, isExcludedGeneration } from '../src/index.js';

describe('generation ranges', () => {
  it('are optional in base manifests and open at both ends', () => {
    const old = initialBaseManifest();
    expect(baseManifestSchema.safeParse(old).success).toBe(true);
    expect(excludedOf(old, 0)).toEqual([]);
    const doc = { ...old, excluded: { '1': [{ above: 3, below: 7 }, { above: 10, below: 12 }] } };
    expect(baseManifestSchema.safeParse(doc).success).toBe(true);
    expect(baseManifestSchema.safeParse({ ...old, excluded: { '1': [{ above: -2, below: 1 }] } }).success).toBe(false);
    const ranges = excludedOf(doc, 1);
    expect([3, 4, 6, 7, 10, 11, 12].map((g) => isExcludedGeneration(ranges, g))).toEqual([false, true, true, false, false, true, false]);
    expect(isExcludedGeneration(undefined, 5)).toBe(false);
  });
});
