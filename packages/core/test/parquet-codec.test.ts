/**
 * Parquet codec (parquet-wasm 0.8.0 under the hood).
 *
 * What comes back, as observed and pinned below: every type we write returns as the
 * SAME Arrow type — Int8/Int32/Uint32/Int64 (BigInt64Array values), Float32/Float64,
 * Utf8 stays Utf8 (not LargeUtf8, not a dictionary), LargeUtf8 stays LargeUtf8, Binary,
 * Bool, Date32<DAY>, Date64<MILLISECOND>, Timestamp with its unit and time zone, and a
 * Dictionary<Int32, Utf8> column stays a dictionary. Nullability is kept (a required
 * field comes back `nullable: false`), and so is schema-level metadata.
 * `rowGroups` returns the groups in the order asked for.
 */
import {
  Binary, Bool, DateDay, DateMillisecond, Dictionary, Field, Float32, Float64, Int32, Int64, Int8, LargeUtf8, RecordBatch, Schema, Struct, Table,
  Timestamp, TimeUnit, Uint32, Utf8, makeData, vectorFromArray, type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError } from '../src/errors.js';
import { readParquetFile, writeParquetFile } from '../src/format/parquet-codec.js';

function batch(schema: Schema, columns: Record<string, unknown[] | ArrayLike<unknown>>, typed: Record<string, boolean> = {}): RecordBatch {
  const n = Object.values(columns)[0].length;
  const children = schema.fields.map((f) => {
    const vals = columns[f.name];
    return typed[f.name] ? makeData({ type: f.type as never, length: n, data: vals as never }) : vectorFromArray(vals as unknown[], f.type as DataType).data[0];
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

const json = (t: Table | RecordBatch) => JSON.parse(JSON.stringify(t.toArray(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v)));
const describeSchema = (s: Schema) => s.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable }));

const schema = new Schema([
  new Field('id', new Int32(), false),
  new Field('big', new Int64(), false),
  new Field('x', new Float64(), true),
  new Field('name', new Utf8(), true),
  new Field('flag', new Bool(), true),
  new Field('at', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), true),
  new Field('ms', new Timestamp(TimeUnit.MILLISECOND), true),
], new Map([['freshtier', 'test']]));

const sample = batch(schema, {
  id: [1, 2, 3, 4],
  big: BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 63n - 1n, 42n),
  x: [1.5, null, -0, Infinity],
  name: ['ann', null, '', 'z\u0000é'],
  flag: [true, false, null, true],
  at: [0, null, 1_700_000_000_123, -1000],
  ms: [null, 1, 2, 3],
}, { big: true });

describe('round trip', () => {
  it('common types with nulls: same values, same types, same nullability', () => {
    const back = readParquetFile(writeParquetFile([sample]), 'f.parquet');
    expect(back.numRows).toBe(4);
    expect(describeSchema(back.schema)).toEqual(describeSchema(schema));
    expect(back.schema.metadata.get('freshtier')).toBe('test');
    expect(json(back)).toEqual(json(sample));
    expect(back.getChild('big')!.data[0].values).toBeInstanceOf(BigInt64Array);
    expect(back.getChild('name')!.nullCount).toBe(1);
    expect(back.getChild('flag')!.nullCount).toBe(1);
  });

  it('other types keep their Arrow type (see the header comment)', () => {
    const s = new Schema([
      new Field('i8', new Int8(), false), new Field('u32', new Uint32(), false), new Field('f32', new Float32(), true), new Field('lu', new LargeUtf8(), true),
      new Field('bin', new Binary(), false), new Field('dd', new DateDay(), false), new Field('dm', new DateMillisecond(), true),
      new Field('dict', new Dictionary(new Utf8(), new Int32()), true), new Field('ts', new Timestamp(TimeUnit.NANOSECOND, 'Europe/Paris'), false),
    ]);
    const b = batch(s, {
      i8: [-128, 127], u32: [0, 2 ** 32 - 1], f32: [1.5, null], lu: ['a', null], bin: [new Uint8Array([0, 255]), new Uint8Array(0)],
      dd: [new Date(0), new Date(86_400_000)], dm: [new Date(5), null], dict: ['x', 'y'], ts: [1, 2],
    });
    const back = readParquetFile(writeParquetFile([b]), 'f.parquet');
    expect(describeSchema(back.schema)).toEqual(describeSchema(s));
    expect(json(back)).toEqual(json(b));
  });

  it.each(['uncompressed', 'snappy', 'zstd', 'lz4_raw'] as const)('compression %s', (compression) => {
    const back = readParquetFile(writeParquetFile(new Table([sample]), { compression }), 'f.parquet');
    expect(json(back)).toEqual(json(sample));
  });

  it('several input batches become one table of all rows', () => {
    const back = readParquetFile(writeParquetFile([sample, sample.slice(1, 3)]), 'f.parquet');
    expect(json(back)).toEqual([...json(sample), ...json(sample).slice(1, 3)]);
  });

  it('an empty batch round-trips to zero rows with the schema', () => {
    const back = readParquetFile(writeParquetFile([sample.slice(0, 0)]), 'f.parquet');
    expect(back.numRows).toBe(0);
    expect(describeSchema(back.schema)).toEqual(describeSchema(schema));
  });

  it('random int32/utf8/float64 columns with nulls', () => {
    const s = new Schema([new Field('a', new Int32(), true), new Field('b', new Utf8(), true), new Field('c', new Float64(), true)]);
    const row = fc.tuple(fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), fc.option(fc.string({ unit: fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)), maxLength: 5 })), fc.option(fc.double({ noNaN: true })));
    fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (rows, rowGroupSize) => {
      const b = batch(s, { a: rows.map((r) => r[0]), b: rows.map((r) => r[1]), c: rows.map((r) => r[2]) });
      const back = readParquetFile(writeParquetFile([b], { rowGroupSize }), 'f.parquet');
      const [got, want] = [JSON.stringify(json(back)), JSON.stringify(json(b))];
      if (got !== want) throw new Error(`round trip changed the rows:\n got ${got}\nwant ${want}`);
    }), { seed: 4001, numRuns: 10 });
  });
});

