/**
 * Filter and projection checks that need no writer: casting types found in stored files
 * back to the table types, and bad columns and literals. (Filters over written data run
 * against the real writer in packages/integration/test/scanner/filter.test.ts.)
 */
import { InvalidOptionsError, crc32, encodeKeyIndex, encodeKeys, keyIndexPathFor, keyToHex, layout, writeParquetFile, type Table } from '@freshtier/core';
import { Dictionary, Int32, LargeUtf8, RecordBatch, Schema, Field, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { LsmScanner, col } from '../src/index.js';
import { rowsOf, usersSchema, usersTable } from './support/data.js';

describe('projection and types', () => {
  it('casts dictionary and large types found in stored files back to the table types', async () => {
    const table = await usersTable();
    await writeOddBaseFile(table);
    const t = await new LsmScanner(table).scan().toTable();
    expect(String(t.schema.fields[1].type)).toBe('Utf8');
    expect(rowsOf(t).map((r) => r.name)).toEqual(['x', null, 'x']);
  });

  it('rejects unknown columns and ill-typed literals with a message that says what to do', async () => {
    const scanner = new LsmScanner(await usersTable());
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
    const parquet = writeParquetFile([batch], { rowGroupSize: 10 });
    await table.store.putIfAbsent(path, parquet);
    await table.store.putIfAbsent(keyIndexPathFor(path), encodeKeyIndex({ count: n, keyBytes: keys.bytes, keyOffsets, rows: Uint32Array.from(ids, (_, i) => i), firstBatch: new Int32Array(n).fill(-1), tombstone: new Uint8Array(n) }));
    const hex = (i: number) => keyToHex(keys.bytes.subarray(keys.offsets[i], keys.offsets[i + 1]));
    files.push({ path, keyIndexPath: keyIndexPathFor(path), rows: n, bytes: parquet.byteLength, checksum: crc32(parquet), rowGroupSize: 10, pkMin: hex(0), pkMax: hex(n - 1), shard: 0 });
  }
  const { version, doc } = await table.baseManifests.latest();
  await table.baseManifests.commit(version + 1, { ...doc, files, compacted: {}, note: 'test base' });
}
