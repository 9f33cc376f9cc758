/**
 * Maintenance with extreme options and a table laid out across links, for
 * bad-input.test.ts (issue 18, "Maintenance that loses rows or reaches outside the
 * table"; DESIGN.md invariant 16).
 * - `gc` with `olderThan` 0 and huge, `now` far in the past or the future: a `rule`
 *   case each — GC's own deletions are its job (the case marks after it), and then
 *   every acked row of the fixture (ids 0..49, 20 flushed and 30 only in the WAL)
 *   still reads, also through a writer that replays the WAL. A dry run changes no
 *   byte at all.
 * - `gc` while a flush is between writing its files and committing them: the flush
 *   commits and every row reads.
 * - `base/data` a link to a directory outside the root: `gc` and the store refuse
 *   with `OUTSIDE_ROOT`, the files over there stay byte for byte.
 * - a file under `base/data/` that freshtier does not write survives `gc`.
 */
import { LocalStore, Table, type ObjectStore } from '@freshtier/core';
import { ShardWriter, gc, type GcOptions } from '@freshtier/writer';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { FaultyStore } from '../src/faulty-store.js';
import { scanAll } from '../src/recover.js';
import type { Fixture, InputCase } from './bad-input-cases.js';

const FAR_AHEAD = Date.now() + 100 * 365 * 24 * 3_600_000;
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

/** The fixture's acked rows: ids 0..49, `v` of id i is floor(i / 10) + 1. */
const FIXTURE_ROWS = Array.from({ length: 50 }, (_, id) => ({ id, v: Math.floor(id / 10) + 1 }));

async function expectEveryRow(f: Fixture, store: ObjectStore = f.store): Promise<void> {
  const table = await Table.open(store);
  const byId = (rows: { id: number; v: number | null }[]) => [...rows].sort((a, b) => a.id - b.id);
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false }); // replays what is only in the WAL
  expect(byId((await scanAll(table, [w])).rows)).toEqual(FIXTURE_ROWS);
  await w.close(); // flushes: from storage alone too
  expect(byId((await scanAll(table)).rows)).toEqual(FIXTURE_ROWS);
}

async function hashDir(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) out.set(name, createHash('sha256').update(await readFile(path.join(dir, name))).digest('hex'));
  return out;
}

