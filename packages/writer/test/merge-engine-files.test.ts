/**
 * What the write side stores under the merge engines (docs/merge-engines.md "Stored
 * state"): flushed generations carry `_ft_cut` and, with a sequence field, the
 * `_ft_seq_<column>` state columns; base files carry only the latter; a deduplicate
 * table's files are exactly as before. The flush worker builds the same policy from
 * the table's stored options (byte-identical files), and bulk ingest merges like a flush.
 */
import { MemoryStore, readParquetFile, type MergeSpec, type ObjectStore, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { sharedFlushPool } from '../src/flush/flush-pool.js';
import { ShardWriter, compact } from '../src/index.js';
import { idsBatch, mergeRows, mergeTable, rowsOf } from './support/merge-fixtures.js';

async function columnsOf(store: ObjectStore, path: string): Promise<string[]> {
  return readParquetFile(await store.get(path), path).schema.fields.map((f) => f.name);
}

async function write(spec: MergeSpec, flushInWorker = false): Promise<{ store: ObjectStore; table: Table; writer: ShardWriter }> {
  const store = new MemoryStore();
  const table = await mergeTable(store, spec);
  const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker, durability: 'none' });
  await writer.put(mergeRows([[1, 5, 10, null], [2, 1, null, 'b'], [1, 3, 9, 'late']]));
  await writer.delete(idsBatch([2]));
  await writer.put(mergeRows([[2, 0, 7, null]]));
  await writer.flush();
  return { store, table, writer };
}

describe('stored state columns', () => {
  it('partial-update with a sequence field: generations carry _ft_cut and _ft_seq_*, base files _ft_seq_*', async () => {
    const { store, table, writer } = await write({ mergeEngine: 'partial-update', sequenceField: 'ts' });
    const [gen] = writer.manifest.doc.flushed;
    expect(await columnsOf(store, gen.file.path)).toEqual(['id', 'ts', 'v', 's', '_ft_batch', '_ft_tombstone', '_ft_cut', '_ft_seq_v', '_ft_seq_s']);
    await compact(table, { shard: 0 });
    const base = (await table.baseManifests.latest()).doc.files;
    expect(await columnsOf(store, base[0].path)).toEqual(['id', 'ts', 'v', 's', '_ft_seq_v', '_ft_seq_s']);
    // key 1: v from ts 5 (newer than the late ts 3), s from the late ts 3 (ts 5 left it null); key 2: history cut by the delete
    expect(rowsOf(await new LsmScanner(table, { writers: [writer] }).scan().toTable())).toEqual([
      { id: 1n, ts: 5n, v: 10, s: 'late' }, { id: 2n, ts: 0n, v: 7, s: null },
    ]);
    await writer.close();
  });

  it('first-row without a sequence field: only _ft_cut; deduplicate: the files of before', async () => {
    const first = await write({ mergeEngine: 'first-row' });
    expect(await columnsOf(first.store, first.writer.manifest.doc.flushed[0].file.path)).toEqual(['id', 'ts', 'v', 's', '_ft_batch', '_ft_tombstone', '_ft_cut']);
    const dedup = await write({});
    expect(await columnsOf(dedup.store, dedup.writer.manifest.doc.flushed[0].file.path)).toEqual(['id', 'ts', 'v', 's', '_ft_batch', '_ft_tombstone']);
    await compact(dedup.table, { shard: 0 });
    expect(await columnsOf(dedup.store, (await dedup.table.baseManifests.latest()).doc.files[0].path)).toEqual(['id', 'ts', 'v', 's']);
    await Promise.all([first.writer.close(), dedup.writer.close()]);
  });
});

describe('the flush worker merges like the writer thread', () => {
  it.each([
    [{ mergeEngine: 'partial-update', sequenceField: 'ts' }],
    [{ mergeEngine: 'aggregate', aggregates: { v: 'sum', s: 'max' } }],
    [{ mergeEngine: 'first-row', sequenceField: 'ts' }],
  ] as [MergeSpec][])('%j: byte-identical files', async (spec) => {
    expect(await sharedFlushPool().ready()).toBe(true); // (a flush while the worker still starts runs in-process)
    const [inWorker, inProcess] = await Promise.all([write(spec, true), write(spec, false)]);
    const bytes = async (w: typeof inWorker) => Buffer.from(await w.store.get(w.writer.manifest.doc.flushed[0].file.path));
    expect((await bytes(inWorker)).equals(await bytes(inProcess))).toBe(true);
    await Promise.all([inWorker.writer.close(), inProcess.writer.close()]);
  });
});

describe('ingest under a merge engine', () => {
  it('merges the ingested versions of a key like a flush, and later puts merge on top', async () => {
    const table = await mergeTable(new MemoryStore(), { mergeEngine: 'aggregate', aggregates: { v: 'sum', s: 'max' } });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none' });
    await writer.put(mergeRows([[1, 0, 1, 'a']]));
    await writer.ingest([mergeRows([[1, 0, 10, 'c'], [2, 0, 5, null]]), mergeRows([[1, 0, 100, 'b']])]);
    await writer.put(mergeRows([[1, 0, 1000, null]]));
    expect(rowsOf(await new LsmScanner(table, { writers: [writer] }).scan().toTable())).toEqual([
      { id: 1n, ts: 0n, v: 1111, s: 'c' }, { id: 2n, ts: 0n, v: 5, s: null },
    ]);
    await writer.close();
  });
});
