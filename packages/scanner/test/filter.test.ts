/**
 * Invariant 4 (filters after dedup), the filter API's semantics, primary-key
 * pruning, projection and casting back to the table schema, and bad options.
 */
import { InvalidOptionsError, encodeKeyIndex, encodeKeys, keyIndexPathFor, keyToHex, layout, writeParquetFile, type Table } from '@freshtier/core';
import { Dictionary, Int32, LargeUtf8, RecordBatch, Schema, Field, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { LsmScanner, and, col, not, or, type ScanOptions } from '../src/index.js';
import { agesById, rowsOf, user, usersBatch, usersSchema, usersTable } from './support/data.js';
import { FixtureWriter } from './support/fixture-writer.js';

async function setup() {
  const table = await usersTable();
  const writer = await FixtureWriter.open(table, 0, 10);
  return { table, writer, scanner: new LsmScanner(table, { writers: [writer] }) };
}

describe('filters apply after dedup', () => {
  it('an older version never resurfaces because the newest fails the filter', async () => {
    const { writer, scanner } = await setup();
    writer.put(usersBatch([user(1, 40), user(2, 20), user(3, 50)]));
    writer.freeze();
    await writer.flush();
    writer.put(usersBatch([user(1, 20), user(2, 40)])); // 1 drops out, 2 enters
    writer.delete(usersBatch([user(3)])); // 3's older version passes, but it is deleted
    const got = await scanner.scan({ filter: col('age').gt(30) }).toTable();
    expect(agesById(got)).toEqual(new Map([[2n, 40]]));
    writer.freeze();
    await writer.flush();
    expect(agesById(await scanner.scan({ filter: col('age').gt(30) }).toTable())).toEqual(new Map([[2n, 40]]));
  });

  it('with a key predicate that prunes, newer versions still decide', async () => {
    const { writer, scanner } = await setup();
    writer.put(usersBatch([user(5, 40)]));
    writer.freeze();
    await writer.flush();
    writer.put(usersBatch([user(5, 20)]));
    writer.freeze();
    await writer.flush();
    expect((await scanner.scan({ filter: and(col('id').eq(5n), col('age').gt(30)) }).toTable()).numRows).toBe(0);
    expect(agesById(await scanner.scan({ filter: col('id').in([5n, 6n]) }).toTable())).toEqual(new Map([[5n, 20]]));
  });
});

describe('filter semantics', () => {
  async function people() {
    const { writer, scanner } = await setup();
    writer.put(usersBatch([user(1, 10, 'ann'), user(2, null, 'bob'), user(3, 30, null), user(4, 40, 'dan'), user(5, 50, 'éva')]));
    return async (options: ScanOptions) => rowsOf(await scanner.scan(options).toTable()).map((r) => Number(r.id));
  }

  it('compares with three-valued logic for nulls', async () => {
    const ids = await people();
    expect(await ids({ filter: col('age').gt(20) })).toEqual([3, 4, 5]);
    expect(await ids({ filter: not(col('age').gt(20)) })).toEqual([1]); // null age stays unknown
    expect(await ids({ filter: col('age').isNull() })).toEqual([2]);
    expect(await ids({ filter: col('name').isNotNull() })).toEqual([1, 2, 4, 5]);
    expect(await ids({ filter: or(col('age').isNull(), col('age').le(10)) })).toEqual([1, 2]);
    expect(await ids({ filter: and(col('age').ge(30), col('age').ne(40)) })).toEqual([3, 5]);
    expect(await ids({ filter: col('age').gt(29.5) })).toEqual([3, 4, 5]);
  });

  it('handles strings (UTF-8 order), floats, 64-bit keys and in-lists', async () => {
    const ids = await people();
    expect(await ids({ filter: col('name').eq('bob') })).toEqual([2]);
    expect(await ids({ filter: col('name').ge('bz') })).toEqual([4, 5]);
    expect(await ids({ filter: col('name').in(['ann', 'éva', 'zed']) })).toEqual([1, 5]);
    expect(await ids({ filter: col('score').lt(15.5) })).toEqual([1, 3]);
    expect(await ids({ filter: col('id').in([2, 4n]) })).toEqual([2, 4]);
    expect(await ids({ filter: and(col('id').gt(1), col('id').le(3n)) })).toEqual([2, 3]);
    expect(await ids({ filter: col('age').in([10, 50]) })).toEqual([1, 5]);
  });

  it('applies limit after the filter', async () => {
    const ids = await people();
    expect(await ids({ filter: col('age').gt(0), limit: 2 })).toHaveLength(2);
    expect(await ids({ limit: 0 })).toEqual([]);
  });
});

describe('primary-key pruning', () => {
  it('reads only the generation files and row groups that can hold the key', async () => {
    const { writer, scanner } = await setup(); // rowGroupSize 10
    for (let g = 0; g < 6; g++) {
      writer.put(usersBatch(Array.from({ length: 50 }, (_, i) => user(g * 100 + i, g))));
      writer.freeze();
      await writer.flush();
    }
    scanner.resetStats();
    expect(agesById(await scanner.scan({ filter: col('id').eq(312n) }).toTable())).toEqual(new Map([[312n, 3]]));
    expect(scanner.stats.dataFileReads).toBe(1);
    expect(scanner.stats.rowGroupsRead).toBe(1);
    scanner.resetStats();
    const range = await scanner.scan({ filter: and(col('id').ge(405n), col('id').lt(415n)) }).toTable();
    expect([...agesById(range).keys()]).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(405 + i)));
    expect(scanner.stats.dataFileReads).toBe(1);
    expect(scanner.stats.rowGroupsRead).toBe(2);
    scanner.resetStats();
    expect((await scanner.scan({ filter: col('id').eq(999n) }).toTable()).numRows).toBe(0);
    expect(scanner.stats.dataFileReads).toBe(0);
  });
});

