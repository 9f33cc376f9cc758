/**
 * The live-snapshot registry (snapshot-registry.ts) that GC consults: a pin counts
 * while its owner holds it, until released or past `expiresAt`, and only for its
 * table (the same store instance or the same store URI). Time is passed in (`now`).
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore, liveSnapshotPins, registerSnapshot, releaseSnapshot, type SnapshotPin } from '../src/index.js';

const T0 = 1_700_000_000_000;
const pin = (store: MemoryStore, baseVersion: number, expiresAt = T0 + 1000): SnapshotPin => ({ store, baseVersion, shardVersions: [baseVersion], expiresAt });

describe('live snapshot registry', () => {
  it('keeps a pin until its owner releases it', () => {
    const store = new MemoryStore();
    const owner = {};
    registerSnapshot(owner, pin(store, 3));
    expect(liveSnapshotPins(store, T0).map((p) => p.baseVersion)).toEqual([3]);
    releaseSnapshot(owner);
    expect(liveSnapshotPins(store, T0)).toEqual([]);
  });

  it('drops a pin once now is past its expiry (expiresAt itself still counts)', () => {
    const store = new MemoryStore();
    const owner = {};
    registerSnapshot(owner, pin(store, 4, T0 + 10));
    expect(liveSnapshotPins(store, T0 + 10)).toHaveLength(1);
    expect(liveSnapshotPins(store, T0 + 11)).toEqual([]);
    expect(liveSnapshotPins(store, T0)).toEqual([]); // gone for good, not hidden
    releaseSnapshot(owner);
  });

  it('matches the table by store instance or by URI, not other tables', () => {
    const a = new MemoryStore('registry-a');
    const b = new MemoryStore('registry-b');
    const owners = [{}, {}];
    registerSnapshot(owners[0], pin(a, 1));
    registerSnapshot(owners[1], pin(b, 2));
    expect(liveSnapshotPins(a, T0).map((p) => p.baseVersion)).toEqual([1]);
    expect(liveSnapshotPins(new MemoryStore('registry-a'), T0).map((p) => p.baseVersion)).toEqual([1]); // another handle on the same table
    expect(liveSnapshotPins(undefined, T0).map((p) => p.baseVersion)).toEqual(expect.arrayContaining([1, 2]));
    owners.forEach(releaseSnapshot);
  });
});
