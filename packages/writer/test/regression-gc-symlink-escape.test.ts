/**
 * Regression (issue 18, "Maintenance that ... reaches outside the table"): with
 * `base/data` a symbolic link to a directory outside the table root, a plain
 * `freshtier gc` deleted files there.
 *
 * A LocalStore table in a temporary directory gets `base/data` replaced by a link to
 * a sibling directory holding the table's base files plus a file named like an
 * unreferenced base file (what GC would collect). GC and every store operation must
 * leave the outside files byte for byte as they were: refused with `OutsideRootError`
 * or, for a listing that walks past the link, skipped.
 */
import { LocalStore, OutsideRootError, isFreshtierError } from '@freshtier/core';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardWriter, compact, gc } from '../src/index.js';
import { makeTable, rangeBatch, tempDir } from './support/fixtures.js';

const FAR_AHEAD = Date.now() + 10 * 365 * 24 * 3_600_000;
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

/** Hash of every file under `dir` (name → sha256). */
async function snapshotDir(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) out.set(name, createHash('sha256').update(await readFile(path.join(dir, name))).digest('hex'));
  return out;
}

/** A table whose `base/data` is a link to `<tmp>/outside`, which holds its base files and a stray "garbage" file. */
async function linkedTable() {
  const { dir, cleanup } = await tempDir('freshtier-link-');
  cleanups.push(cleanup);
  const root = path.join(dir, 'table');
  const outside = path.join(dir, 'outside');
  const store = new LocalStore(root);
  const table = await makeTable(store);
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false });
  await writer.put(rangeBatch(0, 20, 1));
  await writer.flush();
  await compact(table, { shard: 0 });
  await writer.close();
  await rename(path.join(root, 'base', 'data'), outside); // moved to "another disk"…
  await symlink(outside, path.join(root, 'base', 'data'), 'dir'); // …and linked back
  const stray = `${randomUUID()}.parquet`; // a base-file name no version names: exactly what GC collects
  await writeFile(path.join(outside, stray), 'not the table\'s');
  return { root, outside, store, table, stray, baseFile: (await table.baseManifests.latest()).doc.files[0].path };
}

const refused = (p: Promise<unknown>) => p.then(() => { throw new Error('expected OutsideRootError'); }, (e: unknown) => {
  expect(e).toBeInstanceOf(OutsideRootError);
  expect(isFreshtierError(e, 'OUTSIDE_ROOT')).toBe(true);
  expect((e as Error).message).toMatch(/leads it out of the table root .* replace the link with a real directory/);
});

describe('a symbolic link out of the table root', () => {
  it('gc refuses and deletes nothing outside, whatever the options', async () => {
    const t = await linkedTable();
    const before = await snapshotDir(t.outside);
    for (const options of [{ olderThan: 0 }, { olderThan: 0, now: FAR_AHEAD }, { olderThan: 3_600_000 }, { olderThan: 0, dryRun: true }]) {
      await refused(gc(t.table, options));
    }
    expect(await snapshotDir(t.outside)).toEqual(before);
  });

  it('every store operation refuses a path through the link, and list skips it', async () => {
    const t = await linkedTable();
    const before = await snapshotDir(t.outside);
    const key = `base/data/${t.stray}`;
    await refused(t.store.get(key));
    await refused(t.store.get(t.baseFile));
    await refused(t.store.getRange(key, 0, 4));
    await refused(t.store.head(key));
    await refused(t.store.head('base/data/missing.parquet'));
    await refused(t.store.put(key, new Uint8Array([1])));
    await refused(t.store.put('base/data/new.parquet', new Uint8Array([1])));
    await refused(t.store.putIfAbsent('base/data/new2.parquet', new Uint8Array([1])));
    await refused(t.store.putIfAbsent('base/data/sub/dir/new3.parquet', new Uint8Array([1])));
    await refused(t.store.delete(key));
    await refused(t.store.delete(t.baseFile));
    await refused(t.store.list('base/data/'));
    await refused(t.store.list('base/data/abc'));
    for (const prefix of ['', 'base/', 'base']) expect((await t.store.list(prefix)).filter((m) => m.key.startsWith('base/data'))).toEqual([]);
    expect(await snapshotDir(t.outside)).toEqual(before);
  });

  it('a linked file is neither listed, read nor followed by delete', async () => {
    const t = await linkedTable();
    const target = path.join(t.outside, t.stray);
    await mkdir(path.join(t.root, 'shards', '0', 'gen-9-e1-0badf00d'), { recursive: true });
    const linked = 'shards/0/gen-9-e1-0badf00d/data.parquet';
    await symlink(target, path.join(t.root, ...linked.split('/')));
    const before = await snapshotDir(t.outside);
    expect((await t.store.list('shards/0/')).map((m) => m.key)).not.toContain(linked);
    await refused(t.store.get(linked));
    await refused(t.store.head(linked));
    await t.store.delete(linked); // unlinks the link inside the root; the file it pointed to stays
    expect(await snapshotDir(t.outside)).toEqual(before);
  });

  it('links that stay inside the root are followed as before', async () => {
    const { dir, cleanup } = await tempDir('freshtier-link-');
    cleanups.push(cleanup);
    const root = path.join(dir, 'table');
    await mkdir(path.join(root, 'real'), { recursive: true });
    await symlink(path.join(root, 'real'), path.join(root, 'alias'), 'dir');
    const store = new LocalStore(root);
    await store.put('alias/x', new Uint8Array([7]));
    expect(await store.get('real/x')).toEqual(new Uint8Array([7]));
    expect(await store.get('alias/x')).toEqual(new Uint8Array([7]));
    expect((await store.list('alias/')).map((m) => m.key)).toEqual(['alias/x']);
    expect((await store.list('')).map((m) => m.key)).toEqual(['real/x']); // the walk does not enter links
    const linkedRoot = path.join(dir, 'root-link');
    await symlink(root, linkedRoot, 'dir'); // the root itself may be a link
    expect(await new LocalStore(linkedRoot).get('real/x')).toEqual(new Uint8Array([7]));
  });
});
