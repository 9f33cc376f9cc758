import {
  Dictionary, Field, Float16, Float64, Int32, Int64, List, RecordBatch, Schema, Struct, Table as ArrowTable, Timestamp, TimeUnit, Utf8,
  makeData, vectorFromArray, type DataType,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError, CorruptEntryError, InvalidOptionsError, NotFoundError, SchemaMismatchError, UnsupportedFormatError,
} from '../src/errors.js';
import { layout } from '../src/layout/layout.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { encodeKeys } from '../src/keys/pk-encoding.js';
import { Table } from '../src/table/table.js';
import { sealedJsonBytes } from '../src/format/doc-checksum.js';

const schema = new Schema([
  new Field('tenant', new Utf8(), false, new Map([['doc', 'the tenant']])),
  new Field('id', new Int64(), false),
  new Field('name', new Utf8(), true),
  new Field('score', new Float64(), false),
  new Field('at', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), true),
  new Field('tags', new List(new Field('item', new Utf8(), true)), true),
  new Field('kind', new Dictionary(new Utf8(), new Int32()), true),
], new Map([['app', 'freshtier-tests'], ['v', '1']]));

function batchOf(fields: Field[], cols: Record<string, unknown[] | BigInt64Array>): RecordBatch {
  const n = Object.values(cols)[0].length;
  const children = fields.map((f) => {
    const v = cols[f.name];
    return v instanceof BigInt64Array ? makeData({ type: f.type as Int64, length: n, data: v }) : vectorFromArray(v as never, f.type as DataType).data[0];
  });
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, nullCount: 0, children }));
}

const rows = {
  tenant: ['a', 'b'], id: BigInt64Array.of(1n, 2n), name: ['x', null], score: [1.5, 2.5], at: [0, null], tags: [['t'], null], kind: ['k', 'k'],
};
const field = (name: string) => schema.fields.find((f) => f.name === name)!;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const describeSchema = (s: Schema) => ({
  fields: s.fields.map((f) => ({ name: f.name, type: String(f.type), typeId: f.typeId, nullable: f.nullable, metadata: [...f.metadata] })),
  metadata: [...s.metadata],
});

describe('create / open', () => {
  it('round-trips the schema exactly (types, nullability, field and schema metadata), key and shards', async () => {
    const store = new MemoryStore();
    const created = await Table.create(store, { schema, primaryKey: ['tenant', 'id'], shards: 4 });
    const opened = await Table.open(store);
    for (const t of [created, opened]) {
      expect(describeSchema(t.schema)).toEqual(describeSchema(schema));
      expect(t.primaryKey).toEqual(['tenant', 'id']);
      expect(t.shardCount).toBe(4);
      expect(t.appendOnly).toBe(false);
    }
    expect(opened.doc).toEqual(created.doc);
    expect(opened.doc.fields[0]).toEqual({ name: 'tenant', type: 'Utf8', nullable: false });
    const stored = JSON.parse(new TextDecoder().decode(await store.get(layout.tableDoc)));
    expect(stored).toMatchObject({ formatVersion: 2, primaryKey: ['tenant', 'id'], shards: 4 });
  });

  it('defaults: no primary key (append-only), one shard', async () => {
    const store = new MemoryStore();
    const t = await Table.create(store, { schema });
    expect(t.primaryKey).toEqual([]);
    expect(t.appendOnly).toBe(true);
    expect(t.shardCount).toBe(1);
    expect((await Table.open(store)).appendOnly).toBe(true);
  });

  it('create twice is an AlreadyExistsError and keeps the first table', async () => {
    const store = new MemoryStore();
    await Table.create(store, { schema, primaryKey: ['id'] });
    const e = await rejection(Table.create(store, { schema, primaryKey: ['tenant'], shards: 2 }));
    expect(e).toBeInstanceOf(AlreadyExistsError);
    expect((e as AlreadyExistsError).code).toBe('ALREADY_EXISTS');
    expect((e as AlreadyExistsError).message).toMatch(/Table\.open/);
    expect((await Table.open(store)).primaryKey).toEqual(['id']);
  });

  it('open of a missing table is a NotFoundError', async () => {
    const e = await rejection(Table.open(new MemoryStore()));
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as NotFoundError).message).toContain('_table.json');
  });

  it('a _table.json from a future format is an UnsupportedFormatError', async () => {
    const store = new MemoryStore();
    await Table.create(store, { schema });
    const { checksum: _, ...doc } = JSON.parse(new TextDecoder().decode(await store.get(layout.tableDoc)));
    // a future build seals its documents too: only the format version tells them apart
    await store.put(layout.tableDoc, sealedJsonBytes({ ...doc, formatVersion: 3, somethingNew: true }));
    const e = await rejection(Table.open(store));
    expect(e).toBeInstanceOf(UnsupportedFormatError);
    expect((e as UnsupportedFormatError).context).toMatchObject({ path: '_table.json', found: 3, supported: [1, 2] });
    expect((e as Error).message).toContain('this build reads versions 1 and 2');
  });

  it('a damaged _table.json is a CorruptEntryError', async () => {
    const store = new MemoryStore();
    await store.put(layout.tableDoc, new TextEncoder().encode('{"formatVersion":1,'));
    expect(await rejection(Table.open(store))).toBeInstanceOf(CorruptEntryError);
    await store.put(layout.tableDoc, new TextEncoder().encode(JSON.stringify({ formatVersion: 1, createdAt: 'x', arrowSchema: 'AAAA', fields: [], primaryKey: [], shards: 0 })));
    const e = await rejection(Table.open(store));
    expect(e).toBeInstanceOf(CorruptEntryError);
    expect((e as Error).message).toContain('shards:');
  });

  describe('bad options are typed errors naming the field, and write nothing', () => {
    const cases: [string, unknown, new (...a: never[]) => Error, string][] = [
      ['shards: 0', { schema, shards: 0 }, InvalidOptionsError, 'shards'],
      ['shards: 1.5', { schema, shards: 1.5 }, InvalidOptionsError, 'shards'],
      ['shards: 5000', { schema, shards: 5000 }, InvalidOptionsError, 'shards'],
      ['shards: "2"', { schema, shards: '2' }, InvalidOptionsError, 'shards'],
      ['no schema', { primaryKey: ['id'] }, InvalidOptionsError, 'schema'],
      ['schema with no fields', { schema: new Schema([]) }, InvalidOptionsError, 'schema'],
      ['primaryKey: [""]', { schema, primaryKey: [''] }, InvalidOptionsError, 'primaryKey'],
      ['primaryKey: "id"', { schema, primaryKey: 'id' }, InvalidOptionsError, 'primaryKey'],
      ['primaryKey naming a missing column', { schema, primaryKey: ['tenant', 'nope'] }, SchemaMismatchError, '"nope"'],
      ['duplicate key column', { schema, primaryKey: ['id', 'tenant', 'id'] }, SchemaMismatchError, '"id"'],
      ['key column of an unsupported type', { schema, primaryKey: ['tags'] }, SchemaMismatchError, '"tags"'],
      ['key column of type Float16', { schema: new Schema([new Field('h', new Float16(), false)]), primaryKey: ['h'] }, SchemaMismatchError, '"h"'],
    ];
    it.each(cases)('%s', async (_label, options, cls, names) => {
      const store = new MemoryStore();
      const e = await rejection(Table.create(store, options as never));
      expect(e).toBeInstanceOf(cls);
      expect((e as Error).message).toContain(names);
      if (e instanceof InvalidOptionsError) expect(e.issues.some((i) => i.path === names || i.path.startsWith(`${names}.`))).toBe(true);
      expect(await store.list('')).toEqual([]);
    });
  });
});

