import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitConflictError, CorruptEntryError, NotFoundError, UnsupportedFormatError, isFreshtierError } from '../src/errors.js';
import { layout } from '../src/layout/layout.js';
import { LocalStore } from '../src/store/local-store.js';
import { FORMAT_VERSION, initialShardManifest, shardManifestSchema, type ShardManifest } from '../src/manifest/manifest-schemas.js';
import { ManifestStore } from '../src/manifest/manifest-store.js';
import { decodeHint } from '../src/manifest/manifest-hint.js';
import { sealedJsonBytes } from '../src/format/doc-checksum.js';
import { MemoryStore } from '../src/store/memory-store.js';
import type { ObjectStore } from '../src/store/object-store.js';

const DIR = layout.shardManifests(3); // shards/3/_manifests/
const HINT = `${DIR}_latest`;
const enc = (s: string) => new TextEncoder().encode(s);

function doc(note: string, over: Partial<ShardManifest> = {}): ShardManifest {
  return { ...initialShardManifest(3), epoch: 1, committedAt: '2025-01-02T03:04:05.000Z', note, ...over };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const stores: [string, () => Promise<ObjectStore>][] = [
  ['MemoryStore', async () => new MemoryStore()],
  ['LocalStore', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'freshtier-manifests-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return new LocalStore(dir);
  }],
];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe.each(stores)('ManifestStore on %s', (_name, makeStore) => {
  async function setup() {
    const store = await makeStore();
    return { store, ms: new ManifestStore(store, DIR, shardManifestSchema, () => initialShardManifest(3)) };
  }

  it('an empty directory is version 0 with the initial document', async () => {
    const { store, ms } = await setup();
    expect(await ms.latest()).toEqual({ version: 0, doc: initialShardManifest(3) });
    expect(await ms.latestVersion()).toBe(0);
    expect(await ms.versions()).toEqual([]);
    expect(await ms.load(0)).toEqual(initialShardManifest(3));
    expect(await store.list('')).toEqual([]); // reading wrote nothing
  });

  it('commit, latest, load, versions', async () => {
    const { store, ms } = await setup();
    await ms.commit(1, doc('one'));
    expect(await ms.latest()).toEqual({ version: 1, doc: doc('one') });
    await ms.commit(2, doc('two', { nextGeneration: 4 }));
    expect(await ms.latest()).toEqual({ version: 2, doc: doc('two', { nextGeneration: 4 }) });
    expect(await ms.load(1)).toEqual(doc('one'));
    expect(await ms.versions()).toEqual([1, 2]);
    expect(await store.head(`${DIR}v00000000000000000002.json`)).toBeDefined();
    expect(await rejection(ms.load(3))).toBeInstanceOf(NotFoundError);
    // the stored bytes are what was committed, sealed with its checksum (format/doc-checksum.ts)
    expect(await store.get(layout.manifest(DIR, 1))).toEqual(sealedJsonBytes(doc('one')));
    expect(JSON.parse(new TextDecoder().decode(await store.get(layout.manifest(DIR, 1))))).toEqual({ checksum: expect.stringMatching(/^crc32:[0-9a-f]{8}$/), ...doc('one') });
  });

  it('committing an existing version is a CommitConflictError and changes nothing', async () => {
    const { store, ms } = await setup();
    await ms.commit(1, doc('first'));
    const e = await rejection(ms.commit(1, doc('second')));
    expect(e).toBeInstanceOf(CommitConflictError);
    expect((e as CommitConflictError).code).toBe('COMMIT_CONFLICT');
    expect((e as CommitConflictError).context).toMatchObject({ version: 1 });
    expect((await ms.load(1)).note).toBe('first');
    expect(await store.list(DIR)).toHaveLength(2); // v1 + the hint
  });

  it('20 concurrent commits of the same version: exactly one wins, the rest conflict', async () => {
    const { ms } = await setup();
    await ms.commit(1, doc('base'));
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => ms.commit(2, doc(`writer ${i}`))));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(CommitConflictError);
        expect(isFreshtierError(r.reason, 'COMMIT_CONFLICT')).toBe(true);
      }
    }
    expect(await ms.latest()).toEqual({ version: 2, doc: doc(`writer ${won[0]}`) });
    expect(await ms.versions()).toEqual([1, 2]);
  });

  describe('the _latest hint is only a shortcut', () => {
    async function threeVersions() {
      const s = await setup();
      for (const v of [1, 2, 3]) await s.ms.commit(v, doc(`v${v}`));
      expect(decodeHint(await s.store.get(HINT), false)).toBe(3);
      return s;
    }

    it('a stale hint still finds the newest', async () => {
      const { store, ms } = await threeVersions();
      for (const stale of ['0', '1', '2']) {
        await store.put(HINT, enc(stale));
        expect(await ms.latest()).toEqual({ version: 3, doc: doc('v3') });
      }
    });

    it('a missing hint still finds the newest (by listing)', async () => {
      const { store, ms } = await threeVersions();
      await store.delete(HINT);
      expect(await ms.latest()).toEqual({ version: 3, doc: doc('v3') });
    });

    it.each(['', 'garbage', '-1', '1.5', 'NaN', '{"v":3}', '99', '4', '1e3', '0x10', '9007199254740993'])('a garbage hint (%j) still finds the newest', async (hint) => {
      const { store, ms } = await threeVersions();
      await store.put(HINT, enc(hint));
      expect(await ms.latestVersion()).toBe(3);
      expect(await ms.latest()).toEqual({ version: 3, doc: doc('v3') });
    });

    it('a garbage hint in a directory with no versions still means version 0', async () => {
      const { store, ms } = await setup();
      await store.put(HINT, enc('7'));
      expect(await ms.latest()).toEqual({ version: 0, doc: initialShardManifest(3) });
    });

    it('a hint that lags while other writers commit still finds the newest', async () => {
      const { store, ms } = await threeVersions();
      const other = new ManifestStore(store, DIR, shardManifestSchema, () => initialShardManifest(3));
      await other.commit(4, doc('v4'));
      await store.put(HINT, enc('2'));
      expect(await ms.latestVersion()).toBe(4);
    });
  });

  describe('damaged versions', () => {
    it('corrupt JSON is a CorruptEntryError naming the object', async () => {
      const { store, ms } = await setup();
      await ms.commit(1, doc('ok'));
      const p = layout.manifest(DIR, 2);
      await store.putIfAbsent(p, enc('{"formatVersion": 1, "shard": '));
      for (const e of [await rejection(ms.latest()), await rejection(ms.load(2))]) {
        expect(e).toBeInstanceOf(CorruptEntryError);
        expect((e as CorruptEntryError).message).toContain(p);
        expect((e as CorruptEntryError).message).toMatch(/not valid JSON/);
      }
      expect(await ms.load(1)).toEqual(doc('ok'));
    });

    it.each([
      ['epoch', { epoch: 'one' }],
      ['nextGeneration', { nextGeneration: 0 }],
      ['flushed', { flushed: 'none' }],
      ['flushed.0.walLast', { flushed: [{ generation: 1, file: { path: 'a', rows: 1, bytes: 1, rowGroupSize: 1 }, batchRowOffsets: [0, 1], walLast: 1.5, source: 'flush' }] }],
      ['flushed.0.source', { flushed: [{ generation: 1, file: { path: 'a', rows: 1, bytes: 1, rowGroupSize: 1 }, batchRowOffsets: [0, 1], walLast: 1, source: 'magic' }] }],
      ['note', { note: undefined }],
    ])('valid JSON with a bad %s is a CorruptEntryError naming the field', async (field, patch) => {
      const { store, ms } = await setup();
      const p = layout.manifest(DIR, 1);
      await store.putIfAbsent(p, enc(JSON.stringify({ ...doc('x'), ...patch })));
      const e = await rejection(ms.load(1));
      expect(e).toBeInstanceOf(CorruptEntryError);
      expect((e as CorruptEntryError).message).toContain(p);
      expect((e as CorruptEntryError).message).toContain(`${field}:`);
      expect(await rejection(ms.latest())).toBeInstanceOf(CorruptEntryError);
    });

    it('another formatVersion is an UnsupportedFormatError', async () => {
      const { store, ms } = await setup();
      const p = layout.manifest(DIR, 1);
      await store.putIfAbsent(p, enc(JSON.stringify({ ...doc('future'), formatVersion: FORMAT_VERSION + 1, newField: { x: 1 } })));
      const e = await rejection(ms.latest());
      expect(e).toBeInstanceOf(UnsupportedFormatError);
      expect((e as UnsupportedFormatError).code).toBe('UNSUPPORTED_FORMAT');
      expect((e as UnsupportedFormatError).context).toMatchObject({ path: p, found: FORMAT_VERSION + 1, supported: FORMAT_VERSION });
      expect((e as UnsupportedFormatError).message).toMatch(/Upgrade freshtier/);
    });
  });

  it('committing an invalid document is rejected before anything is written', async () => {
    const { store, ms } = await setup();
    const e = await rejection(ms.commit(1, doc('bad', { epoch: -1 })));
    expect(isFreshtierError(e)).toBe(true);
    expect((e as Error).message).toContain('epoch:');
    const e2 = await rejection(ms.commit(1, { ...doc('bad'), flushed: [{ nope: true }] } as unknown as ShardManifest));
    expect((e2 as Error).message).toContain('flushed.0.generation:');
    expect(await store.list('')).toEqual([]); // no version, no hint
    expect(await ms.latest()).toEqual({ version: 0, doc: initialShardManifest(3) });
    await ms.commit(1, doc('good')); // the version is still free
    expect((await ms.latest()).doc.note).toBe('good');
  });

  it('keeps directories apart (shard 3 vs shard 30)', async () => {
    const { store, ms } = await setup();
    const other = new ManifestStore(store, layout.shardManifests(30), shardManifestSchema, () => initialShardManifest(30));
    await other.commit(1, { ...doc('thirty'), shard: 30 });
    expect(await ms.latest()).toEqual({ version: 0, doc: initialShardManifest(3) });
    expect(await ms.versions()).toEqual([]);
  });
});

