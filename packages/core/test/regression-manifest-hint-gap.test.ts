/**
 * Regression (found by a damage campaign): a wrong `_latest` hint gave an old table
 * version once GC had left a gap in the version numbers (a tagged version kept, the ones
 * after it pruned). An empty hint read as version 0 (`Number('') === 0`), a flipped digit
 * ("6" → "2") named the tagged version, and probing forward stopped at the gap: scans
 * returned old rows, and a writer opening there claimed an epoch another writer would
 * claim too and committed below the newest version. A slow committer's late hint write
 * could set the hint back the same way. Hints now carry a CRC (a damaged one reads as
 * none: the directory is listed), and a commit does not write its hint once a newer
 * version exists. A valid shard manifest copied to another shard's path is refused too.
 */
import { describe, expect, it } from 'vitest';
import { layout } from '../src/layout/layout.js';
import { decodeHint, encodeHint } from '../src/manifest/manifest-hint.js';
import { initialShardManifest, shardManifestSchema, type ShardManifest } from '../src/manifest/manifest-schemas.js';
import { ManifestStore } from '../src/manifest/manifest-store.js';
import { MemoryStore } from '../src/store/memory-store.js';

const DIR = layout.shardManifests(0);
const HINT = layout.manifestHint(DIR);
const enc = (s: string) => new TextEncoder().encode(s);
const doc = (epoch: number): ShardManifest => ({ ...initialShardManifest(0), epoch });

/** Versions 1…7 committed, then 3…6 pruned as GC does when a tag keeps version 2. */
async function gapped(checksums = true) {
  const store = new MemoryStore();
  const ms = new ManifestStore(store, DIR, shardManifestSchema, () => initialShardManifest(0), checksums);
  for (let v = 1; v <= 7; v++) await ms.commit(v, doc(v));
  for (let v = 3; v <= 6; v++) await store.delete(layout.manifest(DIR, v));
  return { store, ms };
}

describe('a wrong _latest hint never hides the newest version (regression: GC gaps)', () => {
  it.each(['', '2', '1', '0', '2 00000000', `2 ${new TextDecoder().decode(encodeHint(6)).split(' ')[1]}`, ' 7', '7\n'])('hint %j finds version 7', async (hint) => {
    const { store, ms } = await gapped();
    await store.put(HINT, enc(hint));
    expect(await ms.latest()).toEqual({ version: 7, doc: doc(7) });
  });

  it('a checked hint of the tagged version, written late, does not replace the newer hint', async () => {
    const { store, ms } = await gapped();
    await ms.hint(2); // what a committer of version 2 that stalled until now would write
    expect(decodeHint(await store.get(HINT), false)).toBe(7);
    expect((await ms.latest()).version).toBe(7);
  });

  it('every single bit flip of a hint is refused or names the same version', async () => {
    const good = encodeHint(123456);
    for (let i = 0; i < good.length * 8; i++) {
      const b = good.slice();
      b[i >> 3] ^= 1 << (i & 7);
      expect([undefined, 123456]).toContain(decodeHint(b, false));
    }
  });

  it('a table without checksums still takes its bare-digit hints; one with checksums lists instead', async () => {
    expect(decodeHint(enc('42'), true)).toBe(42);
    expect(decodeHint(enc('42'), false)).toBeUndefined();
    const { store, ms } = await gapped(false);
    await store.put(HINT, enc('7'));
    expect((await ms.latest()).version).toBe(7);
  });
});

describe('a shard manifest of another shard is refused (regression: read as this shard\'s)', () => {
  it('a valid version of shard 0 copied to shard 1\'s path is a CorruptEntryError', async () => {
    const store = new MemoryStore();
    const s0 = new ManifestStore(store, layout.shardManifests(0), shardManifestSchema, () => initialShardManifest(0), true);
    const s1 = new ManifestStore(store, layout.shardManifests(1), shardManifestSchema, () => initialShardManifest(1), true);
    await s0.commit(1, doc(5));
    await s1.commit(1, { ...initialShardManifest(1), epoch: 2 });
    await store.put(layout.manifest(layout.shardManifests(1), 1), await store.get(layout.manifest(layout.shardManifests(0), 1)));
    await expect(s1.latest()).rejects.toThrow(/names shard 0 but is stored as shard 1's/);
    expect((await s0.latest()).doc.epoch).toBe(5);
  });
});
