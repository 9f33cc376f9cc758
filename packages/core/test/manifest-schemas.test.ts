import { describe, expect, it } from 'vitest';
import {
  FORMAT_VERSION, baseManifestSchema, initialBaseManifest, initialShardManifest, shardManifestSchema, tableDocSchema, tagDocSchema,
} from '../src/manifest/manifest-schemas.js';

describe('manifest schemas', () => {
  it('the initial documents are valid and of this format version', () => {
    expect(shardManifestSchema.parse(initialShardManifest(5))).toEqual(initialShardManifest(5));
    expect(initialShardManifest(5)).toMatchObject({ formatVersion: FORMAT_VERSION, shard: 5, epoch: 0, nextGeneration: 1, flushed: [], replayAfter: -1 });
    expect(baseManifestSchema.parse(initialBaseManifest())).toEqual(initialBaseManifest());
    expect(initialBaseManifest()).toMatchObject({ formatVersion: FORMAT_VERSION, files: [], compacted: {} });
    expect(FORMAT_VERSION).toBe(1);
  });

  it('each call returns a fresh document (callers may mutate theirs)', () => {
    const a = initialShardManifest(0);
    a.flushed.push({} as never);
    expect(initialShardManifest(0).flushed).toEqual([]);
    const b = initialBaseManifest();
    b.compacted['0'] = 3;
    expect(initialBaseManifest().compacted).toEqual({});
  });

  it('rejects out-of-range values', () => {
    expect(tableDocSchema.safeParse({ formatVersion: 1, createdAt: 'x', arrowSchema: '', fields: [], primaryKey: [], shards: 1 }).success).toBe(false);
    expect(tableDocSchema.safeParse({ formatVersion: 1, createdAt: 'x', arrowSchema: 'A', fields: [], primaryKey: [], shards: 4097 }).success).toBe(false);
    expect(shardManifestSchema.safeParse({ ...initialShardManifest(0), nextGeneration: 0 }).success).toBe(false);
    expect(baseManifestSchema.safeParse({ ...initialBaseManifest(), compacted: { 0: -1 } }).success).toBe(false);
    expect(tagDocSchema.safeParse({ formatVersion: 1, name: 't', baseVersion: 1, shardVersions: { 0: 2 }, createdAt: 'x' }).success).toBe(true);
    expect(tagDocSchema.safeParse({ formatVersion: 1, name: 't', baseVersion: -1, shardVersions: {}, createdAt: 'x' }).success).toBe(false);
  });
});
