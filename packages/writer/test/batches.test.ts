import { MemoryStore, encodeKeys } from '@freshtier/core';
import { Field, Int32, RecordBatch, Schema, Struct, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { splitByShard } from '../src/index.js';
import { prepareDelete, preparePut } from '../src/shard/batches.js';
import { keysBatch, makeTable, rangeBatch, schema } from './support/fixtures.js';

function nullKeyBatch(): RecordBatch {
  const nullable = new Schema([new Field('id', schema.fields[0].type, true), schema.fields[1], schema.fields[2]]);
  const children = [vectorFromArray([1n, null], schema.fields[0].type).data[0], vectorFromArray([1, 2], new Int32()).data[0], vectorFromArray(['a', 'b'], schema.fields[2].type).data[0]];
  return new RecordBatch(nullable, makeData({ type: new Struct(nullable.fields), length: 2, nullCount: 0, children }));
}

describe('preparePut / prepareDelete', () => {
  it('conforms the batch, encodes keys and counts bytes', async () => {
    const table = await makeTable(new MemoryStore());
    const p = preparePut(table, 0, rangeBatch(0, 4));
    expect(p).toMatchObject({ op: 'put', rows: 4 });
    expect(p.keys!.count).toBe(4);
    expect(p.bytes).toBeGreaterThan(p.keys!.bytes.byteLength);
  });

  it('refuses null keys and wrong schemas with typed errors', async () => {
    const table = await makeTable(new MemoryStore());
    expect(() => preparePut(table, 0, nullKeyBatch())).toThrow(expect.objectContaining({ code: 'NULL_PRIMARY_KEY' }));
    expect(() => preparePut(table, 0, keysBatch([1]))).toThrow(expect.objectContaining({ code: 'SCHEMA_MISMATCH' }));
  });

  it('refuses rows of another shard, naming the row', async () => {
    const table = await makeTable(new MemoryStore(), { shards: 4 });
    const batch = rangeBatch(0, 40);
    const shards = table.shardsOf(encodeKeys(batch, ['id']));
    const foreign = shards.findIndex((s) => s !== 0);
    expect(() => preparePut(table, 0, batch)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', issues: [expect.objectContaining({ path: 'batch', message: expect.stringContaining(`row ${foreign} belongs to shard ${shards[foreign]}`) })] }));
  });

  it('keeps only key columns for deletes, and refuses deletes on append-only tables', async () => {
    const table = await makeTable(new MemoryStore());
    const d = prepareDelete(table, 0, rangeBatch(0, 3));
    expect(d.op).toBe('delete');
    expect(d.batch.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect(() => prepareDelete(table, 0, rowsBatch2())).toThrow(expect.objectContaining({ code: 'SCHEMA_MISMATCH' }));
    const appendOnly = await makeTable(new MemoryStore(), { appendOnly: true });
    expect(() => prepareDelete(appendOnly, 0, keysBatch([1]))).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});

function rowsBatch2(): RecordBatch {
  const s = new Schema([new Field('other', new Int32(), false)]);
  return new RecordBatch(s, makeData({ type: new Struct(s.fields), length: 1, nullCount: 0, children: [vectorFromArray([1], new Int32()).data[0]] }));
}

describe('splitByShard', () => {
  it('routes every row to the shard of its key, keeping order', async () => {
    const table = await makeTable(new MemoryStore(), { shards: 3 });
    const parts = splitByShard(table, rangeBatch(0, 60));
    expect([...parts.keys()]).toEqual([0, 1, 2]);
    let total = 0;
    for (const [shard, part] of parts) {
      expect([...table.shardsOf(encodeKeys(part, ['id']))].every((s) => s === shard)).toBe(true);
      const ids = [...part.getChild('id')!].map(Number);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(preparePut(table, shard, part).rows).toBe(part.numRows);
      total += part.numRows;
    }
    expect(total).toBe(60);
  });

  it('returns the whole batch on one shard, refuses append-only tables', async () => {
    const table = await makeTable(new MemoryStore());
    const b = rangeBatch(0, 5);
    expect([...splitByShard(table, b).get(0)!.getChild('id')!].map(Number)).toEqual([0, 1, 2, 3, 4]);
    const appendOnly = await makeTable(new MemoryStore(), { appendOnly: true });
    expect(() => splitByShard(appendOnly, b)).toThrow(/append-only/);
  });
});
