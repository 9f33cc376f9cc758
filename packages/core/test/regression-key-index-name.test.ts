/**
 * Key index files ended in `.keys.arrow` although they are `FTK2` frames, not Arrow IPC
 * (issue 15): a reader that trusted the name failed on them. New key indexes end in
 * `.keys.ftk`; the old name stays readable (readers follow the manifest's `keyIndexPath`)
 * and collectable (`layout.parse` recognises both), so GC still cleans old tables.
 */
import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { encodeKeyIndex, emptyKeyIndex, decodeKeyIndex } from '../src/format/key-index.js';
import { keyIndexPathFor, layout } from '../src/layout/layout.js';

const UUID = '01234567-89ab-cdef-0123-456789abcdef';

describe('key index file names (regression: .keys.arrow named a file that is not Arrow IPC)', () => {
  it('new key indexes get a name that does not claim Arrow IPC', () => {
    for (const data of [layout.baseDataFile(), layout.generationFile(0, 3, 1), layout.ingestFile(2, 5)]) {
      const keys = keyIndexPathFor(data);
      expect(keys.endsWith('.keys.ftk')).toBe(true);
      expect(keys.endsWith('.arrow')).toBe(false);
    }
  });

  it('the bytes under that name are indeed not an Arrow IPC stream (the reason for the name)', () => {
    const bytes = encodeKeyIndex(emptyKeyIndex());
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('FTK3'); // blocked since issue 16 (FTK2 before): neither is Arrow IPC
    expect(() => tableFromIPC(bytes)).toThrow();
    expect(decodeKeyIndex(bytes, 'k.keys.ftk', true).count).toBe(0);
  });

  it.each([
    [`base/data/${UUID}.keys.ftk`, { kind: 'base-data', role: 'key-index' }],
    [`base/data/${UUID}.keys.arrow`, { kind: 'base-data', role: 'key-index' }],
    ['shards/1/gen-7-e2-0badf00d/data.keys.ftk', { kind: 'generation-file', shard: 1, generation: 7, epoch: 2, role: 'key-index' }],
    ['shards/1/gen-7-e2-0badf00d/data.keys.arrow', { kind: 'generation-file', shard: 1, generation: 7, epoch: 2, role: 'key-index' }],
    ['shards/1/gen-7-0badf00d/data.keys.ftk', { kind: 'generation-file', shard: 1, generation: 7, epoch: undefined, role: 'key-index' }],
    [`shards/1/ingest-e3-${UUID}/data.keys.ftk`, { kind: 'ingest-file', shard: 1, epoch: 3, role: 'key-index' }],
    [`shards/1/ingest-e3-${UUID}/data.keys.arrow`, { kind: 'ingest-file', shard: 1, epoch: 3, role: 'key-index' }],
  ])('layout.parse recognises %s (new and old names)', (key, expected) => {
    expect(layout.parse(key)).toMatchObject(expected);
  });

  it.each([
    `base/data/${UUID}.ftk`,
    `base/data/${UUID}.keys.ftk.tmp`,
    'shards/1/gen-7-e2-0badf00d/data.ftk',
    'shards/1/gen-7-e2-0badf00d/keys.ftk',
  ])('does not recognise the near miss %s', (key) => {
    expect(layout.parse(key)).toBeUndefined();
  });
});
