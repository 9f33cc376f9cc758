/**
 * `columnNameProblems` / `assertBatchColumnNames` (column-names.ts), as a seeded property:
 * a list of names is refused exactly when a name repeats or starts with `_ft_`, and every
 * problem points at the later copy or the reserved name itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SYSTEM_COLUMN_PREFIX, assertBatchColumnNames, columnNameProblems } from '../src/table/column-names.js';
import { SchemaMismatchError } from '../src/errors.js';

const name = fc.oneof(fc.constantFrom('id', 'v', 's', '_ft_tombstone', '_ft_batch', '_ft_', 'ft_x', '_FT_x', 'x_ft_'), fc.string({ maxLength: 6 }));

describe('column names', () => {
  it('property: refused exactly when a name repeats or is reserved (seeded)', () => {
    fc.assert(fc.property(fc.array(name, { maxLength: 8 }), fc.boolean(), (names, reserved) => {
      const problems = columnNameProblems(names, { reserved });
      const repeats = names.filter((n, i) => names.indexOf(n) !== i).length;
      const reservedCount = reserved ? names.filter((n) => n.startsWith(SYSTEM_COLUMN_PREFIX)).length : 0;
      expect(problems.length).toBe(repeats + reservedCount);
      for (const p of problems) expect(names[p.index]).toBe(p.name);
      const call = () => assertBatchColumnNames(names, 'the batch', { reserved });
      if (problems.length) expect(call).toThrow(SchemaMismatchError);
      else expect(call).not.toThrow();
    }), { seed: 1818, numRuns: 500 });
  });
});
