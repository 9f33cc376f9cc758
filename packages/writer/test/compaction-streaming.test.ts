/**
 * Streaming compaction (issue 16): the merge holds at most a few decoded row groups per
 * input run, whatever the shard's size, and writes base files while it still reads —
 * never every input decoded first.
 */
import { MemoryStore, Table, type ObjectStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { compactProbed } from '../src/maintenance/compaction.js';
import { idsBatch, mergeRows, mergeSchema, mergeTable, rowsOf } from './support/merge-fixtures.js';
import { LsmScanner } from '@freshtier/scanner';

/** A store recording the order of data-file reads and base-file writes. */
function recording(inner: ObjectStore, events: string[]): ObjectStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'get') return (key: string) => (key.endsWith('.parquet') && events.push(`get ${key}`), target.get(key));
      if (prop === 'putIfAbsent') return (key: string, data: Uint8Array) => (key.endsWith('.parquet') && events.push(`put ${key}`), target.putIfAbsent(key, data));
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const RG = 20;

/** 1,000 keys in base files of 200 rows (10 row groups each), then three generations of updates and deletes. */
async function shard(events: string[]) {
  const table = await mergeTable(recording(new MemoryStore(), events), {});
  const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none', rowGroupSize: RG });
  const model = new Map<number, [number, number | null, string | null]>();
  const put = async (ids: number[], v: number) => {
    await writer.put(mergeRows(ids.map((id) => [id, v, v, `s${id}-${v}`])));
    for (const id of ids) model.set(id, [v, v, `s${id}-${v}`]);
  };
  await put(Array.from({ length: 1000 }, (_, i) => i), 0);
  await writer.flush();
  await compactProbed(table, { shard: 0, maxFileRows: 200, rowGroupSize: RG });
  for (let g = 1; g <= 3; g++) {
    await put(Array.from({ length: 100 }, (_, i) => i * 10 + g), g); // spread over every base file
    await writer.delete(idsBatch(Array.from({ length: 20 }, (_, i) => i * 50 + g + 4)));
    for (let i = 0; i < 20; i++) model.delete(i * 50 + g + 4);
    await writer.flush();
  }
  return { table, writer, model };
}

describe('streaming compaction', () => {
  it('holds at most three decoded row groups per input run, of the 68 it reads', async () => {
    const events: string[] = [];
    const { table, writer, model } = await shard(events);
    let peak = 0;
    let acquired = 0;
    let last = 0;
    const r = await compactProbed(table, { shard: 0, maxFileRows: 200, rowGroupSize: RG }, {
      onHeld: (n) => {
        if (n > last) acquired++;
        last = n;
        peak = Math.max(peak, n);
      },
    });
    expect(r.filesRewritten).toHaveLength(5);
    const runs = 1 + 3; // the rewritten base files are one run (disjoint key ranges), plus a run per generation
    expect(acquired).toBeGreaterThanOrEqual(50 + 3 * 6); // 1,000 base rows + 3 × 120 generation rows, 20 per row group
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3 * runs);
    expect(last).toBe(0); // every row group held was given back
    const rows = rowsOf(await new LsmScanner(table).scan().toTable());
    expect(rows).toEqual([...model].sort((a, b) => a[0] - b[0]).map(([id, [ts, v, s]]) => ({ id: BigInt(id), ts: BigInt(ts), v, s })));
    await writer.close();
  });

  it('writes base files while it still reads the rewritten ones (not everything decoded first)', async () => {
    const events: string[] = [];
    const { table, writer } = await shard(events);
    events.length = 0;
    const { doc: before } = await table.baseManifests.latest();
    await compactProbed(table, { shard: 0, maxFileRows: 200, rowGroupSize: RG });
    const baseReads = before.files.map((f) => events.indexOf(`get ${f.path}`));
    const firstPut = events.findIndex((e) => e.startsWith('put base/'));
    expect(baseReads.every((i) => i >= 0)).toBe(true);
    expect(firstPut).toBeGreaterThan(0);
    expect(firstPut).toBeLessThan(Math.max(...baseReads)); // the last base file is read after the first new one is out
    await writer.close();
  });

  it.each([
    ['keys in the gaps on both sides of a kept file', [12, 15, 35], [['12', '15'], ['35', '35']]],
    ['keys before the first and after the last kept file', [-5, 60], [['-5', '-5'], ['60', '60']]],
    ['keys in one gap', [31, 33], [['31', '33']]],
  ] as const)('never writes a file spanning a base file that stays: %s', async (_, fresh, want) => {
    const table = await Table.create(new MemoryStore(), { schema: mergeSchema, primaryKey: ['id'] });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none' });
    const base = [...Array(10).keys()].flatMap((i) => [i, 20 + i, 40 + i]);
    await writer.put(mergeRows(base.map((id) => [id, 0, id, null])));
    await writer.flush();
    await compactProbed(table, { shard: 0, maxFileRows: 10 });
    const kept = (await table.baseManifests.latest()).doc.files.map((f) => f.path).sort();
    await writer.put(mergeRows(fresh.map((id) => [id, 1, id, null])));
    await writer.flush();
    const r = await compactProbed(table, { shard: 0, maxFileRows: 1000 });
    expect(r.filesRewritten).toEqual([]);
    const id = (hex: string) => String(BigInt.asIntN(64, BigInt(`0x${hex}`) ^ (1n << 63n)));
    expect(r.filesWritten.map((f) => [id(f.pkMin!), id(f.pkMax!)])).toEqual(want);
    expect((await table.baseManifests.latest()).doc.files.map((f) => f.path).filter((p) => kept.includes(p)).sort()).toEqual(kept);
    await writer.close();
  });

  it('keeps the schema of an empty merge out of the base: every key deleted writes no file', async () => {
    const table = await Table.create(new MemoryStore(), { schema: mergeSchema, primaryKey: ['id'] });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none', rowGroupSize: RG });
    await writer.put(mergeRows(Array.from({ length: 50 }, (_, i) => [i, 0, i, null])));
    await writer.flush();
    await compactProbed(table, { shard: 0, maxFileRows: 30, rowGroupSize: RG });
    await writer.delete(idsBatch(Array.from({ length: 50 }, (_, i) => i)));
    await writer.flush();
    const r = await compactProbed(table, { shard: 0, maxFileRows: 30, rowGroupSize: RG });
    expect(r).toMatchObject({ committed: true, rowsWritten: 0, filesWritten: [] });
    expect(r.filesRewritten).toHaveLength(2);
    expect((await table.baseManifests.latest()).doc.files).toEqual([]);
    await writer.close();
  });
});
