/**
 * Regression (issue 17): `evolveSchema` refused a float column's default of NaN, Infinity or
 * -Infinity with a bare InvalidOptionsError ("default: Invalid input"), though the contract
 * stores them ("NaN", "Infinity"): the change's zod schema took `z.number()`, which rejects
 * non-finite numbers. They must be accepted and read back exactly (as -0 already is); on an
 * integer column NaN is refused as SCHEMA_CHANGE_REFUSED saying why, like 1.5.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Float32, Float64, Int32, type DataType } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, evolveSchema } from '../src/index.js';
import { expectCode, refusedUnchanged } from './support/refusals.js';
import { makeTable, rowsBatch } from './support/fixtures.js';

const CASES: [string, DataType, number][] = [
  ['Float64 NaN', new Float64(), Number.NaN], ['Float64 Infinity', new Float64(), Number.POSITIVE_INFINITY],
  ['Float32 -Infinity', new Float32(), Number.NEGATIVE_INFINITY], ['Float32 -0', new Float32(), -0], ['Float64 -0', new Float64(), -0],
];

describe('non-finite float defaults', () => {
  for (const [what, type, value] of CASES) {
    it(`${what} is accepted and read back exactly`, async () => {
      const store = new MemoryStore();
      const table = await makeTable(store);
      const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
      await w.put(rowsBatch([1], 1));
      await w.close();
      const t = await evolveSchema(table, { kind: 'add-column', name: 'x', type, default: value });
      const got = (await new LsmScanner(await Table.open(store)).scan().toTable()).getChild('x')!.get(0);
      expect(Object.is(got, value), `read ${String(got)}`).toBe(true);
      expect(t.schemaVersion).toBe(1);
    });
  }

  it('NaN on an integer column is SCHEMA_CHANGE_REFUSED, nothing changed', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const err = await refusedUnchanged(store, () => evolveSchema(table, { kind: 'add-column', name: 'x', type: new Int32(), default: Number.NaN }));
    expectCode(err, 'SCHEMA_CHANGE_REFUSED', 'NaN');
  });
});
