/**
 * A table's merge options (docs/merge-engines.md): `Table.create` stores them in
 * `_table.json` and refuses bad ones with `InvalidOptionsError` before anything is
 * written; `Table.open` reads them back (tables from before merge engines read as
 * deduplicate) and refuses a document whose options do not fit its schema; `conform`
 * applies them to puts (partial puts, sequence values, count cells).
 */
import { Bool, Field, Float32, Float64, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError, InvalidOptionsError, SchemaMismatchError } from '../src/errors.js';
import { sealedJsonBytes } from '../src/format/doc-checksum.js';
import { layout } from '../src/layout/layout.js';
import { mergePolicyOf } from '../src/merge/merge-versions.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { Table, type CreateTableOptions } from '../src/table/table.js';

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('ts', new Int64(), false),
  new Field('clicks', new Int32(), true),
  new Field('name', new Utf8(), true),
  new Field('ok', new Bool(), true),
  new Field('score', new Float64(), true),
]);
const strictSchema = new Schema([...schema.fields.slice(0, 3), new Field('name', new Utf8(), false)]);

function batch(cols: Record<string, unknown[]>): RecordBatch {
  const fields = schema.fields.filter((f) => f.name in cols);
  const n = Object.values(cols)[0].length;
  const children = fields.map((f) => vectorFromArray(cols[f.name] as never, f.type).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
}

async function refused(options: Partial<CreateTableOptions> & Record<string, unknown>): Promise<InvalidOptionsError> {
  const store = new MemoryStore();
  const e = await Table.create(store, { schema, primaryKey: ['id'], ...options } as CreateTableOptions).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(InvalidOptionsError);
  expect(await store.list('')).toEqual([]); // nothing was written
  return e as InvalidOptionsError;
}

describe('Table.create merge options', () => {
  it('stores them in _table.json and reads them back; the default stores nothing', async () => {
    const store = new MemoryStore();
    await Table.create(store, { schema, primaryKey: ['id'], mergeEngine: 'aggregate', sequenceField: 'ts', aggregates: { clicks: 'sum', name: 'max' } });
    const raw = JSON.parse(new TextDecoder().decode(await store.get(layout.tableDoc)));
    expect(raw).toMatchObject({ mergeEngine: 'aggregate', sequenceField: 'ts', aggregates: { clicks: 'sum', name: 'max' } });
    const table = await Table.open(store);
    expect(table.mergeSpec).toEqual({ mergeEngine: 'aggregate', sequenceField: 'ts', aggregates: { clicks: 'sum', name: 'max' } });
    expect(mergePolicyOf(table)).toMatchObject({ engine: 'aggregate', sequenceField: 'ts', newestDecides: false });
    const plain = new MemoryStore();
    await Table.create(plain, { schema, primaryKey: ['id'], mergeEngine: 'deduplicate' });
    const doc = JSON.parse(new TextDecoder().decode(await plain.get(layout.tableDoc)));
    expect(Object.keys(doc).filter((k) => ['mergeEngine', 'sequenceField', 'aggregates'].includes(k))).toEqual([]);
    expect(mergePolicyOf(await Table.open(plain)).newestDecides).toBe(true);
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown engine', { mergeEngine: 'newest-wins' }, /mergeEngine: must be one of deduplicate, partial-update, first-row, aggregate/],
    ['an unknown aggregate function', { mergeEngine: 'aggregate', aggregates: { clicks: 'avg' } }, /aggregates\.clicks: must be one of sum, min, max/],
    ['sum of a string', { mergeEngine: 'aggregate', aggregates: { name: 'sum' } }, /aggregates\.name: sum takes an integer column; "name" is Utf8/],
    ['sum of a float (its result would depend on the order)', { mergeEngine: 'aggregate', aggregates: { score: 'sum' } }, /sum takes an integer column; "score" is Float64/],
    ['count of a bool', { mergeEngine: 'aggregate', aggregates: { ok: 'count' } }, /count takes an integer column/],
    ['bool_and of an integer', { mergeEngine: 'aggregate', aggregates: { clicks: 'bool_and' } }, /bool_and takes a Bool column/],
    ['min of a bool', { mergeEngine: 'aggregate', aggregates: { ok: 'min' } }, /min takes an integer, float, date/],
    ['an aggregate of a key column', { mergeEngine: 'aggregate', aggregates: { id: 'sum' } }, /aggregates\.id: "id" is a primary-key column/],
    ['an aggregate of the sequence field', { mergeEngine: 'aggregate', sequenceField: 'ts', aggregates: { ts: 'max' } }, /aggregates\.ts: "ts" is the sequence field/],
    ['an aggregate of no column', { mergeEngine: 'aggregate', aggregates: { nope: 'max' } }, /aggregates\.nope: "nope" is not a column/],
    ['aggregates under another engine', { mergeEngine: 'partial-update', aggregates: { clicks: 'sum' } }, /aggregates: only the aggregate engine takes aggregate functions/],
    ['a sequence field that is no column', { sequenceField: 'when' }, /sequenceField: "when" is not a column/],
    ['a key column as the sequence field', { sequenceField: 'id' }, /sequenceField: "id" is a primary-key column/],
    ['a string sequence field', { sequenceField: 'name' }, /sequenceField: "name" is Utf8; a sequence field is an integer, float, date or timestamp column/],
    ['a merge engine on an append-only table', { primaryKey: [], mergeEngine: 'first-row' }, /mergeEngine: an append-only table/],
    ['a sequence field on an append-only table', { primaryKey: [], sequenceField: 'ts' }, /sequenceField: an append-only table/],
    ['partial-update over a non-nullable column', { schema: strictSchema, mergeEngine: 'partial-update' }, /make "name" nullable/],
    ['a misspelt option', { mergeEngin: 'first-row' }, /mergeEngin: unknown option/],
  ];
  it.each(cases)('refuses %s, writing nothing', async (_name, options, message) => {
    expect((await refused(options)).message).toMatch(message);
  });

  it('partial-update allows a non-nullable sequence field (every put holds it)', async () => {
    await expect(Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngine: 'partial-update', sequenceField: 'ts' })).resolves.toBeDefined();
  });
});

