/**
 * LocalStore's read path remembers which directories are really under the root (so a
 * read costs no extra round trip), but never trusts a file that became a link, and
 * writes and deletes check every time (DESIGN.md invariant 16: no store operation reads,
 * writes or deletes outside the table root).
 */
import { mkdir, mkdtemp, rename, rm, symlink, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../src/store/local-store.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function setup(): Promise<{ root: string; outside: string; store: LocalStore }> {
  const base = await mkdtemp(path.join(tmpdir(), 'ft-readcache-'));
  dirs.push(base);
  const root = path.join(base, 'table');
  const outside = path.join(base, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, 'secret.parquet'), 'outside');
  const store = new LocalStore(root);
  await store.put('base/data/a.parquet', new TextEncoder().encode('inside'));
  expect(new TextDecoder().decode(await store.get('base/data/a.parquet'))).toBe('inside'); // the directory is now remembered
  return { root, outside, store };
}

describe('LocalStore read cache', () => {
  it('refuses a file that became a link out of the root after its directory was checked', async () => {
    const { root, outside, store } = await setup();
    await symlink(path.join(outside, 'secret.parquet'), path.join(root, 'base/data/b.parquet'));
    await expect(store.get('base/data/b.parquet')).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    await expect(store.getRange('base/data/b.parquet', 0, 3)).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
  });

  it('follows a file link that stays inside the root', async () => {
    const { root, store } = await setup();
    await symlink(path.join(root, 'base/data/a.parquet'), path.join(root, 'base/data/c.parquet'));
    expect(new TextDecoder().decode(await store.get('base/data/c.parquet'))).toBe('inside');
  });

  it('checks writes and deletes afresh even after reads cached the directory', async () => {
    const { root, outside, store } = await setup();
    await rename(path.join(root, 'base/data'), path.join(root, 'base/moved'));
    await symlink(outside, path.join(root, 'base/data'));
    await expect(store.delete('base/data/secret.parquet')).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    await expect(store.put('base/data/new.parquet', new Uint8Array([1]))).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    expect(await readFile(path.join(outside, 'secret.parquet'), 'utf8')).toBe('outside');
  });
});
