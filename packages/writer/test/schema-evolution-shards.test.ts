/**
 * A schema change on a table of three shards (issue 17): the change is table-wide, each
 * shard's writer learns of it on its own. Shard writers acked rows under version 0; then the
 * key column is renamed and a column added. One writer closes cleanly, one crashes (its
 * successor replays version-0 WAL entries), one stays stale (its put after a flush is
 * SCHEMA_CHANGED). A tailing reader, `get` by the renamed key, and compactions of every
 * shard all read the rows projected onto the new schema.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Int32, Int64, Utf8, type Table as ArrowTable } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, evolveSchema, splitByShard } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { canon } from './support/schema-values.js';

const SHARDS = 3;
const show = (t: ArrowTable) => {
  const names = t.schema.fields.map((f) => f.name);
  return t.toArray().map((r) => names.map((n) => `${n}=${canon(r[n] ?? null)}`).join(' ')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
};
const open = (table: Table, shard: number) => ShardWriter.open(table, { shard, autoFlush: false });

describe('a schema change across shards', () => {
  it('each shard\'s writer closes, crashes or goes stale; every reader sees the projected rows', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store, { shards: SHARDS });
    const writers = await Promise.all(Array.from({ length: SHARDS }, (_, s) => open(table, s)));
    for (const [s, part] of splitByShard(table, rangeBatch(0, 30, 1))) await writers[s].put(part);
    await writers[0].flush();
    let t = await evolveSchema(await Table.open(store), { kind: 'rename-column', name: 'id', to: 'key' });
    t = await evolveSchema(t, { kind: 'add-column', name: 'c', type: new Utf8(), default: 'old' });
    expect(t.primaryKey).toEqual(['key']);

    await writers[0].close();
    const crashed = await open(t, 1); // fences writers[1], replays its version-0 entries
    await writers[2].flush();
    const err = await writers[2].put(rangeBatch(100, 101, 9)).then(() => undefined, (e: unknown) => e);
    expect(isFreshtierError(err, 'SCHEMA_CHANGED'), String(err)).toBe(true);
    await writers[2].close();

    const want = Array.from({ length: 30 }, (_, i) => `key=${i}n v=1 s="s${i}" c="old"`).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const reader = new LsmScanner(await Table.open(store), { tail: true });
    expect(show(await reader.scan().toTable())).toEqual(want);
    expect(show(await reader.get([{ key: 7n }, { key: 99n }]))).toEqual([want[7]]);

    const fresh = await Promise.all([0, 2].map((s) => open(t, s)));
    const now = [fresh[0], crashed, fresh[1]];
    const update = batchOf([['key', new Int64(), [3n, 4n, 5n, 40n], false], ['v', new Int32(), [2, 2, 2, 2]], ['s', new Utf8(), [null, null, null, 's40']], ['c', new Utf8(), ['new', null, 'new', 'new']]]);
    for (const [s, part] of splitByShard(t, update)) await now[s].put(part);
    for (const w of now) await w.close();
    for (let s = 0; s < SHARDS; s++) await compact(t, { shard: s });
    const after = show(await new LsmScanner(await Table.open(store)).scan().toTable());
    expect(after).toEqual([
      ...want.slice(0, 3), 'key=3n v=2 s=null c="new"', 'key=4n v=2 s=null c=null', 'key=5n v=2 s=null c="new"', ...want.slice(6), 'key=40n v=2 s="s40" c="new"',
    ]);
  });
});