describe('Table.open merge options', () => {
  const docOf = (extra: Record<string, unknown>) => ({
    formatVersion: 1, createdAt: '2024-01-01T00:00:00.000Z', arrowSchema: '', fields: [], primaryKey: ['id'], shards: 1, checksums: true, ...extra,
  });

  async function storeWith(extra: Record<string, unknown>): Promise<MemoryStore> {
    const source = new MemoryStore();
    await Table.create(source, { schema, primaryKey: ['id'] });
    const { arrowSchema } = JSON.parse(new TextDecoder().decode(await source.get(layout.tableDoc)));
    const store = new MemoryStore();
    await store.putIfAbsent(layout.tableDoc, sealedJsonBytes(docOf({ arrowSchema, ...extra })));
    return store;
  }

  it('a document without merge options (every table before them) reads as deduplicate', async () => {
    expect(mergePolicyOf(await Table.open(await storeWith({}))).engine).toBe('deduplicate');
  });

  it.each([
    ['an unknown engine', { mergeEngine: 'bogus' }],
    ['a sequence field no column has', { sequenceField: 'gone' }],
    ['an aggregate that does not fit its column', { mergeEngine: 'aggregate', aggregates: { name: 'sum' } }],
  ])('refuses %s as a damaged document (CorruptEntryError)', async (_name, extra) => {
    await expect(Table.open(await storeWith(extra))).rejects.toThrow(CorruptEntryError);
  });
});

describe('conform under merge options', () => {
  it('partial-update: a put may leave non-key columns out; they read as null ("keep the older value")', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngine: 'partial-update', sequenceField: 'ts' });
    const b = table.conform(batch({ id: [1n], ts: [5n], name: ['x'] }));
    expect(b.schema.fields.map((f) => f.name)).toEqual(schema.fields.map((f) => f.name));
    expect(b.get(0)!.toJSON()).toEqual({ id: 1n, ts: 5n, clicks: null, name: 'x', ok: null, score: null });
    expect(() => table.conform(batch({ id: [1n], name: ['x'] }))).toThrow(/missing column "ts"/); // the sequence field may not be left out
  });

  it('other engines still need every column', async () => {
    for (const mergeEngine of ['deduplicate', 'first-row', 'aggregate'] as const) {
      const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngine });
      expect(() => table.conform(batch({ id: [1n], ts: [5n], name: ['x'] })), mergeEngine).toThrow(SchemaMismatchError);
    }
  });

  it('the sequence field must hold a value on every row (no null, no NaN)', async () => {
    const wide = new Schema([schema.fields[0], new Field('t', new Float32(), true), new Field('v', new Int32(), true)]);
    const table = await Table.create(new MemoryStore(), { schema: wide, primaryKey: ['id'], sequenceField: 't' });
    const put = (t: (number | null)[]) => {
      const children = [vectorFromArray(t.map((_, i) => BigInt(i)), new Int64()).data[0], vectorFromArray(t, new Float32()).data[0], vectorFromArray(t.map(() => 1), new Int32()).data[0]];
      return table.conform(new RecordBatch(wide, makeData({ type: new Struct(wide.fields), length: t.length, nullCount: 0, children })));
    };
    expect(put([1.5, -2]).numRows).toBe(2);
    expect(() => put([1, null])).toThrow(/"t" is the table's sequence field and is null at row 1/);
    expect(() => put([NaN])).toThrow(/"t" is the table's sequence field and is NaN at row 0/);
  });

  it('aggregate count cells are stored as 1 (a value) or 0 (null)', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], mergeEngine: 'aggregate', aggregates: { clicks: 'count' } });
    const b = table.conform(batch({ id: [1n, 2n, 3n], ts: [0n, 0n, 0n], clicks: [7, null, 0], name: [null, null, null], ok: [null, null, null], score: [null, null, null] }));
    expect([...b.getChild('clicks')!]).toEqual([1, 0, 1]);
    expect(b.getChild('clicks')!.nullCount).toBe(0);
  });
});
