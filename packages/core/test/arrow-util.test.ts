import {
  Dictionary, Field, Int32, Int64, List, RecordBatch, Schema, Struct, Timestamp, TimeUnit, Utf8, Table, makeData, vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { batchByteSize, describeFields, isArrowRecordBatch, isArrowTable, nullableSchema, sameType, schemaFromBase64, schemaToBase64 } from '../src/arrow/arrow-util.js';

const schema = new Schema([
  new Field('id', new Int32(), false, new Map([['k', 'v']])),
  new Field('name', new Utf8(), true),
  new Field('at', new Timestamp(TimeUnit.NANOSECOND, 'Asia/Tokyo'), false),
  new Field('tags', new List(new Field('item', new Utf8(), false)), true),
  new Field('d', new Dictionary(new Utf8(), new Int32()), true),
], new Map([['table', 'x']]));

const describeSchema = (s: Schema) => ({
  fields: s.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata]]),
  metadata: [...s.metadata],
});

describe('arrow-util', () => {
  it('recognises batches and tables structurally (also from another copy of apache-arrow)', () => {
    const t = new Table({ id: vectorFromArray([1, 2], new Int32()) });
    const b = t.batches[0];
    expect(isArrowRecordBatch(b)).toBe(true);
    expect(isArrowTable(b)).toBe(false);
    expect(isArrowTable(t)).toBe(true);
    expect(isArrowRecordBatch(t)).toBe(false);
    const foreignBatch = { numRows: 0, getChildAt: () => null, schema: { fields: [] }, data: {} };
    expect(isArrowRecordBatch(foreignBatch)).toBe(true);
    expect(isArrowTable({ batches: [], numRows: 0, schema: { fields: [] } })).toBe(true);
    for (const x of [null, undefined, 1, 'x', {}, [], { numRows: 1, getChildAt: 1, schema: { fields: [] }, data: {} }, { numRows: 1, getChildAt: () => null, schema: {}, data: {} }]) {
      expect(isArrowRecordBatch(x)).toBe(false);
      expect(isArrowTable(x)).toBe(false);
    }
  });

  it('schemaToBase64 / schemaFromBase64 round-trip exactly', () => {
    const b64 = schemaToBase64(schema);
    expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(describeSchema(schemaFromBase64(b64))).toEqual(describeSchema(schema));
  });

  it('describeFields is a readable copy of the fields', () => {
    expect(describeFields(schema)[2]).toEqual({ name: 'at', type: 'Timestamp<NANOSECOND, Asia/Tokyo>', nullable: false });
  });

  it('sameType compares type and parameters', () => {
    expect(sameType(new Int32(), new Int32())).toBe(true);
    expect(sameType(new Int32(), new Int64())).toBe(false);
    expect(sameType(new Timestamp(TimeUnit.SECOND), new Timestamp(TimeUnit.MILLISECOND))).toBe(false);
    expect(sameType(new Timestamp(TimeUnit.SECOND, 'UTC'), new Timestamp(TimeUnit.SECOND))).toBe(false);
    expect(sameType(new List(new Field('a', new Int32())), new List(new Field('b', new Int32())))).toBe(true); // child names ignored
    expect(sameType(new List(new Field('a', new Int32())), new List(new Field('a', new Int64())))).toBe(false);
  });

  it('nullableSchema makes every field nullable, keeps metadata, appends extras', () => {
    const extra = new Field('_x', new Int32(), false);
    const s = nullableSchema(schema, [extra]);
    expect(s.fields.map((f) => [f.name, f.nullable])).toEqual([['id', true], ['name', true], ['at', true], ['tags', true], ['d', true], ['_x', false]]);
    expect([...s.fields[0].metadata]).toEqual([['k', 'v']]);
    expect([...s.metadata]).toEqual([['table', 'x']]);
    expect(schema.fields[0].nullable).toBe(false); // input untouched
  });

  it('batchByteSize sums the buffers, nested children included', () => {
    const ids = Int32Array.from({ length: 100 }, (_, i) => i);
    const fields = [new Field('id', new Int32(), false)];
    const b = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 100, nullCount: 0, children: [makeData({ type: new Int32(), length: 100, data: ids })] }));
    expect(batchByteSize(b)).toBe(400);
    const withStrings = new Table({ s: vectorFromArray(['abc', 'de'], new Utf8()) }).batches[0];
    expect(batchByteSize(withStrings)).toBeGreaterThanOrEqual(5 + 3 * 4);
  });
});
