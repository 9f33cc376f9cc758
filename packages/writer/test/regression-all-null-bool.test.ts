/**
 * Regression: a batch whose Bool column is null in every row was acked, then every
 * flush failed inside parquet-wasm (apache-arrow writes such a column with an empty
 * values buffer), so the shard could never flush again. Now it flushes and scans back.
 */
import { Bool, Field, Int64, RecordBatch, Schema, Struct, makeData, vectorFromArray } from 'apache-arrow';
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';

const schema = new Schema([new Field('id', new Int64(), false), new Field('flag', new Bool(), true)]);

function batch(ids: bigint[]): RecordBatch {
  const id = vectorFromArray(ids, new Int64()).data[0];
  const flag = vectorFromArray(ids.map(() => null), new Bool()).data[0];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children: [id, flag] }));
}

describe('regression: all-null bool column', () => {
  it('flushes, commits and scans back as nulls', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'] });
    const writer = await ShardWriter.open(table, { shard: 0 });
    await writer.put(batch([1n, 2n, 3n]));
    await writer.flush();
    expect(writer.inMemoryMemtableRefs().refs.every((r) => r.batchCount === 0)).toBe(true);
    const latest = await table.shardManifests(0).latest();
    expect(latest.doc.flushed).toHaveLength(1);
    const rows = (await new LsmScanner(table).scan({}).toTable()).toArray().map((r) => r.toJSON());
    expect(rows.map((r) => [r.id, r.flag]).sort()).toEqual([[1n, null], [2n, null], [3n, null]]);
    await writer.close();
  });
});
