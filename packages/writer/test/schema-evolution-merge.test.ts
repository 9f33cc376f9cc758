/**
 * The merge engines across a schema change (issue 17, invariant 14): the versions of one key
 * sit in tiers written under different schema versions, and are projected onto the read's
 * schema before the one merge combines them. So a renamed sequence field still orders the
 * versions of a file written under its old name; under partial-update an added column's
 * default is the older value a null keeps; under aggregate a widened sum stays exact, and an
 * added column without a default is null in older versions for every function (count: 0).
 * (Defaults on added aggregate columns: regression-schema-default-aggregate.test.ts.)
 * Each read is checked in every tier: memtable, flushed generation, base after compaction,
 * and through a reopened handle.
 */
import { MemoryStore, Table, type AggregateFunction } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Int32, Int64, Schema, Utf8, type Table as ArrowTable } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, evolveSchema } from '../src/index.js';
import { batchOf, type Column } from './support/columns.js';
import { canon } from './support/schema-values.js';

const show = (t: ArrowTable) => {
  const names = t.schema.fields.map((f) => f.name);
  return t.toArray().map((r) => names.map((n) => `${n}=${canon(r[n] ?? null)}`).join(' ')).sort();
};

/** The rows of `table` read with `writer`, after a flush, after a compaction and through a new handle: all equal. */
async function everyTier(table: Table, writer: ShardWriter): Promise<string[]> {
  const seen: string[][] = [show(await new LsmScanner(table, { writers: [writer] }).scan().toTable())];
  await writer.flush();
  seen.push(show(await new LsmScanner(table).scan().toTable()));
  await compact(table, { shard: 0 });
  seen.push(show(await new LsmScanner(await Table.open(table.store)).scan().toTable()));
  expect(seen[1], 'after a flush').toEqual(seen[0]);
  expect(seen[2], 'after a compaction, through a new handle').toEqual(seen[0]);
  return seen[0];
}

const open = (table: Table) => ShardWriter.open(table, { shard: 0, autoFlush: false });

describe('merge engines across schema versions', () => {
  it('a renamed sequence field orders versions written under its old name', async () => {
    const schema = new Schema([new Field('id', new Int64(), false), new Field('ts', new Int32(), false), new Field('v', new Utf8(), true)]);
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], sequenceField: 'ts' });
    const w = await open(table);
    await w.put(batchOf([['id', new Int64(), [1n, 2n], false], ['ts', new Int32(), [10, 10], false], ['v', new Utf8(), ['new', 'old']]]));
    await w.flush(); // version 0's file holds the sequence under "ts"
    await w.close();
    const t1 = await evolveSchema(table, { kind: 'rename-column', name: 'ts', to: 'seq' });
    expect(t1.mergeSpec.sequenceField).toBe('seq');
    const w1 = await open(t1);
    const late: Column[] = [['id', new Int64(), [1n, 2n], false], ['seq', new Int32(), [5, 11], false], ['v', new Utf8(), ['late', 'newer']]];
    await w1.put(batchOf(late)); // id 1 arrives late (5 < 10): ignored; id 2 is newer (11)
    expect(await everyTier(t1, w1)).toEqual(['id=1n seq=10 v="new"', 'id=2n seq=11 v="newer"']);
    await w1.close();
  });

  it('partial-update: a null in a newer version keeps the added column\'s default', async () => {
    const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Int32(), true)]);
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngine: 'partial-update' });
    const w = await open(table);
    await w.put(batchOf([['id', new Int64(), [1n, 2n], false], ['v', new Int32(), [1, 2]]]));
    await w.close();
    const t1 = await evolveSchema(table, { kind: 'add-column', name: 'c', type: new Utf8(), default: 'dflt' });
    const w1 = await open(t1);
    await w1.put(batchOf([['id', new Int64(), [1n, 2n, 3n], false], ['v', new Int32(), [null, 20, 30]], ['c', new Utf8(), [null, 'set', null]]]));
    expect(await everyTier(t1, w1)).toEqual(['id=1n v=1 c="dflt"', 'id=2n v=20 c="set"', 'id=3n v=30 c=null']);
    await w1.close();
  });

  it('aggregate: a widened sum column stays exact past its old type', async () => {
    const schema = new Schema([new Field('id', new Int64(), false), new Field('n', new Int32(), true)]);
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngine: 'aggregate', aggregates: { n: 'sum' } });
    const w = await open(table);
    await w.put(batchOf([['id', new Int64(), [1n], false], ['n', new Int32(), [2_000_000_000]]]));
    await w.flush();
    await w.put(batchOf([['id', new Int64(), [1n], false], ['n', new Int32(), [100_000_000]]])); // in the WAL, at version 0
    await w.close();
    const t = await evolveSchema(table, { kind: 'widen-column', name: 'n', type: new Int64() });
    const w1 = await open(t);
    await w1.put(batchOf([['id', new Int64(), [1n], false], ['n', new Int64(), [2_000_000_000n]]]));
    // 2.1e9 + 2e9 overflows Int32 but not the widened Int64
    expect(await everyTier(t, w1)).toEqual(['id=1n n=4100000000n']);
    await w1.close();
  });

  // an added column without a default: versions written before it hold null there
  const FNS: [AggregateFunction, before: string, after: string][] = [
    ['sum', 'null', '1n'], ['count', '0n', '1n'], ['min', 'null', '1n'], ['max', 'null', '1n'],
    ['first', 'null', 'null'], ['last', 'null', '1n'], ['last-non-null', 'null', '1n'],
  ];
  for (const [fn, before, after] of FNS) {
    for (const tier of ['wal', 'file', 'base'] as const) {
      it(`aggregate ${fn}: a column added without a default, older versions in the ${tier}`, async () => {
        const schema = new Schema([new Field('id', new Int64(), false), new Field('n', new Int32(), true)]);
        const store = new MemoryStore();
        const table = await Table.create(store, { schema, primaryKey: ['id'], mergeEngine: 'aggregate' });
        const w = await open(table);
        for (const n of [1, 2]) {
          await w.put(batchOf([['id', new Int64(), [1n], false], ['n', new Int32(), [n]]]));
          if (tier !== 'wal') await w.flush();
        }
        if (tier === 'base') await compact(table, { shard: 0 });
        const t = await evolveSchema(await Table.open(store), { kind: 'add-column', name: 'm', type: new Int64(), aggregate: fn });
        expect(show(await new LsmScanner(t, { tail: true }).scan().toTable())).toEqual([`id=1n n=2 m=${before}`]);
        const w1 = await open(t);
        await w1.put(batchOf([['id', new Int64(), [1n], false], ['n', new Int32(), [null]], ['m', new Int64(), [1n]]]));
        expect(await everyTier(t, w1)).toEqual([`id=1n n=2 m=${after}`]);
        await w1.close();
      });
    }
  }
});
