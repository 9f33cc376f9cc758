/**
 * Key indexes written before they were named `.keys.ftk` end in `.keys.arrow` (issue 15
 * renamed them; docs/format.md "Naming"). A table holding such files stays readable —
 * lookups and scans follow the manifest's `keyIndexPath`, `verify` checks them — and GC
 * still collects them once no retained version names them.
 */
import { MemoryStore, Table, keyIndexPathFor, layout, type ShardManifest } from '@freshtier/core';
import { LsmScanner, col } from '@freshtier/scanner';
import { ShardWriter, compact, gc, liveFiles, verify } from '@freshtier/writer';
import { Field, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Utf8(), true)]);
const rows = (ids: number[], v: string) => new RecordBatch(schema, makeData({
  type: new Struct(schema.fields), length: ids.length, nullCount: 0,
  children: [vectorFromArray(ids.map(BigInt), new Int64()).data[0], vectorFromArray(ids.map((i) => `${v}${i}`), new Utf8()).data[0]],
}));

/** Rewrites the newest shard manifest as an older build wrote it: its key indexes under `.keys.arrow`. */
async function renameToLegacy(table: Table): Promise<string[]> {
  const m = table.shardManifests(0);
  const { version, doc } = await m.latest();
  const legacy: string[] = [];
  const flushed = await Promise.all(doc.flushed.map(async (g) => {
    const old = g.file.keyIndexPath!.replace(/\.keys\.ftk$/, '.keys.arrow');
    await table.store.putIfAbsent(old, await table.store.get(g.file.keyIndexPath!));
    await table.store.delete(g.file.keyIndexPath!);
    legacy.push(old);
    return { ...g, file: { ...g.file, keyIndexPath: old } };
  }));
  await m.commit(version + 1, { ...doc, flushed, note: 'legacy names' } satisfies ShardManifest);
  return legacy;
}

describe('key indexes named .keys.arrow (tables written before the rename)', () => {
  it('are read by lookups, scans and verify, and collected by GC', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 1 });
    const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
    await w.put(rows([1, 2, 3], 'a'));
    await w.flush();
    await w.close();
    const legacy = await renameToLegacy(table);
    expect(legacy).toHaveLength(1);
    expect(layout.parse(legacy[0])).toMatchObject({ kind: 'generation-file', role: 'key-index' });
    const scanner = new LsmScanner(table);
    expect(await scanner.containsPks([{ id: 2n }, { id: 9n }])).toEqual([true, false]);
    expect((await scanner.scan({ filter: col('id').eq(3n) }).toTable()).numRows).toBe(1);
    expect((await verify(table)).ok).toBe(true);
    expect((await liveFiles(table)).files[0].keyIndexPath).toBe(legacy[0]);
    // a new writer's flush and a compaction write the new name beside the old one
    const w2 = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
    await w2.put(rows([3, 4], 'b'));
    await w2.flush();
    await w2.close();
    await compact(table, { shard: 0 });
    const base = (await liveFiles(table)).files;
    expect(base.map((f) => [f.kind, f.keyIndexPath === keyIndexPathFor(f.path)])).toEqual([['base', true]]);
    await gc(table, { olderThan: 0 });
    expect(await table.store.head(legacy[0])).toBeUndefined(); // collected: layout.parse knows the old name
    expect((await new LsmScanner(table).scan().toTable()).numRows).toBe(4);
  });
});
