/**
 * Regression (issue 15): `splitByShard(table, keyBatch)` refused a batch of the primary-key
 * columns ("missing column"), so a caller with one writer per shard could not route the keys
 * of a delete. A key-only batch is now split like rows: each part holds that shard's keys,
 * in order, typed as the table's key columns, ready for `ShardWriter.delete`.
 */
import { MemoryStore, Table, encodeKeys } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, makeData, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter, splitByShard } from '../src/index.js';
import { prepareDelete } from '../src/shard/batches.js';
import { keysBatch, makeTable, rowsBatch } from './support/fixtures.js';

const SEED = 15_015;

const idsOf = (b: RecordBatch): bigint[] => [...b.getChild('id')!].map((v) => BigInt(v as bigint));

function batchOf(fields: Field[], columns: unknown[][]): RecordBatch {
  const children = fields.map((f, i) => vectorFromArray(columns[i], f.type).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: columns[0].length, nullCount: 0, children }));
}

describe('splitByShard routes the keys of a delete', () => {
  it('splits a key-only batch by shard (it threw "missing column" before)', async () => {
    const table = await makeTable(new MemoryStore(), { shards: 4 });
    const ids = Array.from({ length: 40 }, (_, i) => i);
    const parts = splitByShard(table, keysBatch(ids));
    const rowParts = splitByShard(table, rowsBatch(ids));
    expect([...parts.keys()]).toEqual([...rowParts.keys()]);
    for (const [shard, part] of parts) {
      expect(part.schema.fields.map((f) => f.name)).toEqual(['id']);
      expect(idsOf(part)).toEqual(idsOf(rowParts.get(shard)!));
      expect(prepareDelete(table, shard, part).rows).toBe(part.numRows); // accepted by the owning shard
    }
  });

  it('orders the key columns as the table does and keeps refusing bad keys with typed errors', async () => {
    const schema = new Schema([new Field('a', new Int32(), false), new Field('b', new Int64(), false), new Field('v', new Int32(), true)]);
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['a', 'b'], shards: 3 });
    const swapped = batchOf([new Field('b', new Int64(), false), new Field('a', new Int32(), false)], [[1n, 2n, 3n], [7, 8, 9]]);
    const parts = splitByShard(table, swapped);
    for (const part of parts.values()) expect(part.schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect([...parts.values()].reduce((n, p) => n + p.numRows, 0)).toBe(3);
    const wrongType = batchOf([new Field('a', new Int64(), false), new Field('b', new Int64(), false)], [[1n], [2n]]);
    expect(() => splitByShard(table, wrongType)).toThrow(expect.objectContaining({ code: 'SCHEMA_MISMATCH' }));
    const nullKey = batchOf([new Field('a', new Int32(), true), new Field('b', new Int64(), false)], [[null], [2n]]);
    expect(() => splitByShard(table, nullKey)).toThrow(expect.objectContaining({ code: 'NULL_PRIMARY_KEY' }));
    const partialRows = batchOf([new Field('a', new Int32(), false), new Field('v', new Int32(), true)], [[1], [2]]);
    expect(() => splitByShard(table, partialRows)).toThrow(expect.objectContaining({ code: 'SCHEMA_MISMATCH' }));
  });

  it('property: rows put and keys deleted through splitByShard leave exactly the undeleted rows', async () => {
    const plan = fc.record({
      shards: fc.integer({ min: 1, max: 5 }),
      ids: fc.uniqueArray(fc.integer({ min: -1_000, max: 1_000 }), { minLength: 1, maxLength: 60 }),
      deleted: fc.array(fc.integer({ min: -1_000, max: 1_000 }), { maxLength: 40 }), // may name absent keys, repeat keys
    });
    await fc.assert(fc.asyncProperty(plan, async ({ shards, ids, deleted }) => {
      const table = await makeTable(new MemoryStore(), { shards });
      const writers = await Promise.all(Array.from({ length: shards }, (_, shard) => ShardWriter.open(table, { shard, durability: 'durable' })));
      try {
        for (const [s, part] of splitByShard(table, rowsBatch(ids))) await writers[s].put(part);
        if (deleted.length) {
          const keyParts = splitByShard(table, keysBatch(deleted));
          for (const [s, part] of keyParts) {
            expect([...table.shardsOf(encodeKeys(part, ['id']))].every((x) => x === s)).toBe(true);
            await writers[s].delete(part);
          }
          expect([...keyParts.values()].flatMap(idsOf)).toEqual(expect.arrayContaining(deleted.map(BigInt)));
        }
        const rows = await new LsmScanner(table, { writers }).scan({ columns: ['id'] }).toTable();
        const live = [...rows.getChild('id')!].map((v) => BigInt(v as bigint)).sort((a, b) => (a < b ? -1 : 1));
        const gone = new Set(deleted.map(BigInt));
        expect(live).toEqual(ids.map(BigInt).filter((id) => !gone.has(id)).sort((a, b) => (a < b ? -1 : 1)));
      } finally {
        await Promise.all(writers.map((w) => w.close()));
      }
    }), { seed: SEED, numRuns: 25 });
  }, 60_000);
});
