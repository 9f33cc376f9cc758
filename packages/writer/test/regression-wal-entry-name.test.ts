/**
 * WAL entries are `FTW1` frames, not Arrow IPC, so tables of format version 2 name them
 * `.ftw`; tables of format version 1 keep `.arrow` for their whole life (the name is what a
 * writer claims with put-if-absent, so one table must never see two names). Before the
 * rename every table wrote `.arrow` (issue 15: names that claim a format they are not).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore, Table, layout, listWal, sealedJsonBytes, type ObjectStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '../src/index.js';
import { walWindowOf } from '../src/shard/wal.js';
import { makeTable, rowsBatch, tempDir } from './support/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => void (await Promise.all(cleanups.splice(0).map((c) => c()))));

async function freshStore(): Promise<LocalStore> {
  const { dir, cleanup } = await tempDir('ft-walname-');
  cleanups.push(cleanup);
  return new LocalStore(dir);
}

async function walNames(store: ObjectStore): Promise<string[]> {
  return (await store.list(layout.walDir(0))).map((m) => m.key.slice(layout.walDir(0).length));
}

/** Writes two acked batches and leaves the writer open (a crash: nothing flushed). */
async function writeUnflushed(table: Table): Promise<void> {
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  await w.put(rowsBatch([1, 2]));
  await w.put(rowsBatch([3]));
}

async function ids(table: Table, tail: boolean): Promise<bigint[]> {
  const scanner = new LsmScanner(table, { tail });
  const rows = (await scanner.scan({ columns: ['id'] }).toTable()).getChild('id')!.toArray() as BigInt64Array;
  return Array.from(rows).sort((a, b) => (a < b ? -1 : 1));
}

/** Reopens the writer (a replay) and closes it (a flush): the replayed rows are then committed. */
async function replayAndFlush(store: ObjectStore): Promise<Table> {
  const table = await Table.open(store);
  await (await ShardWriter.open(table, { shard: 0 })).close();
  return table;
}

describe('WAL entry names', () => {
  it('a new table (format version 2) names every WAL entry .ftw and replays them', async () => {
    const store = await freshStore();
    const table = await makeTable(store);
    expect(table.doc.formatVersion).toBe(2);
    expect(table.walSuffix).toBe('.ftw');
    await writeUnflushed(table);
    const names = await walNames(store);
    expect(names.length).toBeGreaterThanOrEqual(3); // fence + two data entries
    for (const n of names) expect(n).toMatch(/^\d{20}\.ftw$/);
    for (const n of names) expect(new TextDecoder().decode((await store.get(layout.walDir(0) + n)).subarray(0, 4))).toBe('FTW1');
    expect(await ids(table, true)).toEqual([1n, 2n, 3n]); // a remote reader tails them
    expect(await ids(await replayAndFlush(store), false)).toEqual([1n, 2n, 3n]);
  });

  it('a table of format version 1 keeps .arrow entries, and reads and writes them', async () => {
    const store = await freshStore();
    await makeTable(store);
    const { checksum: _, ...doc } = JSON.parse(new TextDecoder().decode(await store.get(layout.tableDoc)));
    await store.put(layout.tableDoc, sealedJsonBytes({ ...doc, formatVersion: 1 }));
    const legacy = await Table.open(store);
    expect(legacy.walSuffix).toBe('.arrow');
    // builds without replay rule 5 still open version 1 tables: their writers keep one entry in flight
    expect(walWindowOf(legacy, 8)).toBe(1);
    expect(walWindowOf(await Table.create(await freshStore(), { schema: legacy.schema, primaryKey: ['id'] }), 8)).toBe(8);
    await writeUnflushed(legacy);
    for (const n of await walNames(store)) expect(n).toMatch(/^\d{20}\.arrow$/);
    expect(await ids(legacy, true)).toEqual([1n, 2n, 3n]);
    expect(await ids(await replayAndFlush(store), false)).toEqual([1n, 2n, 3n]);
    for (const n of await walNames(store)) expect(n).toMatch(/^\d{20}\.arrow$/);
  });

  it('a name with the other suffix is not an entry of the table', async () => {
    const store = await freshStore();
    const table = await makeTable(store);
    await writeUnflushed(table);
    const listed = await listWal(store, 0, -1, table.walSuffix);
    const foreign = layout.walEntry(0, listed.at(-1)!.position + 1, '.arrow');
    await store.put(foreign, await store.get(listed.at(-1)!.key));
    expect((await listWal(store, 0, -1, table.walSuffix)).map((l) => l.key)).toEqual(listed.map((l) => l.key));
    expect(await listWal(store, 0, -1, '.arrow')).toEqual([expect.objectContaining({ key: foreign })]);
  });
});
