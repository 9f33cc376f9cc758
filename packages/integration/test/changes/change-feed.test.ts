/**
 * The change feed's rows, one case each: an identical rewrite is no change; an update is
 * update_before then update_after; an append-only table's new generations are inserts
 * and a rollback's undone ones deletes; bad options are typed errors; a `from` whose
 * generation files GC removed is SNAPSHOT_EXPIRED, never a silently short feed.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { ShardWriter, changes, compact, gc, rollback, tag } from '@freshtier/writer';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

const schema = new Schema([new Field('id', new Int64(), false), new Field('v', new Int32(), true)]);
function rows(ids: number[], v: number): RecordBatch {
  const children = [
    makeData({ type: new Int64(), length: ids.length, data: BigInt64Array.from(ids, BigInt) }),
    makeData({ type: new Int32(), length: ids.length, data: Int32Array.from(ids, () => v) }),
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

async function feed(table: Table, from: string, to?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of changes(table, { from, ...(to ? { to } : {}) })) {
    for (let r = 0; r < b.numRows; r++) out.push(`${b.getChild('_ft_op')!.get(r)} ${b.getChild('id')!.get(r)}=${b.getChild('v')!.get(r)}`);
  }
  return out;
}

describe('change feed rows', () => {
  it('skips identical rewrites and pairs update_before with update_after', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 1 });
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rows([1, 2, 3], 0));
    await w.flush();
    await tag(table, 'a');
    await w.put(rows([1], 0)); // the same values again
    await w.put(rows([2], 7));
    await w.put(rows([4], 1));
    await w.delete(new RecordBatch(new Schema([schema.fields[0]]), makeData({ type: new Struct([schema.fields[0]]), length: 1, nullCount: 0, children: [makeData({ type: new Int64(), length: 1, data: BigInt64Array.of(3n) })] })));
    await w.flush();
    expect(await feed(table, 'a')).toEqual(['update_before 2=0', 'update_after 2=7', 'delete 3=0', 'insert 4=1']);
    await w.close();
  });

  it('append-only: new generations are inserts; a rollback\'s undone ones are deletes', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: [], shards: 1 });
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rows([1, 1], 0));
    await w.flush();
    await tag(table, 'a');
    await w.put(rows([2], 5));
    await w.flush();
    await tag(table, 'b');
    expect(await feed(table, 'a', 'b')).toEqual(['insert 2=5']);
    await w.close();
    await rollback(table, 'a');
    expect(await feed(table, 'b')).toEqual(['delete 2=5']);
  });

  it('refuses bad options, and a from version whose files GC removed', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'], shards: 1 });
    await expect(feed(table, '')).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(changes(table, { from: 'x', batchSize: 0 }).next()).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(feed(table, 'no-such-tag')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    await w.put(rows([1], 0));
    await w.flush();
    const from = { baseVersion: await table.baseManifests.latestVersion(), shardVersions: [await table.shardManifests(0).latestVersion()] };
    await w.put(rows([1], 1));
    await w.flush();
    await w.close();
    await compact(table, { shard: 0 });
    await gc(table, { olderThan: 0 });
    const err = await (async () => {
      for await (const _ of changes(table, { from })) void _;
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SNAPSHOT_EXPIRED' });
  });
});
