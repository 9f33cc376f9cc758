/**
 * Regression (review of issue 17): the aggregate function of a column was looked up as
 * `aggregates[name]`, so a column named `constructor`, `toString` or `hasOwnProperty` found
 * Object.prototype's member instead of the default `last-non-null`, and an aggregate table read
 * the older value (10 instead of 20). Now only an own entry counts. (`__proto__` is refused
 * as a column name: JSON merge options cannot keep it; regression-schema-hostile-changes.)
 */
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Int64, Schema } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, evolveSchema } from '../src/index.js';
import { batchOf } from './support/columns.js';

describe('aggregate columns named like Object.prototype members', () => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`${name}: the default function (last-non-null), in memory, in a file and after a reopen`, async () => {
      const store = new MemoryStore();
      const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Int64(), true)]);
      const t0 = await Table.create(store, { schema, primaryKey: ['id'], mergeEngine: 'aggregate', aggregates: { v: 'sum' } });
      const t1 = await evolveSchema(t0, { kind: 'add-column', name, type: new Int64() });
      const w = await ShardWriter.open(t1, { shard: 0, autoFlush: false });
      await w.put(batchOf([['id', new Int64(), [1n], false], ['v', new Int64(), [1n]], [name, new Int64(), [10n]]]));
      await w.put(batchOf([['id', new Int64(), [1n], false], ['v', new Int64(), [2n]], [name, new Int64(), [20n]]]));
      const read = async (t: Table, writers: ShardWriter[] = []) => {
        const out = await new LsmScanner(t, { writers }).scan().toTable();
        return Array.from({ length: out.numRows }, (_, i) => [out.getChild(name)!.get(i), out.getChild('v')!.get(i)]);
      };
      expect(await read(t1, [w])).toEqual([[20n, 3n]]);
      await w.close();
      expect(await read(t1)).toEqual([[20n, 3n]]);
      expect(await read(await Table.open(store))).toEqual([[20n, 3n]]);
    });
  }
});
