/**
 * Regression (review of issue 17): a schema change whose type Arrow IPC cannot carry (a 128-bit
 * or 7-bit Int, a Float of precision 9, a look-alike object, a Timestamp of unit 9) or whose
 * name UTF-8 cannot hold (a lone surrogate) was committed, and then every `Table.open` of the
 * table failed with CorruptEntryError. Now each is refused before anything is written, and the
 * table opens and scans as before, byte for byte.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Date_, Float, Int as Int_, Int32, Timestamp, Type, type DateUnit, type Precision, type TimeUnit } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { evolveSchema } from '../src/index.js';
import { makeTable } from './support/fixtures.js';
import { hashObjects } from './support/store-bytes.js';

const CASES: [string, unknown][] = [
  ['an Int 128 bits wide', { kind: 'add-column', name: 'x', type: new Int_(true, 128 as never) }],
  ['an Int 7 bits wide', { kind: 'add-column', name: 'x', type: new Int_(true, 7 as never) }],
  ['a Float of precision 9', { kind: 'add-column', name: 'x', type: new Float(9 as Precision) }],
  ['a look-alike Int64 object', { kind: 'add-column', name: 'x', type: { typeId: Type.Int, bitWidth: 64, isSigned: true, toString: () => 'Int64' } }],
  ['a Timestamp of unit 9', { kind: 'add-column', name: 'x', type: new Timestamp(9 as TimeUnit) }],
  ['a Date of unit 5', { kind: 'add-column', name: 'x', type: new Date_(5 as DateUnit) }],
  ['widening to an Int 128 bits wide', { kind: 'widen-column', name: 'v', type: new Int_(true, 128 as never) }],
  ['a name with a lone high surrogate', { kind: 'add-column', name: 'a\ud800', type: new Int32() }],
  ['a rename to a lone low surrogate', { kind: 'rename-column', name: 'v', to: '\udc00' }],
  ['a column named __proto__', { kind: 'add-column', name: '__proto__', type: new Int32() }],
];

describe('hostile schema changes are refused and leave the table readable, byte for byte', () => {
  for (const [what, change] of CASES) {
    it(what, async () => {
      const store = new MemoryStore();
      const table = await makeTable(store);
      const before = await hashObjects(store);
      const e = await evolveSchema(table, change as never).then(() => undefined, (err: unknown) => err);
      expect(isFreshtierError(e, 'INVALID_OPTIONS') || isFreshtierError(e, 'SCHEMA_CHANGE_REFUSED'), String(e)).toBe(true);
      expect(await hashObjects(store)).toEqual(before);
      const reopened = await Table.open(store);
      expect(reopened.schemaVersion).toBe(0);
      await expect(new LsmScanner(reopened).scan().toTable()).resolves.toBeDefined();
    });
  }
});
