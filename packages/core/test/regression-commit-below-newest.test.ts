/**
 * Regression: a committer holding an old head could re-create a manifest version that GC
 * had pruned after newer commits. `putIfAbsent` succeeded, the committer reported success,
 * and its change sat below the newest version, where no reader looks (found while proving
 * GC safe, issue 18). `ManifestStore.commit` now checks for a newer version after creating
 * its own, removes its object if one exists, and reports a conflict; `update` then builds
 * on the newest version.
 */
import { describe, expect, it } from 'vitest';
import { ManifestStore } from '../src/manifest/manifest-store.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { initialShardManifest, shardManifestSchema, type ShardManifest } from '../src/manifest/manifest-schemas.js';
import { layout } from '../src/layout/layout.js';

const DIR = 'shards/3/_manifests/';
const doc = (note: string): ShardManifest => ({ ...initialShardManifest(3), epoch: 1, committedAt: '2025-01-02T03:04:05.000Z', note });

async function prunedTable(): Promise<{ store: MemoryStore; ms: ManifestStore<ShardManifest> }> {
  const store = new MemoryStore();
  const ms = new ManifestStore(store, DIR, shardManifestSchema, () => initialShardManifest(3));
  for (let v = 1; v <= 3; v++) await ms.commit(v, doc(`v${v}`));
  await store.delete(layout.manifest(DIR, 2)); // what GC does to a superseded version
  return { store, ms };
}

describe('a commit that would land below the newest version', () => {
  it('is a conflict, and leaves the pruned version number free', async () => {
    const { store, ms } = await prunedTable();
    await expect(ms.commit(2, doc('stale'))).rejects.toMatchObject({ code: 'COMMIT_CONFLICT' });
    expect(await store.head(layout.manifest(DIR, 2))).toBeUndefined();
    expect((await ms.latest()).doc.note).toBe('v3');
  });

  it('update() starting from the stale head builds on the newest version instead', async () => {
    const { ms } = await prunedTable();
    const stale = { version: 1, doc: doc('v1') };
    const done = await ms.update({ head: stale, build: (latest) => ({ ...latest, note: `after ${latest.note}` }) });
    expect(done).toMatchObject({ version: 4, doc: { note: 'after v3' } });
    expect((await ms.latest()).version).toBe(4);
  });
});
