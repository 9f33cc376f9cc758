/**
 * Story: after a compaction, reads skip what it absorbed and it rewrote no more
 * than it had to (DESIGN.md invariant 1, "Compaction, versions, GC").
 *
 * - A scan reads each base file and each uncompacted generation once, and no
 *   compacted generation (counted with `scanner.stats.dataFileReads`).
 * - Base files whose key range holds no new key are not rewritten; a shard's base
 *   files keep disjoint key ranges.
 * - `containsPksAsOf` / `freshTierBlockList` with a cut taken before the compaction
 *   answer exactly as before it (invariant 10).
 */
import { MemoryStore, type BaseFile, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, type CompactionProgress } from '../src/index.js';
import { keysBatch, makeTable, rangeBatch, rowsBatch } from './support/fixtures.js';
import { modelRows, tableRows } from './support/table-state.js';

async function setup(): Promise<{ table: Table; writer: ShardWriter; model: Map<number, number> }> {
  const table = await makeTable(new MemoryStore());
  const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, rowGroupSize: 100 });
  const model = new Map<number, number>();
  const put = async (lo: number, hi: number, v: number) => {
    await writer.put(rangeBatch(lo, hi, v));
    for (let id = lo; id < hi; id++) model.set(id, v);
  };
  await put(0, 1000, 1);
  await writer.flush();
  await put(0, 100, 2);
  await writer.flush();
  await writer.delete(keysBatch(Array.from({ length: 10 }, (_, i) => 500 + i)));
  for (let id = 500; id < 510; id++) model.delete(id);
  await writer.flush();
  return { table, writer, model };
}

function shardFiles(files: readonly BaseFile[]): BaseFile[] {
  return [...files].sort((a, b) => (a.pkMin! < b.pkMin! ? -1 : 1));
}

function expectDisjoint(files: readonly BaseFile[]): void {
  const sorted = shardFiles(files);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1].pkMax! < sorted[i].pkMin!).toBe(true);
}

describe('compaction skips', () => {
  it('scans read each base file and uncompacted generation once, never a compacted one', async () => {
    const { table, writer, model } = await setup();
    const progress: CompactionProgress[] = [];
    const r = await compact(table, { shard: 0, maxFileRows: 300, rowGroupSize: 100, onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ committed: true, generations: [1, 2, 3], compactedThrough: 3, rowsWritten: 990 });
    expect(r.filesWritten).toHaveLength(4);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['plan', 'read', 'merge', 'write', 'commit', 'done']));
    expect(progress.at(-1)).toMatchObject({ filesRead: 3, filesToRead: 3, rowsMerged: 990, filesWritten: 4 });
    await writer.put(rangeBatch(1000, 1010, 3));
    for (let id = 1000; id < 1010; id++) model.set(id, 3);
    await writer.flush();
    const scanner = new LsmScanner(table);
    scanner.resetStats();
    const rows = await scanner.scan().toTable();
    expect(rows.numRows).toBe(model.size);
    expect(scanner.stats.dataFileReads).toBe(4 + 1);
    expect(await tableRows(table)).toEqual(modelRows(model));
    const { doc: base } = await table.baseManifests.latest();
    expect(base.files.every((f) => f.keyIndexPath && f.pkMin && f.pkMax && f.rowGroupSize === 100)).toBe(true);
    expectDisjoint(base.files);
    await writer.close();
  });

  it('rewrites only the base files whose key range holds a new key or tombstone', async () => {
    const { table, writer, model } = await setup();
    await compact(table, { shard: 0, maxFileRows: 300 });
    const before = shardFiles((await table.baseManifests.latest()).doc.files);
    expect(before).toHaveLength(4);
    await writer.put(rowsBatch([5, 7], 9)); // inside the first file's range
    await writer.delete(keysBatch([950])); // inside the last file's range
    await writer.put(rowsBatch([5000], 9)); // beyond every file: goes into a new file
    model.set(5, 9).set(7, 9).set(5000, 9).delete(950);
    await writer.flush();
    const r = await compact(table, { shard: 0, maxFileRows: 300 });
    expect([...r.filesRewritten].sort()).toEqual([before[0].path, before[3].path].sort());
    const after = (await table.baseManifests.latest()).doc.files;
    expect(after.map((f) => f.path)).toEqual(expect.arrayContaining([before[1].path, before[2].path]));
    expectDisjoint(after);
    expect(await tableRows(table)).toEqual(modelRows(model));
    const again = await compact(table, { shard: 0 });
    expect(again.committed).toBe(false); // nothing new: no empty version is committed
    await writer.close();
  });

  it('answers containsPksAsOf / freshTierBlockList exactly with a cut taken before the compaction', async () => {
    const table = await makeTable(new MemoryStore());
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await writer.put(rangeBatch(0, 50, 1));
    await writer.flush();
    await compact(table, { shard: 0 }); // ids 0..49 are base rows
    await writer.put(rangeBatch(40, 60, 2)); // generation 2: supersedes base ids 40..49
    await writer.flush();
    await writer.put(rowsBatch([10], 3)); // active generation, batch 0
    await writer.put(rowsBatch([11], 3)); // batch 1
    const scanner = new LsmScanner(table, { writers: [writer] });
    const result = scanner.scan();
    const cuts = await result.cuts;
    await result.toTable();
    const keys = [0, 10, 11, 12, 45, 55, 70].map((id) => ({ id: BigInt(id) }));
    const expected = [false, true, true, false, true, true, false];
    expect(await scanner.containsPksAsOf(keys, cuts)).toEqual(expected);
    await writer.put(rowsBatch([12, 70], 4)); // after the cut
    await writer.flush();
    await compact(table, { shard: 0 });
    expect((await table.baseManifests.latest()).doc.compacted['0']).toBe(writer.activeGeneration - 1);
    for (const s of [scanner, new LsmScanner(table)]) {
      expect(await s.containsPksAsOf(keys, cuts)).toEqual(expected);
      expect(await s.freshTierBlockList(keys, cuts)).toEqual([1, 2, 4, 5]);
    }
    await writer.close();
  });
});
