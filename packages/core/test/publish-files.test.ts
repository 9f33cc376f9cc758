/**
 * `publishDataFile` (DESIGN.md invariant 7, "Publish last"): the one step that writes
 * a data file and then its key index, put-if-absent, for the flush, bulk ingest and
 * compaction's base files. Table-driven over what already exists in the store: a
 * collision is an `AlreadyExistsError` naming the path, and nothing stored is changed.
 */
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, isFreshtierError } from '../src/errors.js';
import { crc32 } from '../src/format/crc32.js';
import { publishDataFile, type DataFileToPublish } from '../src/format/publish-files.js';
import { keyIndexPathFor } from '../src/layout/layout.js';
import { MemoryStore } from '../src/store/memory-store.js';

const DATA = 'shards/0/gen-00000000000000000007-e00000000000000000001-abcd1234/data.parquet';
const KEYS = keyIndexPathFor(DATA);
const bytes = (...b: number[]) => new Uint8Array(b);

/** A store that logs the order of creates. */
function loggingStore(): { store: MemoryStore; created: string[] } {
  const store = new MemoryStore();
  const created: string[] = [];
  const put = store.putIfAbsent.bind(store);
  store.putIfAbsent = async (key, data) => {
    const r = await put(key, data);
    if (r === 'created') created.push(key);
    return r;
  };
  return { store, created };
}

async function snapshot(store: MemoryStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of await store.list('')) out.set(m.key, Buffer.from(await store.get(m.key)).toString('hex'));
  return out;
}

describe('publishDataFile', () => {
  it('creates the data file, then the key index beside it (keyIndexPathFor)', async () => {
    const { store, created } = loggingStore();
    const r = await publishDataFile(store, { dataPath: DATA, data: bytes(1, 2, 3), keyIndex: bytes(9, 9) });
    expect(created).toEqual([DATA, KEYS]);
    expect(r).toEqual({ keyIndexPath: KEYS, bytesWritten: 5, checksum: crc32(bytes(1, 2, 3)) });
    expect([...(await store.get(KEYS))]).toEqual([9, 9]);
  });

  it('append-only (no key index): only the data file', async () => {
    const { store, created } = loggingStore();
    expect(await publishDataFile(store, { dataPath: DATA, data: bytes(1) })).toEqual({ keyIndexPath: undefined, bytesWritten: 1, checksum: crc32(bytes(1)) });
    expect(created).toEqual([DATA]);
  });

  it('an explicit keyIndexPath is used as given', async () => {
    const { store, created } = loggingStore();
    const r = await publishDataFile(store, { dataPath: 'base/data/u.parquet', data: bytes(1), keyIndex: bytes(2), keyIndexPath: 'base/data/other.keys.arrow' });
    expect(r.keyIndexPath).toBe('base/data/other.keys.arrow');
    expect(created).toEqual(['base/data/u.parquet', 'base/data/other.keys.arrow']);
  });

  it('afterData runs between the two files; if it throws, no key index is written', async () => {
    const { store, created } = loggingStore();
    const seen: string[][] = [];
    const files: DataFileToPublish = { dataPath: DATA, data: bytes(1), keyIndex: bytes(2), afterData: () => { seen.push([...created]); throw new Error('crash here'); } };
    await expect(publishDataFile(store, files)).rejects.toThrow('crash here');
    expect(seen).toEqual([[DATA]]);
    expect(created).toEqual([DATA]);
  });

  // what exists before the publish -> the path named by the AlreadyExistsError
  const collisions: { name: string; existing: string[]; path: string; keyed: boolean }[] = [
    { name: 'the data file exists', existing: [DATA], path: DATA, keyed: true },
    { name: 'the data file exists (append-only)', existing: [DATA], path: DATA, keyed: false },
    { name: 'both exist', existing: [DATA, KEYS], path: DATA, keyed: true },
    { name: 'only the key index exists', existing: [KEYS], path: KEYS, keyed: true },
  ];
  for (const c of collisions) {
    it(`${c.name}: AlreadyExistsError naming ${c.path === DATA ? 'the data file' : 'the key index'}, nothing overwritten`, async () => {
      const store = new MemoryStore();
      for (const p of c.existing) await store.put(p, bytes(7, 7, 7));
      const before = await snapshot(store);
      const e = await publishDataFile(store, { dataPath: DATA, data: bytes(1), keyIndex: c.keyed ? bytes(2) : undefined, onCollision: 'retry the flush' }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AlreadyExistsError);
      expect(isFreshtierError(e, 'ALREADY_EXISTS')).toBe(true);
      expect((e as AlreadyExistsError).message).toBe(`Object already exists: ${c.path}; retry the flush.`);
      expect((e as AlreadyExistsError).context.path).toBe(c.path);
      const after = await snapshot(store);
      for (const [k, v] of before) expect(after.get(k), k).toBe(v); // every existing object unchanged
      if (c.path === DATA) expect([...after.keys()].sort()).toEqual([...before.keys()].sort()); // nothing written
    });
  }

  it('the default message says it is a name collision and to retry', async () => {
    const store = new MemoryStore();
    await store.put(DATA, bytes(1));
    await expect(publishDataFile(store, { dataPath: DATA, data: bytes(2) })).rejects.toThrow(/already exists: .*data\.parquet; .*name collision: retry/);
  });
});
