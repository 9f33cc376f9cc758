/**
 * `FileReader` (file-reader.ts): how scans, lookups and compaction fetch data files
 * and key indexes — counted in `ScanStats`, key indexes cached, row groups checked
 * against the manifest entry, a file gone since the read pinned it reported as
 * `SnapshotExpiredError`, and an index built from the data when the entry names none.
 */
import { Field, Int32, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  CorruptEntryError, FileReader, Memtable, crc32, MemoryStore, SnapshotExpiredError, Table, emptyStats, encodeGeneration, encodeKeyIndex, encodeKeys,
  rowGroupCount, type DataFile, type KeyIndex,
} from '../src/index.js';

const schema = new Schema([new Field('id', new Int32(), false), new Field('name', new Utf8(), true)]);

function rows(ids: number[], tag: string): RecordBatch {
  const children = [vectorFromArray(ids, new Int32()).data[0], vectorFromArray(ids.map((i) => `${tag}${i}`), new Utf8()).data[0]];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

/** A table with one flushed-style file: ids 1..5, id 2 and 4 written twice, rowGroupSize 2. */
async function fixture() {
  const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 1 });
  const m = new Memtable(0, 1, true);
  [rows([5, 1, 2], 'a'), rows([2, 4, 3], 'b'), rows([4], 'c')].forEach((b, i) => m.append(b, 'put', encodeKeys(b, ['id']), i));
  const g = encodeGeneration(m, schema, m.batchCount, { rowGroupSize: 2 });
  await table.store.putIfAbsent('shards/0/gen/data.parquet', g.parquet);
  await table.store.putIfAbsent('shards/0/gen/data.keyidx', encodeKeyIndex(g.keyIndex!));
  const file: DataFile = { path: 'shards/0/gen/data.parquet', keyIndexPath: 'shards/0/gen/data.keyidx', rows: g.rows, bytes: g.parquet.byteLength, checksum: crc32(g.parquet), rowGroupSize: 2, pkMin: g.pkMin, pkMax: g.pkMax };
  return { table, file };
}

const keysOf = (ix: KeyIndex) => Array.from({ length: ix.count }, (_, i) => Buffer.from(ix.keyBytes.subarray(ix.keyOffsets[i], ix.keyOffsets[i + 1])).toString('hex'));

describe('FileReader', () => {
  it('counts data-file and key-index reads, and serves a key index again from its cache', async () => {
    const { table, file } = await fixture();
    const stats = emptyStats();
    const reader = new FileReader(table, stats, 1 << 20);
    const [a, b] = await Promise.all([reader.keyIndexOf(file, 'flushed'), reader.keyIndexOf(file, 'flushed')]);
    expect(b).toBe(a); // one fetch for concurrent callers
    expect(await reader.keyIndexOf(file, 'flushed')).toBe(a);
    expect(stats).toMatchObject({ keyIndexReads: 1, dataFileReads: 0 });
    const bytes = await reader.dataFile(file);
    const decoded = Array.from({ length: rowGroupCount(file) }, (_, rg) => reader.readRowGroup(bytes, file, rg).reduce((n, x) => n + x.numRows, 0));
    expect(decoded).toEqual([2, 2, 1]);
    expect(stats).toMatchObject({ dataFileReads: 1, rowGroupsRead: 3 });
    expect(stats.bytesRead).toBe(bytes.byteLength + (await table.store.get(file.keyIndexPath!)).byteLength);
  });

  it('without cache room every key-index request fetches again', async () => {
    const { table, file } = await fixture();
    const reader = new FileReader(table, emptyStats(), 0);
    await reader.keyIndexOf(file, 'flushed');
    await reader.keyIndexOf(file, 'flushed');
    expect(reader.stats.keyIndexReads).toBe(2);
  });

  it('builds the same keys and rows from the data when the entry names no key index', async () => {
    const { table, file } = await fixture();
    const reader = new FileReader(table, emptyStats(), 1 << 20);
    const fromFile = await reader.keyIndexOf(file, 'flushed');
    const fromData = await reader.keyIndexOf({ ...file, keyIndexPath: undefined }, 'flushed');
    expect(keysOf(fromData)).toEqual(keysOf(fromFile));
    expect([...fromData.rows]).toEqual([...fromFile.rows]);
    expect([...fromData.tombstone]).toEqual([...fromFile.tombstone]);
    expect(reader.stats.dataFileReads).toBe(1);
  });

  it('refuses a row group whose row count differs from the manifest entry (CorruptEntryError)', async () => {
    const { table, file } = await fixture();
    const reader = new FileReader(table, emptyStats(), 1 << 20);
    const bytes = await reader.dataFile(file);
    expect(() => reader.readRowGroup(bytes, { ...file, rows: 6 }, 2)).toThrow(CorruptEntryError);
  });

  it('a file removed after the read pinned it fails the read with SnapshotExpiredError', async () => {
    const { table, file } = await fixture();
    await table.store.delete(file.keyIndexPath!);
    const reader = new FileReader(table, emptyStats(), 1 << 20);
    await expect(reader.keyIndexOf(file, 'flushed')).rejects.toThrow(SnapshotExpiredError);
    await expect(reader.dataFile({ path: 'shards/0/gone.parquet', bytes: 0 })).rejects.toThrow(SnapshotExpiredError);
  });
});
