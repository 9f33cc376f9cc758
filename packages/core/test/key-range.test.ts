/**
 * File geometry from a manifest entry: key ranges (key-range.ts), which let reads
 * and compaction skip a file without fetching it, and row groups (row-groups.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyInRange, keyRangeOf, rowGroupCount, rowGroupRows, type DataFile } from '../src/index.js';

const file = (extra: Partial<DataFile> = {}): DataFile => ({ path: 'd.parquet', rows: 10, bytes: 1, rowGroupSize: 4, ...extra });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('key ranges', () => {
  it('are undefined without pkMin/pkMax, decoded once per entry otherwise', () => {
    expect(keyRangeOf(file())).toBeUndefined();
    expect(keyRangeOf(file({ pkMin: '01' }))).toBeUndefined();
    const f = file({ pkMin: '0102', pkMax: '0900' });
    const r = keyRangeOf(f)!;
    expect([hex(r.min), hex(r.max)]).toEqual(['0102', '0900']);
    expect(keyRangeOf(f)).toBe(r);
  });

  it('property: a key is in range exactly when min <= key <= max bytewise, ends included (seeded)', () => {
    const bytes = fc.uint8Array({ maxLength: 4 });
    fc.assert(fc.property(bytes, bytes, bytes, (a, b, key) => {
      const [min, max] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
      const padded = Uint8Array.of(7, ...key, 7); // the key at an offset inside a larger buffer
      const expected = Buffer.compare(min, key) <= 0 && Buffer.compare(key, max) <= 0;
      expect(keyInRange({ min, max }, padded, 1, 1 + key.length)).toBe(expected);
      expect(keyInRange({ min, max }, min, 0, min.length) && keyInRange({ min, max }, max, 0, max.length)).toBe(true);
    }), { seed: 1102, numRuns: 500 });
  });
});

describe('row groups', () => {
  it.each([
    { rows: 0, size: 4, groups: [] },
    { rows: 4, size: 4, groups: [4] },
    { rows: 10, size: 4, groups: [4, 4, 2] },
    { rows: 2500, size: 1000, groups: [1000, 1000, 500] },
  ])('$rows rows in groups of $size', ({ rows, size, groups }) => {
    const f = file({ rows, rowGroupSize: size });
    expect(Array.from({ length: rowGroupCount(f) }, (_, rg) => rowGroupRows(f, rg))).toEqual(groups);
  });
});