describe('selective reads', () => {
  it('column projection returns only the asked columns, with their values', () => {
    const bytes = writeParquetFile([sample]);
    const back = readParquetFile(bytes, 'f.parquet', { columns: ['name', 'id'] });
    expect(back.schema.fields.map((f) => f.name).sort()).toEqual(['id', 'name']);
    expect(back.numRows).toBe(4);
    expect(back.getChild('id')!.toArray()).toEqual(Int32Array.of(1, 2, 3, 4));
    expect(back.getChild('name')!.toJSON()).toEqual(['ann', null, '', 'z\u0000é']);
    expect(back.getChild('x')).toBeNull();
  });

  it('rowGroups reads only the chosen row groups (small rowGroupSize)', () => {
    const s = new Schema([new Field('n', new Int32(), false), new Field('s', new Utf8(), true)]);
    const n = Array.from({ length: 10 }, (_, i) => i);
    const bytes = writeParquetFile([batch(s, { n, s: n.map((i) => `r${i}`) })], { rowGroupSize: 3 }); // groups [0..2] [3..5] [6..8] [9]
    const read = (rowGroups: number[]) => Array.from(readParquetFile(bytes, 'f.parquet', { rowGroups }).getChild('n')!.toArray() as Int32Array);
    expect(read([0, 1, 2, 3])).toEqual(n);
    expect(read([1, 3])).toEqual([3, 4, 5, 9]);
    expect(read([2])).toEqual([6, 7, 8]);
    expect(read([3, 0])).toEqual([9, 0, 1, 2]); // in the order asked for
    expect(read([])).toEqual([]);
    const both = readParquetFile(bytes, 'f.parquet', { rowGroups: [1], columns: ['s'] });
    expect(both.schema.fields.map((f) => f.name)).toEqual(['s']);
    expect(both.getChild('s')!.toJSON()).toEqual(['r3', 'r4', 'r5']);
  });

  it('batchSize splits the result into batches without changing the rows', () => {
    const t = readParquetFile(writeParquetFile([sample]), 'f.parquet', { batchSize: 1 });
    expect(t.numRows).toBe(4);
    expect(json(t)).toEqual(json(sample));
  });
});

describe('damage is a CorruptEntryError', () => {
  const good = writeParquetFile([sample]);

  function expectCorrupt(bytes: Uint8Array): void {
    let err: unknown;
    try {
      readParquetFile(bytes, 'shards/0/gen-1-ab/data.parquet');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorruptEntryError);
    expect((err as CorruptEntryError).code).toBe('CORRUPT_ENTRY');
    expect((err as CorruptEntryError).message).toContain('shards/0/gen-1-ab/data.parquet');
    expect((err as CorruptEntryError).cause).toBeDefined();
  }

  it('garbage bytes', () => {
    expectCorrupt(new Uint8Array(0));
    expectCorrupt(new TextEncoder().encode('PAR1 this is not parquet PAR1'));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => expectCorrupt(b)), { seed: 4002, numRuns: 50 });
  });

  it('a truncated file (the footer is cut off)', () => {
    for (const len of [0, 4, 8, good.length >> 1, good.length - 9, good.length - 1]) expectCorrupt(good.slice(0, len));
  });

  it('bad magic at the end', () => {
    const bad = good.slice();
    bad[bad.length - 1] ^= 0xff;
    expectCorrupt(bad);
  });

  it('an unknown row group', () => {
    let err: unknown;
    try {
      readParquetFile(good, 'f.parquet', { rowGroups: [7] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorruptEntryError);
  });
});

describe('all-null bool', () => {
  it('round-trips a Bool column that is null in every row (top level and in a struct), regression for a flush that could never succeed', async () => {
    const { Bool, Field, Int32, RecordBatch, Schema, Struct, makeData, vectorFromArray } = await import('apache-arrow');
    const inner = new Field('b', new Bool(), true);
    const schema = new Schema([new Field('id', new Int32(), false), new Field('flag', new Bool(), true), new Field('s', new Struct([inner]), true)]);
    const n = 20;
    const flag = vectorFromArray(Array.from({ length: n }, () => null), new Bool()).data[0];
    const s = makeData({ type: new Struct([inner]), length: n, nullCount: 0, children: [vectorFromArray(Array.from({ length: n }, () => null), new Bool()).data[0]] });
    const id = vectorFromArray(Array.from({ length: n }, (_, i) => i), new Int32()).data[0];
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [id, flag, s] }));
    const back = readParquetFile(writeParquetFile([batch]), 'all-null.parquet');
    expect(back.numRows).toBe(n);
    expect(back.getChild('flag')!.nullCount).toBe(n);
    expect(back.getChild('flag')!.toArray().every((v: unknown) => v === null)).toBe(true);
    expect(back.getChild('s')!.toArray().map((r: { b: unknown } | null) => r?.b ?? null).every((v: unknown) => v === null)).toBe(true);
    expect(Array.from(back.getChild('id')!.toArray())).toEqual(Array.from({ length: n }, (_, i) => i));
  });
});