describe('projection and types', () => {
  it('returns the projected table columns in the order asked, with the table types and no system columns', async () => {
    const { writer, scanner } = await setup();
    writer.put(usersBatch([user(1, 10)]));
    writer.freeze();
    await writer.flush();
    writer.put(usersBatch([user(2, 20)]));
    const t = await scanner.scan({ columns: ['age', 'id'] }).toTable();
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`)).toEqual(['age:Int32:true', 'id:Int64:false']);
    for (const b of t.batches) expect(b.schema.fields.map((f) => f.name)).toEqual(['age', 'id']);
    const all = await scanner.scan().toTable();
    expect(all.schema.fields.map((f) => String(f.type))).toEqual(usersSchema.fields.map((f) => String(f.type)));
    expect(all.schema.fields.some((f) => f.name.startsWith('_ft_'))).toBe(false);
  });

  it('casts dictionary and large types found in stored files back to the table types', async () => {
    const table = await usersTable();
    await writeOddBaseFile(table);
    const t = await new LsmScanner(table).scan().toTable();
    expect(String(t.schema.fields[1].type)).toBe('Utf8');
    expect(rowsOf(t).map((r) => r.name)).toEqual(['x', null, 'x']);
  });

  it('rejects unknown columns and ill-typed literals with a message that says what to do', async () => {
    const { scanner } = await setup();
    expect(() => scanner.scan({ columns: ['nope'] })).toThrow(InvalidOptionsError);
    expect(() => scanner.scan({ columns: ['nope'] })).toThrow(/unknown column "nope" \(available: id, name, age, score\)/);
    expect(() => scanner.scan({ filter: col('nope').eq(1) })).toThrow(/unknown column "nope"/);
    expect(() => scanner.scan({ filter: col('age').eq('old') })).toThrow(/column "age" is Int32: compare it with/);
    expect(() => scanner.scan({ filter: col('id').eq(2 ** 60) })).toThrow(/bigint or an integral number/); // 1.5 is exact: it matches no key
    expect(() => scanner.scan({ filter: col('age').eq(null as never) })).toThrow(/isNull/);
    expect(() => scanner.scan({ limit: -1 })).toThrow(InvalidOptionsError);
  });
});

/** Two base files whose `name` column is stored as Dictionary<Int32, Utf8> and as LargeUtf8 (the table says Utf8). */
async function writeOddBaseFile(table: Table): Promise<void> {
  const files = [];
  for (const [ids, nameType] of [[[1n, 2n], new Dictionary(new Utf8(), new Int32())], [[3n], new LargeUtf8()]] as const) {
    const schema = new Schema([usersSchema.fields[0], new Field('name', nameType, true), usersSchema.fields[2], usersSchema.fields[3]]);
    const n = ids.length;
    const names = ids.map((i) => (i === 2n ? null : 'x'));
    const children = [
      makeData({ type: usersSchema.fields[0].type, length: n, nullCount: 0, data: BigInt64Array.from(ids) }),
      vectorFromArray(names, nameType).data[0],
      vectorFromArray(ids.map(() => 1), new Int32()).data[0],
      vectorFromArray(ids.map(() => 0.5), usersSchema.fields[3].type).data[0],
    ];
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
    const path = layout.baseDataFile();
    const keys = encodeKeys(batch, ['id']);
    const keyOffsets = Int32Array.from(keys.offsets);
    await table.store.putIfAbsent(path, writeParquetFile([batch], { rowGroupSize: 10 }));
    await table.store.putIfAbsent(keyIndexPathFor(path), encodeKeyIndex({ count: n, keyBytes: keys.bytes, keyOffsets, rows: Uint32Array.from(ids, (_, i) => i), firstBatch: new Int32Array(n).fill(-1), tombstone: new Uint8Array(n) }));
    const hex = (i: number) => keyToHex(keys.bytes.subarray(keys.offsets[i], keys.offsets[i + 1]));
    files.push({ path, keyIndexPath: keyIndexPathFor(path), rows: n, bytes: 1, rowGroupSize: 10, pkMin: hex(0), pkMax: hex(n - 1), shard: 0 });
  }
  const { version, doc } = await table.baseManifests.latest();
  await table.baseManifests.commit(version + 1, { ...doc, files, compacted: {}, note: 'test base' });
}
