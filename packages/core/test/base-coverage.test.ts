/**
 * `baseCoverage` / `coverageThrough` (base-coverage.ts): the one answer to "is
 * generation g of shard s already in the base, or excluded by a rollback" that the
 * collector, `containsPksAsOf`, compaction, GC, replay and `freshtier inspect` share.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseCoverage, coverageThrough, initialBaseManifest, type BaseManifest, type GenerationRange } from '../src/index.js';

const base = (compacted: Record<string, number>, excluded?: Record<string, GenerationRange[]>): BaseManifest =>
  ({ ...initialBaseManifest(), compacted, ...(excluded ? { excluded } : {}) });

describe('base coverage', () => {
  it.each([
    { what: 'never compacted, nothing excluded', doc: base({}), shard: 0, inBase: [], fresh: [0, 1, 5] },
    { what: 'compacted through 7', doc: base({ '0': 7 }), shard: 0, inBase: [0, 6, 7], fresh: [8, 20] },
    { what: 'another shard compacted', doc: base({ '1': 7 }), shard: 0, inBase: [], fresh: [1, 7, 8] },
    { what: 'a rollback excluded (9, 12)', doc: base({ '0': 7 }, { '0': [{ above: 9, below: 12 }] }), shard: 0, inBase: [7, 10, 11], fresh: [8, 9, 12, 13] },
    { what: 'exclusions of another shard', doc: base({}, { '1': [{ above: 0, below: 5 }] }), shard: 0, inBase: [], fresh: [1, 4] },
  ])('$what', ({ doc, shard, inBase, fresh }) => {
    const c = baseCoverage(doc, shard);
    expect(inBase.map((g) => c.inBase(g))).toEqual(inBase.map(() => true));
    expect(fresh.map((g) => c.inBase(g))).toEqual(fresh.map(() => false));
  });

  it('reports the compaction mark (-1: never compacted) and the shard\'s exclusions', () => {
    const doc = base({ '0': 7 }, { '0': [{ above: 9, below: 12 }] });
    expect(baseCoverage(doc, 0)).toMatchObject({ compacted: 7, excluded: [{ above: 9, below: 12 }] });
    expect(baseCoverage(doc, 1)).toMatchObject({ compacted: -1, excluded: [] });
  });

  it('property: in the base exactly when at or below the mark or inside an open excluded range (seeded)', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 10 })).map(([above, n]) => ({ above, below: above + n }));
    fc.assert(fc.property(fc.integer({ min: -1, max: 40 }), fc.array(range, { maxLength: 4 }), fc.integer({ min: 0, max: 60 }), (mark, ranges, g) => {
      const doc = base(mark >= 0 ? { '2': mark } : {}, { '2': ranges });
      const expected = g <= mark || ranges.some((r) => r.above < g && g < r.below);
      expect(baseCoverage(doc, 2).inBase(g)).toBe(expected);
      // a cut that recorded the same mark and exclusions answers the same
      expect(coverageThrough(mark, ranges).inBase(g)).toBe(expected);
    }), { seed: 1111, numRuns: 500 });
  });
});