describe('ManifestStore request cost', () => {
  function counting(inner: ObjectStore) {
    const counts = { get: 0, head: 0, list: 0 };
    const store: ObjectStore = Object.assign(Object.create(inner), {
      get: (k: string) => { counts.get++; return inner.get(k); },
      head: (k: string) => { counts.head++; return inner.head(k); },
      list: (p: string) => { counts.list++; return inner.list(p); },
    });
    return { store, counts };
  }

  it('finds the newest version from a current hint without a LIST and with one HEAD probe', async () => {
    const { store, counts } = counting(new MemoryStore());
    const ms = new ManifestStore(store, layout.shardManifests(0), shardManifestSchema, () => initialShardManifest(0));
    await ms.hint(0);
    expect(counts).toEqual({ get: 1, head: 1, list: 0 }); // a hint is written only while no newer hint or version exists
    counts.get = counts.head = counts.list = 0;
    expect((await ms.latest()).version).toBe(0);
    expect(counts).toEqual({ get: 1, head: 1, list: 0 });
    await ms.commit(1, { ...initialShardManifest(0), epoch: 1 });
    counts.get = counts.head = counts.list = 0;
    const latest = await ms.latest();
    expect(latest).toMatchObject({ version: 1, doc: { epoch: 1 } });
    expect(counts).toEqual({ get: 2, head: 1, list: 0 });
  });

  it('lists when the hint names a version that is not stored', async () => {
    const { store, counts } = counting(new MemoryStore());
    const ms = new ManifestStore(store, layout.shardManifests(0), shardManifestSchema, () => initialShardManifest(0));
    await ms.commit(1, { ...initialShardManifest(0), epoch: 1 });
    await ms.commit(2, { ...initialShardManifest(0), epoch: 2 });
    await ms.hint(7);
    expect((await ms.latest()).version).toBe(2);
    expect(counts.list).toBe(1);
  });
});