describe('conform', () => {
  async function table(primaryKey = ['tenant', 'id']) {
    return Table.create(new MemoryStore(), { schema, primaryKey });
  }

  it('returns a batch of the table schema, with columns in table order', async () => {
    const t = await table();
    const reversed = [...schema.fields].reverse().map((f) => new Field(f.name, f.type, f.nullable));
    const b = batchOf(reversed, rows);
    const out = t.conform(b);
    expect(out.schema.fields.map((f) => f.name)).toEqual(schema.fields.map((f) => f.name));
    expect(describeSchema(out.schema)).toEqual(describeSchema(schema));
    expect(out.numRows).toBe(2);
    expect(out.getChild('tenant')!.toJSON()).toEqual(['a', 'b']);
    expect(out.getChild('id')!.toJSON()).toEqual([1n, 2n]);
    expect(out.getChild('name')!.toJSON()).toEqual(['x', null]);
    expect(out.getChild('tags')!.get(0)!.toJSON()).toEqual(['t']);
    expect(encodeKeys(out, t.primaryKey).count).toBe(2);
  });

  it('accepts a sliced batch', async () => {
    const t = await table();
    const out = t.conform(batchOf(schema.fields, rows).slice(1, 2));
    expect(out.numRows).toBe(1);
    expect(out.getChild('tenant')!.toJSON()).toEqual(['b']);
    expect(out.getChild('score')!.toJSON()).toEqual([2.5]);
  });

  it('accepts a batch whose fields are declared nullable when they hold no nulls', async () => {
    const t = await table();
    const loose = schema.fields.map((f) => new Field(f.name, f.type, true));
    expect(t.conform(batchOf(loose, rows)).numRows).toBe(2);
  });

  it('rejects a missing column, naming it', async () => {
    const t = await table();
    const e = thrown(() => t.conform(batchOf(schema.fields.filter((f) => f.name !== 'score'), rows)));
    expect(e).toBeInstanceOf(SchemaMismatchError);
    expect((e as SchemaMismatchError).message).toContain('"score"');
    expect((e as SchemaMismatchError).context).toMatchObject({ column: 'score' });
  });

  it('rejects an extra column, naming it', async () => {
    const t = await table();
    const e = thrown(() => t.conform(batchOf([...schema.fields, new Field('extra', new Int32(), true)], { ...rows, extra: [1, 2] })));
    expect(e).toBeInstanceOf(SchemaMismatchError);
    expect((e as SchemaMismatchError).message).toContain('extra');
    expect((e as SchemaMismatchError).context).toMatchObject({ extra: ['extra'] });
  });

  it.each([
    ['id', new Int32(), [1, 2]],
    ['score', new Int64(), BigInt64Array.of(1n, 2n)],
    ['at', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), [0, null]],
    ['at', new Timestamp(TimeUnit.MICROSECOND), [0, null]],
    ['kind', new Utf8(), ['k', 'k']],
  ] as const)('rejects a retyped column %s (%s)', async (name, type, values) => {
    const t = await table();
    const fields = schema.fields.map((f) => (f.name === name ? new Field(name, type, true) : f));
    const e = thrown(() => t.conform(batchOf(fields, { ...rows, [name]: values as never })));
    expect(e).toBeInstanceOf(SchemaMismatchError);
    expect((e as SchemaMismatchError).message).toContain(`"${name}"`);
    expect((e as SchemaMismatchError).message).toContain(String(field(name).type));
  });

  it('rejects nulls in a non-nullable non-key column', async () => {
    const t = await table();
    const loose = schema.fields.map((f) => new Field(f.name, f.type, true));
    const e = thrown(() => t.conform(batchOf(loose, { ...rows, score: [1, null] })));
    expect(e).toBeInstanceOf(SchemaMismatchError);
    expect((e as SchemaMismatchError).message).toContain('"score"');
    expect((e as SchemaMismatchError).message).toMatch(/1 null/);
  });

  it('leaves nulls in key columns to encodeKeys (NullPrimaryKeyError names the row)', async () => {
    const t = await table();
    const loose = schema.fields.map((f) => new Field(f.name, f.type, true));
    const out = t.conform(batchOf(loose, { ...rows, tenant: ['a', null] }));
    expect(() => encodeKeys(out, t.primaryKey)).toThrow(/"tenant" is null at row 1/);
  });

  it('rejects anything that is not a RecordBatch', async () => {
    const t = await table();
    const arrowTable = new ArrowTable([batchOf(schema.fields, rows)]);
    for (const x of [arrowTable, null, undefined, {}, [batchOf(schema.fields, rows)], 'batch', new ArrowTable({ id: vectorFromArray([1], new Int32()) })]) {
      const e = thrown(() => t.conform(x));
      expect(e).toBeInstanceOf(SchemaMismatchError);
      expect((e as Error).message).toMatch(/expected an Arrow RecordBatch/);
    }
  });
});

