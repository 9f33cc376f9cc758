/**
 * Aggregate overflow across tiers (docs/merge-engines.md "Nulls and overflow"): a stored
 * state keeps a sum exactly (`_ft_sum_<column>`), so flush and compaction never fail on a
 * partial sum that leaves the column's type, and a read answers exactly when the whole sum
 * fits — the same whatever tier the versions sit in. A whole sum that does not fit makes the
 * reads of that key fail with `AggregateOverflowError` (never a wrapped value) until a delete
 * ends its history.
 */
import { AggregateOverflowError, MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Int64, Int8, RecordBatch, Schema, Struct, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact } from '../src/index.js';

const schema = new Schema([new Field('id', new Int64(), false), new Field('n', new Int8(), true)]);

function rows(pairs: [number, number][]): RecordBatch {
  const children = [vectorFromArray(pairs.map((p) => BigInt(p[0])), new Int64()).data[0], vectorFromArray(pairs.map((p) => p[1]), new Int8()).data[0]];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: pairs.length, nullCount: 0, children }));
}

async function setup() {
  const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngine: 'aggregate', aggregates: { n: 'sum' } });
  const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none', flushInWorker: false });
  const read = async () => (await new LsmScanner(table, { writers: [writer] }).scan().toTable()).toArray().map((r) => [Number(r.id), r.n]);
  return { table, writer, read };
}

describe('aggregate sums across tiers', () => {
  it('partial sums beyond Int8 flush and compact; the answer is exact when the whole sum fits', async () => {
    const { table, writer, read } = await setup();
    await writer.put(rows([[1, 100], [1, 100]])); // 200: beyond Int8 in this generation
    await writer.flush();
    await compact(table, { shard: 0 }); // the base holds 200 exactly
    await writer.put(rows([[1, -100]]));
    expect(await read()).toEqual([[1, 100]]);
    await writer.flush();
    await compact(table, { shard: 0 });
    expect(await read()).toEqual([[1, 100]]);
    await writer.close();
  });

  it('a whole sum beyond the type fails the key\'s reads with AggregateOverflowError until a delete', async () => {
    const { table, writer, read } = await setup();
    await writer.put(rows([[1, 100], [2, 1]]));
    await writer.flush();
    await writer.put(rows([[1, 100]]));
    await expect(read()).rejects.toThrow(AggregateOverflowError);
    await expect(new LsmScanner(table, { writers: [writer] }).get([{ id: 1n }])).rejects.toThrow(/sum of column "n" for one key is 200, outside its type Int8/);
    expect((await new LsmScanner(table, { writers: [writer] }).get([{ id: 2n }])).toArray().map((r) => r.n)).toEqual([1]); // other keys read
    await writer.flush(); // flush and compaction store the exact sum: they never fail on it
    await compact(table, { shard: 0 });
    await expect(read()).rejects.toThrow(AggregateOverflowError);
    await writer.delete(rows([[1, 0]]).select(['id']));
    await writer.put(rows([[1, 7]]));
    expect(await read()).toEqual([[1, 7], [2, 1]]);
    await writer.close();
  });
});
