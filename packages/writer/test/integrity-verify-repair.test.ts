/**
 * Story: `verify` finds a damaged object of every kind and says what it affects;
 * `repair` is a dry run by default (nothing stored changes), and with `apply`:
 * - a damaged WAL entry is set aside, the rows it held are named, and the writer
 *   opens again with every other acked row, later batches keeping their coordinates;
 * - a damaged flushed generation (data file or key index) is rebuilt from the WAL
 *   entries still stored, and every answer — `containsPksAsOf` too — is unchanged;
 * - a damaged base key index is rebuilt from its data file;
 * - a damaged base data file is rebuilt from the inputs of the compaction that wrote it,
 *   while GC has kept them; once it has not, no action;
 * - a damaged tag is deleted.
 * Runs on a real LocalStore in a temporary directory.
 */
import { LocalStore, layout, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardWriter, compact, listWal, repair, tag, verify } from '../src/index.js';
import { keysBatch, makeTable, rangeBatch, rowsBatch, tempDir } from './support/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Fixture {
  dir: string;
  store: LocalStore;
  table: Table;
}

/** Base files (ids 0..99), two flushed generations (100..149, 150..199 and a delete of 5), a tag, and three unflushed WAL entries (200..229). */
async function fixture(): Promise<Fixture> {
  const { dir, cleanup } = await tempDir('freshtier-integrity-');
  cleanups.push(cleanup);
  const store = new LocalStore(dir);
  const table = await makeTable(store);
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  await w.put(rangeBatch(0, 100, 1));
  await w.flush();
  await compact(table, { shard: 0 });
  await w.put(rangeBatch(100, 150, 2));
  await w.flush();
  await w.put(rangeBatch(150, 200, 3));
  await w.delete(keysBatch([5]));
  await w.flush();
  await tag(table, 'nightly');
  for (let i = 0; i < 3; i++) await w.put(rangeBatch(200 + i * 10, 210 + i * 10, 4)); // acked, never flushed
  return { dir, store, table }; // w is abandoned, as after a crash
}

async function flip(f: Fixture, key: string, at = 0.5): Promise<void> {
  const file = path.join(f.dir, key);
  const bytes = await readFile(file);
  bytes[Math.floor(bytes.length * at)] ^= 0x10;
  await writeFile(file, bytes);
}

/** Every stored object's bytes, by key. */
async function snapshotFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, full), (await readFile(full)).toString('base64'));
  }
  return out;
}

async function ids(table: Table, writer?: ShardWriter): Promise<number[]> {
  const t = await new LsmScanner(table, writer ? { writers: [writer] } : {}).scan({ columns: ['id'] }).toTable();
  return [...t.getChild('id')!].map(Number).sort((a, b) => a - b);
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);
const allIds = [...range(0, 5), ...range(6, 230)];

describe('verify', () => {
  it('passes a healthy table and checks every kind of object', async () => {
    const f = await fixture();
    const kinds: string[] = [];
    const report = await verify(f.table, { onProgress: (p) => kinds.push(layout.parse(p.path)?.kind ?? p.path) });
    expect(report).toMatchObject({ ok: true, damaged: [] });
    expect(new Set(kinds)).toEqual(new Set(['table-doc', 'tag', 'base-data', 'generation-file', 'wal-entry']));
    expect(report.checked).toBe(kinds.length + 2); // plus the base and shard manifests
  });

  it('finds a flipped bit in each kind of object and names what it affects', async () => {
    const f = await fixture();
    const shard = (await f.table.shardManifests(0).latest()).doc;
    const base = (await f.table.baseManifests.latest()).doc;
    const wal = await listWal(f.store, 0, shard.replayAfter, '.ftw');
    const targets: [string, string][] = [
      ['_table.json', 'table'], ['_tags/nightly.json', 'tag'],
      [layout.manifest(layout.baseManifests, await f.table.baseManifests.latestVersion()), 'base-manifest'],
      [layout.manifest(layout.shardManifests(0), await f.table.shardManifests(0).latestVersion()), 'shard-manifest'],
      [base.files[0].path, 'data-file'], [base.files[0].keyIndexPath!, 'key-index'],
      [shard.flushed.at(-1)!.file.path, 'data-file'], [shard.flushed.at(-1)!.file.keyIndexPath!, 'key-index'],
      [wal[1].key, 'wal-entry'],
    ];
    for (const [key, kind] of targets) {
      const original = await readFile(path.join(f.dir, key));
      await flip(f, key);
      const report = await verify(f.table);
      expect(report.ok, key).toBe(false);
      expect(report.damaged.map((d) => [d.path, d.kind]), key).toEqual([[key, kind]]);
      expect(report.damaged[0].affects.length).toBeGreaterThan(10);
      await writeFile(path.join(f.dir, key), original);
    }
    expect((await verify(f.table)).ok).toBe(true);
  });
});

