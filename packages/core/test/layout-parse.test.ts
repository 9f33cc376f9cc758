/**
 * `layout.parse` reads back exactly the names layout.ts builds (a property over
 * shards, generations, epochs and positions) and nothing else (a table of names
 * that look close but are not freshtier's: GC must never delete those).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyIndexPathFor, layout, pad20 } from '../src/layout/layout.js';

const nat = fc.integer({ min: 0, max: 2 ** 40 });

describe('layout.parse', () => {
  it('reads back every name layout.ts builds', () => {
    fc.assert(fc.property(nat, nat, nat, nat, (shard, generation, epoch, n) => {
      const gen = layout.generationFile(shard, generation, epoch);
      expect(layout.parse(gen)).toEqual({ kind: 'generation-file', shard, generation, epoch, role: 'data', dir: gen.slice(0, -'data.parquet'.length) });
      expect(layout.parse(keyIndexPathFor(gen))).toMatchObject({ kind: 'generation-file', shard, generation, epoch, role: 'key-index' });
      const ingest = layout.ingestFile(shard, epoch);
      expect(layout.parse(ingest)).toEqual({ kind: 'ingest-file', shard, epoch, role: 'data', dir: ingest.slice(0, -'data.parquet'.length) });
      expect(layout.parse(keyIndexPathFor(ingest))).toMatchObject({ kind: 'ingest-file', shard, epoch, role: 'key-index' });
      for (const suffix of ['.ftw', '.arrow'] as const) expect(layout.parse(layout.walEntry(shard, n, suffix))).toEqual({ kind: 'wal-entry', shard, position: n });
      expect(layout.parse(layout.manifest(layout.shardManifests(shard), n))).toEqual({ kind: 'manifest', shard, version: n });
      expect(layout.parse(layout.manifest(layout.baseManifests, n))).toEqual({ kind: 'manifest', shard: undefined, version: n });
      expect(layout.parse(layout.manifestHint(layout.shardManifests(shard)))).toEqual({ kind: 'manifest-hint', shard });
      for (const suffix of ['.ftw', '.arrow'] as const) expect(layout.parse(layout.walQuarantine(shard, n, epoch, suffix))).toEqual({ kind: 'wal-quarantine', shard, position: n, epoch });
      expect(layout.walQuarantine(shard, n, epoch, '.ftw')).toBe(`shards/${shard}/wal-quarantine/${pad20(n)}-by-epoch-${epoch}.ftw`);
      for (const key of [gen, ingest, layout.walEntry(shard, n, '.ftw'), layout.walQuarantine(shard, n, epoch, '.ftw'), layout.manifest(layout.shardManifests(shard), n)]) {
        expect(key.startsWith(layout.shardDir(shard))).toBe(true); // GC lists a shard's files under this one prefix
      }
    }), { seed: 18, numRuns: 200 });
  });

  it('reads base files, tags, the table document and names written before epochs were in them', () => {
    const base = layout.baseDataFile();
    expect(layout.parse(base)).toEqual({ kind: 'base-data', role: 'data' });
    expect(layout.parse(keyIndexPathFor(base))).toEqual({ kind: 'base-data', role: 'key-index' });
    expect(layout.parse(layout.tag('nightly-1'))).toEqual({ kind: 'tag', name: 'nightly-1' });
    expect(layout.parse(layout.tableDoc)).toEqual({ kind: 'table-doc' });
    expect(layout.parse(layout.manifestHint(layout.baseManifests))).toEqual({ kind: 'manifest-hint', shard: undefined });
    expect(layout.parse('shards/3/gen-7-0badf00d/data.parquet')).toMatchObject({ kind: 'generation-file', shard: 3, generation: 7, epoch: undefined });
    expect(layout.parse('shards/3/gen-7-e1234567/data.keys.arrow')).toMatchObject({ kind: 'generation-file', generation: 7, epoch: undefined, role: 'key-index' }); // an old random part may start with "e"
    expect(layout.parse('shards/3/ingest-01234567-89ab-cdef-0123-456789abcdef/data.parquet')).toMatchObject({ kind: 'ingest-file', shard: 3, epoch: undefined });
  });

  // One sample per member of `layout`: a builder added without a case here (so perhaps
  // without a pattern in layout-parse.ts, and never deletable by GC) fails this test.
  const FILES: Record<string, () => string> = {
    tableDoc: () => layout.tableDoc,
    manifest: () => layout.manifest(layout.baseManifests, 1),
    manifestHint: () => layout.manifestHint(layout.shardManifests(2)),
    walEntry: () => layout.walEntry(2, 3, '.ftw'),
    walQuarantine: () => layout.walQuarantine(2, 3, 4, '.ftw'),
    generationFile: () => layout.generationFile(2, 3, 4),
    ingestFile: () => layout.ingestFile(2, 4),
    baseDataFile: () => layout.baseDataFile(),
    tag: () => layout.tag('t'),
  };
  const DIRS: Record<string, () => string> = {
    baseManifests: () => layout.baseManifests,
    shardDir: () => layout.shardDir(2),
    shardManifests: () => layout.shardManifests(2),
    walDir: () => layout.walDir(2),
    generationDir: () => layout.generationDir(2, 3, 4),
    ingestDir: () => layout.ingestDir(2, 4),
    baseDataDir: () => layout.baseDataDir,
    tagsDir: () => layout.tagsDir,
  };

  it('has a case for every member of layout', () => {
    expect(Object.keys(layout).sort()).toEqual([...Object.keys(FILES), ...Object.keys(DIRS), 'parse'].sort());
  });

  it.each(Object.entries(FILES))('recognises what layout.%s builds, and its key index where it has one', (_, build) => {
    const key = build();
    expect(layout.parse(key)).toBeDefined();
    if (key.endsWith('.parquet')) expect(layout.parse(keyIndexPathFor(key))).toMatchObject({ role: 'key-index' });
  });

  it.each(Object.entries(DIRS))('layout.%s is a directory prefix, not an object name', (_, build) => {
    const dir = build();
    expect(dir.endsWith('/')).toBe(true);
    expect(layout.parse(dir)).toBeUndefined();
  });

  it.each([
    'base/data/notes.txt',
    'base/data/01234567-89ab-cdef-0123-456789abcdef.parquet.bak',
    'base/data/01234567-89AB-CDEF-0123-456789ABCDEF.parquet',
    'base/data/sub/01234567-89ab-cdef-0123-456789abcdef.parquet',
    'base/01234567-89ab-cdef-0123-456789abcdef.parquet',
    'shards/0/gen-1-e1-0badf00d/other.parquet',
    'shards/0/gen-1-e1-0badf00d/sub/data.parquet',
    'shards/0/gen-1-e1-0badf00d',
    'shards/0/gen-1-e1-0BADF00D/data.parquet',
    'shards/0/gen-01-e1-0badf00d/data.parquet',
    'shards/00/gen-1-e1-0badf00d/data.parquet',
    'shards/-1/gen-1-e1-0badf00d/data.parquet',
    'shards/0/gen-1-e-0badf00d/data.parquet',
    'shards/0/gen-1-e1-0badf00/data.parquet',
    'shards/0/gen-1-e1-0badf00d-x/data.parquet',
    'shards/0/ingest-e1-not-a-uuid/data.parquet',
    'shards/0/wal/123.arrow',
    'shards/0/wal/00000000000000000001.arrow.tmp',
    'shards/0/wal/00000000000000000001.ftw.tmp',
    'shards/0/wal/00000000000000000001.parquet',
    'shards/0/_manifests/v1.json',
    'shards/0/_manifests/v99999999999999999999.json',
    '_tags/a/b.json',
    '_table.json.bak',
    'x/base/data/01234567-89ab-cdef-0123-456789abcdef.parquet',
    '',
  ])('does not recognise %j', (key) => {
    expect(layout.parse(key)).toBeUndefined();
  });
});
