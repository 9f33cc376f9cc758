import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Float32, Float64, Int32, Int64, RecordBatch, Schema, Utf8, vectorFromArray, makeData, Struct } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, evolveSchema } from '../src/index.js';

function batch(schema: Schema, cols: Record<string, unknown[]>): RecordBatch {
  const n = Object.values(cols)[0].length;
  const children = schema.fields.map((f) => vectorFromArray(cols[f.name] as never[], f.type).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}
const sorted = (rs: Record<string, unknown>[]) => rs.sort((a, b) => Number((a.key ?? a.id) as bigint) - Number((b.key ?? b.id) as bigint));
const rows = async (t: Table) => sorted((await new LsmScanner(t).scan().toTable()).toArray().map((r) => r.toJSON()));

describe('schema evolution smoke', () => {
  it('reads files of several schema versions', async () => {
    const store = new MemoryStore();
    let table = await Table.create(store, { schema: new Schema([new Field('id', new Int64(), false), new Field('n', new Int32(), true), new Field('f', new Float32(), true), new Field('s', new Utf8(), true)]), primaryKey: ['id'] });
    let w = await ShardWriter.open(table, { shard: 0 });
    await w.put(batch(table.schema, { id: [1n, 2n], n: [10, 20], f: [1.5, 2.5], s: ['a', 'b'] }));
    await w.flush();
    await w.put(batch(table.schema, { id: [3n], n: [30], f: [3.5], s: ['c'] })); // stays in WAL
    await w.close();
    table = await evolveSchema(table, { kind: 'add-column', name: 'score', type: new Int64(), default: 7n });
    table = await evolveSchema(table, { kind: 'widen-column', name: 'n', type: new Int64() });
    table = await evolveSchema(table, { kind: 'rename-column', name: 'id', to: 'key' });
    table = await evolveSchema(table, { kind: 'drop-column', name: 's' });
    table = await evolveSchema(table, { kind: 'widen-column', name: 'f', type: new Float64() });
    expect(table.schemaVersion).toBe(5);
    const reopened = await Table.open(store);
    expect(reopened.schemaVersion).toBe(5);
    expect(await rows(reopened)).toEqual([
      { key: 1n, n: 10n, f: 1.5, score: 7n }, { key: 2n, n: 20n, f: 2.5, score: 7n }, { key: 3n, n: 30n, f: 3.5, score: 7n },
    ]);
    w = await ShardWriter.open(reopened, { shard: 0 });
    await w.put(batch(reopened.schema, { key: [2n, 4n], n: [2n ** 40n, 40n], f: [0.1, 0.2], score: [null, 9n] }));
    const scanner = new LsmScanner(reopened, { writers: [w] });
    const got = sorted((await scanner.scan().toTable()).toArray().map((r) => r.toJSON()));
    expect(got).toEqual([
      { key: 1n, n: 10n, f: 1.5, score: 7n },
      { key: 2n, n: 2n ** 40n, f: 0.1, score: null },
      { key: 3n, n: 30n, f: 3.5, score: 7n },
      { key: 4n, n: 40n, f: 0.2, score: 9n },
    ]);
    await w.close();
    await compact(reopened, { shard: 0 });
    expect(await rows(reopened)).toEqual(got);
    const v0 = await Table.create(new MemoryStore(), { schema: new Schema([new Field('id', new Int64(), false)]), primaryKey: ['id'] });
    expect(v0.schemaVersion).toBe(0);
  });
});
