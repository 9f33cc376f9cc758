/**
 * Story: table versions, tags and checkout (docs/base-table.md "Versions and tags").
 * A team lists what changed, tags the table before a risky import, and reads the
 * tagged version back — unchanged by later writes, flushes and compactions.
 */
import { AlreadyExistsError, InvalidOptionsError, MemoryStore, NotFoundError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, checkout, compact, deleteTag, head, splitByShard, tag, tags, versions } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { modelRows, plainRows, tableRows } from './support/table-state.js';

async function setup() {
  const table = await makeTable(new MemoryStore(), { shards: 2 });
  const writers = await Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard, autoFlush: false })));
  const model = new Map<number, number>();
  const put = async (lo: number, hi: number, v: number) => {
    for (const [s, part] of splitByShard(table, rangeBatch(lo, hi, v))) await writers[s].put(part);
    for (let id = lo; id < hi; id++) model.set(id, v);
    for (const w of writers) await w.flush();
  };
  return { table, writers, model, put };
}

describe('versions, tags and checkout', () => {
  it('list every commit with the table version it produced', async () => {
    const { table, writers, put } = await setup();
    await put(0, 20, 1);
    await compact(table, { shard: 0 });
    const list = await versions(table);
    const now = await head(table);
    expect(list.at(-1)).toMatchObject({ manifest: 'base', version: 1, baseVersion: now.baseVersion, shardVersions: now.shardVersions });
    expect(list.map((v) => v.note)).toEqual(expect.arrayContaining([expect.stringMatching(/^claim epoch 1/), expect.stringMatching(/^flush generation/), expect.stringMatching(/^compact shard 0/)]));
    const times = list.map((v) => v.committedAt);
    expect([...times].sort()).toEqual(times);
    for (const v of list) expect(v.shardVersions).toHaveLength(2);
    await Promise.all(writers.map((w) => w.close()));
  });

  it('tag a version and check it out later, read-only and unchanged', async () => {
    const { table, writers, model, put } = await setup();
    await put(0, 30, 1);
    const tagged = await tag(table, 'before-import');
    const expected = modelRows(model);
    await put(10, 40, 2);
    await Promise.all([0, 1].map((shard) => compact(table, { shard })));
    await put(0, 5, 3);
    const old = await checkout(table, 'before-import');
    expect(plainRows(await old.scan().toTable())).toEqual(expected);
    expect(await old.containsPks([{ id: 35n }, { id: 29n }])).toEqual([false, true]);
    const byVersion = await checkout(table, { baseVersion: tagged.baseVersion, shardVersions: [tagged.shardVersions['0'], tagged.shardVersions['1']] });
    expect(plainRows(await byVersion.scan().toTable())).toEqual(expected);
    expect(await tableRows(table, writers)).toEqual(modelRows(model));
    await Promise.all(writers.map((w) => w.close()));
  });

  it('create tags once, list them, delete them', async () => {
    const { table, writers, put } = await setup();
    await put(0, 5, 1);
    await tag(table, 'a');
    const first = (await versions(table))[0];
    await tag(table, 'b.1', first);
    await expect(tag(table, 'a')).rejects.toThrow(AlreadyExistsError);
    await expect(tag(table, '../x')).rejects.toThrow(InvalidOptionsError);
    await expect(tag(table, 'c', { baseVersion: 99, shardVersions: [0, 0] })).rejects.toThrow(NotFoundError);
    await expect(tag(table, 'c', { baseVersion: 0, shardVersions: [0] })).rejects.toThrow(/one version per shard/);
    expect((await tags(table)).map((t) => t.name)).toEqual(['a', 'b.1']);
    await deleteTag(table, 'a');
    expect((await tags(table)).map((t) => t.name)).toEqual(['b.1']);
    await expect(deleteTag(table, 'a')).rejects.toThrow(NotFoundError);
    await expect(checkout(table, 'a')).rejects.toThrow(/no tag "a"/);
    await Promise.all(writers.map((w) => w.close()));
  });
});
