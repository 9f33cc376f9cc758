/**
 * LocalStore never follows a symbolic link out of its root (local-root.ts; DESIGN.md
 * invariant 16). Table-driven: every store operation against every way a link can
 * sit on a key's path — the key's directory linked out, an ancestor linked out, the
 * key itself a link to an outside file, a dangling link — and, for contrast, links
 * that stay inside the root. Outside files must be byte-identical afterwards and
 * nothing may appear outside.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../src/store/local-store.js';
import { isFreshtierError } from '../src/errors.js';

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

interface World {
  root: string;
  outside: string;
  store: LocalStore;
}

/** `<tmp>/root` (the store) and `<tmp>/outside` holding `x` and `sub/y`. */
async function world(): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshtier-links-'));
  dirs.push(dir);
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  await mkdir(path.join(outside, 'sub'), { recursive: true });
  await writeFile(path.join(outside, 'x'), 'outside x');
  await writeFile(path.join(outside, 'sub', 'y'), 'outside y');
  await mkdir(path.join(root, 'a'), { recursive: true });
  await writeFile(path.join(root, 'a', 'inside'), 'inside');
  return { root, outside, store: new LocalStore(root) };
}

async function tree(dir: string, at = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tree(p, `${at}${e.name}/`)));
    else if (e.isSymbolicLink()) out.push(`${at}${e.name}@`);
    else out.push(`${at}${e.name}=${createHash('sha256').update(await readFile(p)).digest('hex').slice(0, 12)}`);
  }
  return out.sort();
}

/** Where the link sits, and the key (under it) every operation is tried on. */
const PLACEMENTS: { name: string; make: (w: World) => Promise<void>; key: string }[] = [
  { name: 'the key\'s directory is a link out', make: (w) => symlink(w.outside, path.join(w.root, 'a', 'out'), 'dir'), key: 'a/out/x' },
  { name: 'an ancestor directory is a link out', make: (w) => symlink(w.outside, path.join(w.root, 'far'), 'dir'), key: 'far/sub/y' },
  { name: 'a missing key under a link out', make: (w) => symlink(w.outside, path.join(w.root, 'far'), 'dir'), key: 'far/sub/new/z' },
  { name: 'the key itself is a link to an outside file', make: (w) => symlink(path.join(w.outside, 'x'), path.join(w.root, 'a', 'lx')), key: 'a/lx' },
  { name: 'a relative link climbing out', make: (w) => symlink('../../outside', path.join(w.root, 'a', 'rel'), 'dir'), key: 'a/rel/x' },
];

type Op = { name: string; run: (s: LocalStore, key: string) => Promise<unknown>; followsLastLink: boolean };
const OPS: Op[] = [
  { name: 'get', run: (s, k) => s.get(k), followsLastLink: true },
  { name: 'getRange', run: (s, k) => s.getRange(k, 0, 3), followsLastLink: true },
  { name: 'head', run: (s, k) => s.head(k), followsLastLink: true },
  { name: 'put', run: (s, k) => s.put(k, new Uint8Array([1, 2])), followsLastLink: false },
  { name: 'putIfAbsent', run: (s, k) => s.putIfAbsent(k, new Uint8Array([1, 2])), followsLastLink: false },
  { name: 'delete', run: (s, k) => s.delete(k), followsLastLink: false },
  { name: 'list', run: (s, k) => s.list(k.slice(0, k.lastIndexOf('/') + 1)), followsLastLink: false },
];

describe('LocalStore and links out of the root', () => {
  for (const p of PLACEMENTS) {
    for (const op of OPS) {
      it(`${op.name}: ${p.name}`, async () => {
        const w = await world();
        await p.make(w);
        const before = await tree(w.outside);
        const outcome = await op.run(w.store, p.key).then((v) => ({ v }), (e: unknown) => ({ e }));
        const lastIsLink = p.name.startsWith('the key itself');
        if ('e' in outcome) {
          expect(isFreshtierError(outcome.e, 'OUTSIDE_ROOT'), String(outcome.e)).toBe(true);
        } else {
          // only an operation that does not follow the last component may touch a link that is the key itself
          expect(lastIsLink && !op.followsLastLink, `${op.name} succeeded through a link out`).toBe(true);
        }
        expect(await tree(w.outside)).toEqual(before);
      });
    }
  }

  it('list never reports a link and never walks into one', async () => {
    const w = await world();
    await symlink(w.outside, path.join(w.root, 'a', 'out'), 'dir');
    await symlink(path.join(w.outside, 'x'), path.join(w.root, 'a', 'lx'));
    expect((await w.store.list('')).map((m) => m.key)).toEqual(['a/inside']);
    expect((await w.store.list('a/')).map((m) => m.key)).toEqual(['a/inside']);
  });

  it('a dangling link is refused or missing, never followed to create outside', async () => {
    const w = await world();
    await symlink(path.join(w.outside, 'nowhere'), path.join(w.root, 'a', 'dang'), 'dir');
    const before = await tree(w.outside);
    for (const op of OPS) await op.run(w.store, 'a/dang/z').catch(() => undefined);
    expect(await tree(w.outside)).toEqual(before);
    expect((await readdir(w.outside)).sort()).toEqual(['sub', 'x']); // no `nowhere/` was created
  });
});
