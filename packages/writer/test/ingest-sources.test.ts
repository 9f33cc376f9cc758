/**
 * Story: a bulk load from whatever the caller has — Arrow batches and tables,
 * Parquet bytes, Parquet files on disk, an async stream — lands as ONE generation
 * in the flush format (sorted, one row per key, key index), and bad input (wrong
 * schema, null keys, rows of another shard) is refused before anything is written.
 */
import { MemoryStore, NullPrimaryKeyError, SchemaMismatchError, InvalidOptionsError, readParquetFile, writeParquetFile, decodeKeyIndex } from '@freshtier/core';
import { Int32, Int64, RecordBatch, Table as ArrowTable, makeData, Schema, Field, Struct, vectorFromArray } from 'apache-arrow';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShardWriter, splitByShard } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch, rowsBatch, schema, tempDir } from './support/fixtures.js';
import { modelRows, tableRows } from './support/table-state.js';

describe('ingest sources', () => {
  it('takes batches, tables, Parquet bytes and paths, and async streams as one generation', async () => {
    const table = await makeTable(new MemoryStore());
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    const { dir, cleanup } = await tempDir();
    const file = path.join(dir, 'day.parquet');
    await writeFile(file, writeParquetFile([rangeBatch(40, 50, 4)]));
    async function* stream() {
      yield rangeBatch(0, 10, 1);
      yield new ArrowTable([rangeBatch(5, 20, 2)]);
      yield writeParquetFile([rangeBatch(30, 40, 3)]);
      yield file;
    }
    const r = await writer.ingest(stream());
    expect(r).toMatchObject({ rows: 45, fileRows: 40, batches: 4 });
    const [entry] = writer.manifest.doc.flushed;
    expect(entry).toMatchObject({ generation: r.generation, source: 'ingest', walLast: -1, batchRowOffsets: [0, 10, 25, 35, 45] });
    const ids = readParquetFile(await table.store.get(entry.file.path), entry.file.path).getChild('id')!.toArray();
    expect(Array.from(ids as BigInt64Array, Number)).toEqual([...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 30 + i)]);
    const index = decodeKeyIndex(await table.store.get(entry.file.keyIndexPath!), entry.file.keyIndexPath!);
    expect(index.count).toBe(40);
    expect(index.firstBatch[5]).toBe(0); // id 5: first in batch 0, newest from batch 1
    const model = new Map<number, number>();
    for (const [lo, hi, v] of [[0, 10, 1], [5, 20, 2], [30, 40, 3], [40, 50, 4]]) for (let id = lo; id < hi; id++) model.set(id, v);
    expect(await tableRows(table, [writer])).toEqual(modelRows(model));
    await writer.close();
    await cleanup();
  });

  it('refuses bad input before writing anything', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store, { shards: 2 });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    const writes = store.count('putIfAbsent');
    const other = splitByShard(table, rangeBatch(0, 20)).get(1)!;
    await expect(writer.ingest([splitByShard(table, rangeBatch(0, 20)).get(0)!, other])).rejects.toThrow(InvalidOptionsError);
    const nullKey = new RecordBatch(schema, makeData({
      type: new Struct(schema.fields), length: 1, nullCount: 0,
      children: [vectorFromArray([null], new Int64()).data[0], vectorFromArray([1], new Int32()).data[0], vectorFromArray(['x']).data[0]],
    }));
    await expect(writer.ingest(nullKey)).rejects.toThrow(NullPrimaryKeyError);
    const narrow = new Schema([new Field('id', new Int64(), false)]);
    const idsOnly = new RecordBatch(narrow, makeData({ type: new Struct(narrow.fields), length: 1, nullCount: 0, children: [vectorFromArray([1n], new Int64()).data[0]] }));
    await expect(writer.ingest(writeParquetFile([idsOnly]))).rejects.toThrow(SchemaMismatchError);
    await expect(writer.ingest(rowsBatch([1]).slice(0, 0))).resolves.toMatchObject({ generation: undefined });
    expect(store.count('putIfAbsent')).toBe(writes);
    await writer.close();
  });

  it('appends on append-only tables', async () => {
    const table = await makeTable(new MemoryStore(), { appendOnly: true });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await writer.put(rowsBatch([1, 1], 1));
    const r = await writer.ingest([rowsBatch([1, 2], 2), rowsBatch([2], 3)]);
    expect(r).toMatchObject({ rows: 3, fileRows: 3 });
    await writer.put(rowsBatch([3], 4));
    expect((await tableRows(table, [writer])).map((x) => [x.id, x.v])).toEqual([['1', 1], ['1', 1], ['1', 2], ['2', 2], ['2', 3], ['3', 4]]);
    await writer.close();
  });
});
