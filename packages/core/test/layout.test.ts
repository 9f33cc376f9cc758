import { describe, expect, it } from 'vitest';
import { keyIndexPathFor, layout, pad20, parseManifestVersion, parseWalPosition } from '../src/layout/layout.js';
import { assertValidKey } from '../src/store/object-store.js';

describe('layout', () => {
  it('pad20 zero-pads so lexicographic order is numeric order', () => {
    expect(pad20(0)).toBe('00000000000000000000');
    expect(pad20(12)).toBe('00000000000000000012');
    expect(pad20(Number.MAX_SAFE_INTEGER)).toBe('00009007199254740991');
    const nums = [0, 9, 10, 99, 100, 12345, 2 ** 40];
    expect(nums.map(pad20).sort()).toEqual(nums.map(pad20));
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) expect(() => pad20(bad)).toThrow(RangeError);
  });

  it('builds the documented paths', () => {
    expect(layout.tableDoc).toBe('_table.json');
    expect(layout.manifest(layout.baseManifests, 7)).toBe('base/_manifests/v00000000000000000007.json');
    expect(layout.manifest(layout.shardManifests(3), 1)).toBe('shards/3/_manifests/v00000000000000000001.json');
    expect(layout.walEntry(0, 12, '.ftw')).toBe('shards/0/wal/00000000000000000012.ftw');
    expect(layout.walEntry(0, 12, '.arrow')).toBe('shards/0/wal/00000000000000000012.arrow'); // tables of format version 1
    expect(layout.walEntry(2, 5, '.ftw').startsWith(layout.walDir(2))).toBe(true);
    expect(layout.tag('release-1')).toBe('_tags/release-1.json');
    expect(layout.tag('x').startsWith(layout.tagsDir)).toBe(true);
    expect(layout.generationDir(4, 9, 2)).toMatch(/^shards\/4\/gen-9-e2-[0-9a-f]{8}\/$/);
    expect(layout.generationDir(4, 9, 2)).not.toBe(layout.generationDir(4, 9, 2));
    expect(layout.ingestDir(4, 2)).toMatch(/^shards\/4\/ingest-e2-[0-9a-f-]{36}\/$/);
    expect(layout.baseDataFile()).toMatch(/^base\/data\/[0-9a-f-]{36}\.parquet$/);
    expect(layout.shardDir(3)).toBe('shards/3/');
    expect(layout.manifestHint(layout.shardManifests(3))).toBe('shards/3/_manifests/_latest');
    expect(layout.manifestHint(layout.baseManifests)).toBe('base/_manifests/_latest');
    expect(layout.walQuarantine(0, 12, 3, '.ftw')).toBe('shards/0/wal-quarantine/00000000000000000012-by-epoch-3.ftw');
    expect(layout.generationFile(4, 9, 2)).toMatch(/^shards\/4\/gen-9-e2-[0-9a-f]{8}\/data\.parquet$/);
    expect(layout.ingestFile(4, 2)).toMatch(/^shards\/4\/ingest-e2-[0-9a-f-]{36}\/data\.parquet$/);
    for (const bad of [-1, 1.5, NaN]) expect(() => layout.walQuarantine(0, 1, bad, '.ftw')).toThrow(RangeError);
    for (const p of [layout.walEntry(1, 2, '.ftw'), layout.manifest(layout.baseManifests, 3), layout.baseDataFile(), layout.generationFile(0, 1, 1), layout.walQuarantine(0, 1, 1, '.ftw')]) expect(() => assertValidKey(p)).not.toThrow();
  });

  it('keyIndexPathFor sits beside the data file', () => {
    expect(keyIndexPathFor('shards/0/gen-1-abcd1234/data.parquet')).toBe('shards/0/gen-1-abcd1234/data.keys.ftk');
    expect(keyIndexPathFor('base/data/u.parquet')).toBe('base/data/u.keys.ftk');
  });

  it('parses versions and WAL positions back, and nothing else', () => {
    expect(parseManifestVersion(layout.manifest('shards/1/_manifests/', 42))).toBe(42);
    expect(parseManifestVersion('base/_manifests/_latest')).toBeUndefined();
    expect(parseManifestVersion('base/_manifests/v42.json')).toBeUndefined();
    expect(parseManifestVersion('base/_manifests/v00000000000000000042.json.tmp')).toBeUndefined();
    expect(parseWalPosition(layout.walEntry(3, 77, '.ftw'), '.ftw')).toBe(77);
    expect(parseWalPosition(layout.walEntry(3, 77, '.arrow'), '.arrow')).toBe(77);
    // one table has one suffix: the other name is not one of its entries
    expect(parseWalPosition(layout.walEntry(3, 77, '.arrow'), '.ftw')).toBeUndefined();
    expect(parseWalPosition(layout.walEntry(3, 77, '.ftw'), '.arrow')).toBeUndefined();
    expect(parseWalPosition('shards/3/wal/77.ftw', '.ftw')).toBeUndefined();
    expect(parseWalPosition('shards/3/wal/.tmp-00000000000000000077.ftw', '.ftw')).toBeUndefined();
  });
});
