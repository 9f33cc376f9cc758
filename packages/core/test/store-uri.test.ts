import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/errors.js';
import { LocalStore } from '../src/store/local-store.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { openStore, registerStoreScheme } from '../src/store/store-uri.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'freshtier-store-uri-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('openStore', () => {
  it('a plain absolute path is a LocalStore there', async () => {
    const s = await openStore(path.join(dir, 'plain'));
    expect(s).toBeInstanceOf(LocalStore);
    expect((s as LocalStore).root).toBe(path.join(dir, 'plain'));
    await s.put('a/b', new TextEncoder().encode('hi'));
    expect(await readFile(path.join(dir, 'plain', 'a', 'b'), 'utf8')).toBe('hi');
  });

  it('a relative path resolves against the working directory', async () => {
    const s = await openStore('some/relative/table');
    expect(s).toBeInstanceOf(LocalStore);
    expect((s as LocalStore).root).toBe(path.resolve('some/relative/table'));
  });

  it('file:// URIs are LocalStores (percent-decoded)', async () => {
    const target = path.join(dir, 'with space');
    const uri = pathToFileURL(target).href;
    expect(uri).toContain('%20');
    const s = await openStore(uri);
    expect(s).toBeInstanceOf(LocalStore);
    expect((s as LocalStore).root).toBe(target);
    expect(s.uri).toBe(uri);
    expect(((await openStore('FILE://' + uri.slice('file://'.length))) as LocalStore).root).toBe(target); // scheme is case-insensitive
  });

  it('memory://name: the same name is the same store, another name another store', async () => {
    const a = await openStore('memory://uri-test-a');
    expect(a).toBeInstanceOf(MemoryStore);
    expect(a.uri).toBe('memory://uri-test-a');
    await a.put('k', new Uint8Array([1, 2]));
    const again = await openStore('memory://uri-test-a');
    expect(again).toBe(a);
    expect(Array.from(await again.get('k'))).toEqual([1, 2]);
    const b = await openStore('memory://uri-test-b');
    expect(b).not.toBe(a);
    expect(await b.head('k')).toBeUndefined();
  });

  it('an unknown scheme is an InvalidOptionsError naming the uri', async () => {
    const e = await rejection(openStore('gopher://example.org/t'));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).issues[0].path).toBe('uri');
    expect((e as InvalidOptionsError).message).toContain('"gopher"');
    expect((e as InvalidOptionsError).message).toMatch(/file:\/\/, memory:\/\/ or a registered scheme/);
  });

  it('s3:// before @freshtier/s3-store is loaded says to import it', async () => {
    const e = await rejection(openStore('s3://bucket/prefix'));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as Error).message).toContain('@freshtier/s3-store');
  });
});

describe('registerStoreScheme', () => {
  it('routes a scheme to its factory, with the full URI', async () => {
    const seen: string[] = [];
    const store = new MemoryStore('custom');
    registerStoreScheme('ftcustom', (uri) => {
      seen.push(uri);
      return store;
    });
    expect(await openStore('ftcustom://host/a/b?x=1')).toBe(store);
    expect(await openStore('FtCustom://host/c')).toBe(store); // URI schemes are case-insensitive
    expect(seen).toEqual(['ftcustom://host/a/b?x=1', 'FtCustom://host/c']);
  });

  it('accepts an async factory', async () => {
    const store = new MemoryStore('async');
    registerStoreScheme('ftasync', async () => store);
    expect(await openStore('ftasync://x')).toBe(store);
  });

  it('a scheme registered in upper case is found too', async () => {
    const store = new MemoryStore('upper');
    registerStoreScheme('FTUPPER', () => store);
    expect(await openStore('ftupper://x')).toBe(store);
  });

  it('a later registration replaces an earlier one', async () => {
    const first = new MemoryStore('first');
    const second = new MemoryStore('second');
    registerStoreScheme('ftreplace', () => first);
    registerStoreScheme('ftreplace', () => second);
    expect(await openStore('ftreplace://x')).toBe(second);
  });

  it('a factory error reaches the caller', async () => {
    registerStoreScheme('ftfail', () => {
      throw new Error('no credentials');
    });
    await expect(openStore('ftfail://x')).rejects.toThrow('no credentials');
  });
});