describe('shards', () => {
  const keysOf = (n: number) => encodeKeys(batchOf([field('tenant'), field('id')], {
    tenant: Array.from({ length: n }, (_, i) => `t${i % 7}`), id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
  }), ['tenant', 'id']);

  it('shardsOf is stable (same keys, same shards, across handles) and in range', async () => {
    const store = new MemoryStore();
    const t = await Table.create(store, { schema, primaryKey: ['tenant', 'id'], shards: 5 });
    const keys = keysOf(2000);
    const a = t.shardsOf(keys);
    const b = (await Table.open(store)).shardsOf(keysOf(2000));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.length).toBe(2000);
    expect(Math.max(...a)).toBeLessThan(5);
    const counts = [0, 0, 0, 0, 0];
    for (const s of a) counts[s]++;
    for (const c of counts) expect(c).toBeGreaterThan(250); // every shard used, roughly evenly
  });

  it('shardsOf is pinned (data placement must not change between releases)', async () => {
    const t = await Table.create(new MemoryStore(), { schema, primaryKey: ['tenant', 'id'], shards: 5 });
    expect(Array.from(t.shardsOf(keysOf(12)))).toEqual(PINNED_SHARDS);
  });

  it('one shard: everything in shard 0', async () => {
    const t = await Table.create(new MemoryStore(), { schema, primaryKey: ['tenant', 'id'] });
    expect(Array.from(t.shardsOf(keysOf(50)))).toEqual(new Array(50).fill(0));
  });

  it('shardManifests: one store per shard, a RangeError outside', async () => {
    const t = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 3 });
    expect(t.shardManifests(2).dir).toBe('shards/2/_manifests/');
    expect(t.shardManifests(0)).toBe(t.shardManifests(0));
    expect(t.baseManifests.dir).toBe('base/_manifests/');
    expect(() => t.shardManifests(3)).toThrow(RangeError);
    expect(() => t.shardManifests(-1)).toThrow(RangeError);
    expect((await t.shardManifests(1).latest()).doc).toMatchObject({ shard: 1, epoch: 0, nextGeneration: 1 });
  });
});

const PINNED_SHARDS = [1, 1, 1, 2, 2, 1, 0, 2, 2, 0, 1, 0];