describe('repair', () => {
  it('is a dry run by default: it plans, names the lost rows and changes nothing', async () => {
    const f = await fixture();
    const wal = await listWal(f.store, 0, (await f.table.shardManifests(0).latest()).doc.replayAfter, '.ftw');
    await flip(f, wal[1].key, 0.9);
    const before = await snapshotFiles(f.dir);
    const report = await repair(f.table);
    expect(report.applied).toBe(false);
    expect(report.actions).toHaveLength(1);
    expect(report.actions[0]).toMatchObject({ path: wal[1].key, action: 'set-aside-wal-entry', applied: false });
    expect(report.actions[0].lost).toMatchObject({ known: true, batches: [{ op: 'put', rows: 10 }], keysComplete: true });
    expect(report.actions[0].lost!.keys).toEqual(range(210, 220).map((id) => JSON.stringify({ id: String(id) })));
    expect(await snapshotFiles(f.dir)).toEqual(before);
  });

  it('sets a damaged WAL entry aside; the writer opens and later batches keep their coordinates', async () => {
    const f = await fixture();
    const wal = await listWal(f.store, 0, (await f.table.shardManifests(0).latest()).doc.replayAfter, '.ftw');
    const damaged = wal[1]; // the middle of three data entries: batch 1 of the active generation
    await flip(f, damaged.key);
    await expect(ShardWriter.open(f.table, { shard: 0, autoFlush: false })).rejects.toMatchObject({ code: 'CORRUPT_ENTRY' });
    const report = await repair(f.table, { apply: true });
    expect(report.actions.map((a) => [a.action, a.applied])).toEqual([['set-aside-wal-entry', true]]);
    expect(report.remaining).toEqual([]);
    const kept = await f.store.list(`shards/0/wal-quarantine/`);
    expect(kept).toHaveLength(1);
    const w = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
    const lost = range(210, 220);
    expect(await ids(f.table, w)).toEqual(allIds.filter((id) => !lost.includes(id)));
    // the lost batch is an empty one, so batch 2 (ids 220..229) is still batch 2 (cuts name batches by index)
    const replayed = w.inMemoryMemtableRefs().refs.find((r) => r.batchCount === 3)!.memtable;
    expect([0, 1, 2].map((i) => replayed.batch(i).batch.numRows)).toEqual([10, 0, 10]);
    await w.flush();
    expect(await ids(f.table)).toEqual(allIds.filter((id) => !lost.includes(id)));
    await w.close();
  });

  it('rebuilds a damaged flushed generation from its WAL entries with every answer unchanged', async () => {
    const f = await fixture();
    const w0 = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
    await w0.put(rowsBatch([300], 5));
    await w0.put(rowsBatch([301], 5));
    const scanner = new LsmScanner(f.table, { writers: [w0] });
    const result = scanner.scan();
    const cuts = await result.cuts;
    await result.toTable();
    await w0.flush();
    await w0.close();
    const keys = [5, 120, 160, 205, 300, 301, 999].map((id) => ({ id: BigInt(id) }));
    const asOf = await new LsmScanner(f.table).containsPksAsOf(keys, cuts);
    const shard = (await f.table.shardManifests(0).latest()).doc;
    const gen = shard.flushed.at(-1)!;
    await flip(f, gen.file.keyIndexPath!);
    await flip(f, gen.file.path);
    const report = await repair(f.table, { apply: true });
    expect(report.actions.map((a) => [a.action, a.applied])).toEqual([['rebuild-generation', true]]);
    expect(report.remaining).toEqual([]);
    const after = (await f.table.shardManifests(0).latest()).doc.flushed.at(-1)!;
    expect(after).toMatchObject({ generation: gen.generation, batchRowOffsets: gen.batchRowOffsets, walLast: gen.walLast, file: { rows: gen.file.rows } });
    expect(after.file.path).not.toBe(gen.file.path);
    expect(await ids(f.table)).toEqual([...allIds, 300, 301]);
    expect(await new LsmScanner(f.table).containsPksAsOf(keys, cuts)).toEqual(asOf);
  });

  it('rebuilds a base key index from its data file, deletes a damaged tag, and rebuilds a base data file from its compaction inputs', async () => {
    const f = await fixture();
    const base = (await f.table.baseManifests.latest()).doc;
    const before = await readFile(path.join(f.dir, base.files[0].keyIndexPath!));
    await flip(f, base.files[0].keyIndexPath!);
    await flip(f, '_tags/nightly.json');
    const report = await repair(f.table, { apply: true });
    expect(report.actions.map((a) => [a.action, a.applied]).sort()).toEqual([['delete-tag', true], ['rebuild-key-index', true]]);
    expect(await readFile(path.join(f.dir, base.files[0].keyIndexPath!))).toEqual(before);
    expect(await f.store.head('_tags/nightly.json')).toBeUndefined();
    expect(report.remaining).toEqual([]);

    // the base data file: its compaction's inputs (the flushed generation) are still stored, so it is rebuilt
    const beforeIds = await ids(f.table);
    await flip(f, base.files[0].path);
    await flip(f, base.files[0].keyIndexPath!);
    const rebuilt = await repair(f.table, { apply: true });
    expect(rebuilt.actions.map((a) => [a.action, a.applied])).toEqual([['rebuild-base-file', true]]);
    expect(rebuilt.remaining).toEqual([]);
    expect(await ids(f.table)).toEqual(beforeIds);
    const swapped = (await f.table.baseManifests.latest()).doc.files[0];
    expect(swapped).toMatchObject({ rows: base.files[0].rows, pkMin: base.files[0].pkMin, pkMax: base.files[0].pkMax });
    expect(swapped.path).not.toBe(base.files[0].path);
  });

  it('leaves a damaged base data file alone once GC collected its compaction\'s inputs', async () => {
    const f = await fixture();
    const base = (await f.table.baseManifests.latest()).doc;
    const firstGen = (await f.table.shardManifests(0).latest()).doc.flushed[0];
    await f.store.delete(firstGen.file.path); // what GC does once no retained version reads it
    await flip(f, base.files[0].path);
    const left = await repair(f.table, { apply: true });
    const action = left.actions.find((a) => a.path === base.files[0].path)!; // (the missing generation is rebuilt from the WAL)
    expect(action).toMatchObject({ action: 'none', applied: false });
    expect(action.description).toMatch(/cannot be read.*restore/);
    expect(left.remaining.map((d) => d.path)).toContain(base.files[0].path);
  });
});
