/**
 * `ManifestStore.update` with an async `build`: compaction's commit guard reads stored
 * versions (its GC-fence rule) before it builds, so `build` may return a promise. The
 * loop is the same: a commit that lost its version while the guard ran is rebuilt on
 * the newest version; `undefined` stops without a commit; a rejection commits nothing.
 */
import { describe, expect, it } from 'vitest';
import { ManifestStore } from '../src/manifest/manifest-store.js';
import { initialShardManifest, shardManifestSchema, type ShardManifest } from '../src/manifest/manifest-schemas.js';
import { MemoryStore } from '../src/store/memory-store.js';

const DIR = 'shards/0/_manifests/';
const doc = (note: string, epoch = 1): ShardManifest => ({ ...initialShardManifest(0), epoch, committedAt: '2025-01-02T03:04:05.000Z', note });

function manifests(): ManifestStore<ShardManifest> {
  return new ManifestStore(new MemoryStore(), DIR, shardManifestSchema, () => initialShardManifest(0));
}

describe('ManifestStore.update with an async build', () => {
  it('a rival commit made while the guard awaits is a conflict: rebuilt on the newest version', async () => {
    const ms = manifests();
    await ms.commit(1, doc('one'));
    const builtOn: number[] = [];
    const result = await ms.update({
      build: async (latest, version) => {
        builtOn.push(version);
        if (version === 1) await ms.commit(2, doc('rival')); // lands while this guard runs
        await ms.load(version); // a guard reads stored versions
        return { ...latest, note: `mine on ${version}` };
      },
    });
    expect(builtOn).toEqual([1, 2]);
    expect(result).toEqual({ version: 3, doc: { ...doc('rival'), note: 'mine on 2' } });
    expect((await ms.latest()).doc.note).toBe('mine on 2');
  });

  it('an async undefined stops without a commit', async () => {
    const ms = manifests();
    await ms.commit(1, doc('one'));
    expect(await ms.update({ build: async () => undefined })).toBeUndefined();
    expect(await ms.versions()).toEqual([1]);
  });

  it('a rejected build commits nothing and rejects with its error', async () => {
    const ms = manifests();
    await ms.commit(1, doc('one'));
    await expect(ms.update({ build: async () => { throw new Error('refused by the guard'); } })).rejects.toThrow('refused by the guard');
    expect(await ms.versions()).toEqual([1]);
  });
});