/** Makes `base/data` a link to a sibling of the root holding a base-file-named stray; runs `act`; checks the sibling is untouched. */
async function withLinkedBaseData(f: Fixture, mark: () => Promise<void>, act: (outsideName: string) => Promise<unknown>): Promise<unknown> {
  const outside = `${f.dir}-outside`;
  try {
    await mkdir(outside, { recursive: true });
    const stray = `${randomUUID()}.parquet`; // what GC collects: a base-file name no version names
    await writeFile(path.join(outside, stray), 'not the table\'s');
    await writeFile(path.join(outside, stray.replace('.parquet', '.keys.arrow')), 'nor this');
    await mkdir(path.join(f.dir, 'base'), { recursive: true });
    await symlink(outside, path.join(f.dir, 'base', 'data'), 'dir');
    await mark();
    const before = await hashDir(outside);
    const err = await act(stray);
    expect(await hashDir(outside)).toEqual(before);
    return err;
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
}

const EXTREME: [string, GcOptions][] = [
  ['olderThan 0', { olderThan: 0 }],
  ['olderThan 0, now far in the future', { olderThan: 0, now: FAR_AHEAD }],
  ['olderThan huge', { olderThan: Number.MAX_SAFE_INTEGER }],
  ['olderThan 0, now at the epoch', { olderThan: 0, now: 0 }],
];

export const MAINTENANCE_INPUTS: InputCase[] = [
  ...EXTREME.map(([label, options]): InputCase => ({
    name: `gc ${label}: every acked row still reads`, expected: 'rule',
    act: async (f, mark) => {
      await gc(f.table, options);
      await mark(); // GC's deletions are its job; from here on nothing may change but additions
      await expectEveryRow(f);
      return undefined;
    },
  })),
  { name: 'gc dry run, olderThan 0, now far in the future: no byte changes', expected: 'rule', stored: 'unchanged',
    act: async (f) => {
      const report = await gc(f.table, { olderThan: 0, now: FAR_AHEAD, dryRun: true });
      expect(report.fenceVersion).toBeUndefined();
      return undefined;
    } },
  { name: 'gc olderThan 0 while a flush is in flight: the flush commits, every row reads', expected: 'rule',
    act: async (f, mark) => {
      const faulty = new FaultyStore(f.store);
      const table = await Table.open(faulty);
      const w = await ShardWriter.open(table, { shard: 0, autoFlush: false }); // replays the WAL: frozen generations to flush
      let reached!: () => void;
      const atCommit = new Promise<void>((r) => (reached = r));
      let release!: () => void;
      const until = new Promise<void>((r) => (release = r));
      let armed = true;
      const heldCommit = (key: string) => {
        if (!armed || !/^shards\/0\/_manifests\/v/.test(key)) return false;
        armed = false; // only the next shard-manifest commit: the flush's
        reached();
        return true;
      };
      faulty.inject({ ops: 'putIfAbsent', mode: 'delay', until, key: heldCommit });
      const flushing = w.flush();
      await atCommit; // its files are written, its commit waits
      await gc(table, { olderThan: 0, now: FAR_AHEAD });
      release();
      await flushing;
      await w.close();
      await mark();
      await expectEveryRow(f, faulty);
      return undefined;
    } },
  { name: 'gc with base/data a link out of the root', stored: 'unchanged',
    expected: { code: 'OUTSIDE_ROOT', message: /list of base\/data refused: a symbolic link leads it out of the table root .* replace the link with a real directory/ },
    act: (f, mark) => withLinkedBaseData(f, mark, () => fail(gc(f.table, { olderThan: 0, now: FAR_AHEAD }))) },
  { name: 'store operations through a base/data link out of the root', stored: 'unchanged',
    expected: { code: 'OUTSIDE_ROOT', message: /delete of base\/data\/[0-9a-f-]{36}\.parquet refused: a symbolic link leads it out of the table root/ },
    act: (f, mark) => withLinkedBaseData(f, mark, async (stray) => {
      const store = new LocalStore(f.dir);
      const key = `base/data/${stray}`;
      const ops: (() => Promise<unknown>)[] = [() => store.get(key), () => store.getRange(key, 0, 3), () => store.head(key), () => store.put(key, new Uint8Array([1])),
        () => store.putIfAbsent('base/data/new.parquet', new Uint8Array([1])), () => store.list('base/data/')];
      for (const op of ops) expect(await fail(op())).toMatchObject({ code: 'OUTSIDE_ROOT' }); // one at a time: none left unhandled
      expect((await store.list('')).some((m) => m.key.startsWith('base/data/'))).toBe(false); // the walk does not enter the link
      return fail(store.delete(key));
    }) },
  { name: 'gc keeps a file under base/data/ that freshtier does not write', expected: 'rule',
    act: async (f, mark) => {
      await mkdir(path.join(f.dir, 'base', 'data'), { recursive: true });
      const names = ['notes.txt', `${randomUUID()}.parquet.bak`, 'ABCDEF.parquet'];
      for (const n of names) await writeFile(path.join(f.dir, 'base', 'data', n), n);
      const report = await gc(f.table, { olderThan: 0, now: FAR_AHEAD });
      expect([...report.kept.unknown].sort()).toEqual(names.map((n) => `base/data/${n}`).sort());
      await mark();
      for (const n of names) expect(await readFile(path.join(f.dir, 'base', 'data', n), 'utf8')).toBe(n);
      await expectEveryRow(f);
      return undefined;
    } },
];
