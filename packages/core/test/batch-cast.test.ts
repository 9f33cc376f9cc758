/**
 * `conformBatch` (batch-cast.ts): what the scanner, compaction and ingest see of a
 * decoded batch — the table's fields with the table's types (dictionaries decoded,
 * large types narrowed), system columns kept as found, missing fields as nulls.
 */
import {
  Dictionary, Field, Int32, Int64, LargeUtf8, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_COLUMN, TOMBSTONE_COLUMN, conformBatch } from '../src/index.js';

const tableFields = [new Field('id', new Int64(), false), new Field('name', new Utf8(), true)];

function batch(cols: { name: string; type: DataType; values: unknown[] }[]): RecordBatch {
  const fields = cols.map((c) => new Field(c.name, c.type, true));
  const children: Data[] = cols.map((c) => vectorFromArray(c.values as never, c.type as never).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: cols[0].values.length, nullCount: 0, children }));
}

const column = (b: RecordBatch, name: string) => [...b.getChild(name)!];

describe('conformBatch', () => {
  it('casts dictionary and large strings to the table type, keeping values and nulls', () => {
    const dict = new Dictionary(new Utf8(), new Int32());
    for (const type of [dict, new LargeUtf8()] as DataType[]) {
      const b = batch([{ name: 'id', type: new Int64(), values: [1n, 2n, 3n] }, { name: 'name', type, values: ['a', null, 'a'] }]);
      expect(String(b.getChild('name')!.type)).not.toBe('Utf8'); // the input really is another type
      const out = conformBatch(b, tableFields);
      expect(String(out.schema.fields[1].type)).toBe('Utf8');
      expect(column(out, 'name')).toEqual(['a', null, 'a']);
    }
  });

  it('a field the batch lacks becomes all nulls; extra columns are kept only when asked, as found', () => {
    const b = batch([
      { name: 'id', type: new Int64(), values: [7n, 8n] },
      { name: BATCH_COLUMN, type: new Int32(), values: [0, 1] },
      { name: 'other', type: new Int32(), values: [5, 6] },
    ]);
    const out = conformBatch(b, tableFields, [BATCH_COLUMN, TOMBSTONE_COLUMN]);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['id', 'name', BATCH_COLUMN]);
    expect(column(out, 'name')).toEqual([null, null]);
    expect(column(out, BATCH_COLUMN)).toEqual([0, 1]);
    expect(out.schema.fields.every((f) => f.nullable)).toBe(true);
  });

  it('property: dictionary-encoded strings read back as the plain strings (seeded)', () => {
    const dict = new Dictionary(new Utf8(), new Int32());
    fc.assert(fc.property(fc.array(fc.option(fc.constantFrom('', 'x', 'yy', 'é', 'a b'), { nil: null }), { minLength: 1, maxLength: 50 }), (names) => {
      const b = batch([{ name: 'id', type: new Int64(), values: names.map((_, i) => BigInt(i)) }, { name: 'name', type: dict, values: names }]);
      expect(column(conformBatch(b, tableFields), 'name')).toEqual(names);
    }), { seed: 1101, numRuns: 100 });
  });
});
