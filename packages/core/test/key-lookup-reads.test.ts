/**
 * `FileReader.findKeys` on a blocked (`FTK3`) key index reads the directory once and then
 * only the blocks that can hold the keys asked, with ranged reads, cached by block; it
 * agrees with a binary search of the whole index; older indexes are read whole as before.
 */
import { Field, Int64, Schema } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileReader, MemoryStore, Table, decodeKeyIndex, emptyStats, encodeKeyIndex, encodeKeyIndexFtk2, findKey, type DataFile, type KeyIndex, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '../src/index.js';
import { readDirectory } from '../src/format/key-block-directory.js';
import { HEAD_BYTES } from '../src/read/key-lookup.js';

const INDEX = 'base/data/u.keys.ftk';
const schema = new Schema([new Field('id', new Int64(), false)]);

/** Counts read requests and bytes. */
class CountingStore implements ObjectStore {
  gets = 0;
  ranges = 0;
  bytes = 0;
  constructor(readonly inner: ObjectStore) {}
  get uri() { return this.inner.uri; }
  async get(key: string) { const b = await this.inner.get(key); this.gets++; this.bytes += b.length; return b; }
  async getRange(key: string, offset: number, length: number) { const b = await this.inner.getRange(key, offset, length); this.ranges++; this.bytes += b.length; return b; }
  head(key: string): Promise<ObjectMeta | undefined> { return this.inner.head(key); }
  put(key: string, data: Uint8Array) { return this.inner.put(key, data); }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { return this.inner.putIfAbsent(key, data); }
  list(prefix: string) { return this.inner.list(prefix); }
  delete(key: string) { return this.inner.delete(key); }
  reset() { this.gets = this.ranges = this.bytes = 0; }
}

/** An index of `n` keys: 8-byte big-endian `step * i`, row = position, every 7th a tombstone. */
function bigIndex(n: number, step = 2): KeyIndex {
  const keyBytes = new Uint8Array(8 * n);
  const view = new DataView(keyBytes.buffer);
  for (let i = 0; i < n; i++) view.setBigUint64(8 * i, BigInt(step * i));
  return {
    count: n, keyBytes, keyOffsets: Int32Array.from({ length: n + 1 }, (_, i) => 8 * i),
    rows: Uint32Array.from({ length: n }, (_, i) => i), firstBatch: Int32Array.from({ length: n }, (_, i) => i % 11),
    tombstone: Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0)),
  };
}

function probes(values: number[]) {
  const bytes = new Uint8Array(8 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigUint64(8 * i, BigInt(v)));
  return { bytes, offsets: Uint32Array.from({ length: values.length + 1 }, (_, i) => 8 * i) };
}

async function setup(stored: Uint8Array, cache = 64 << 20) {
  const store = new CountingStore(new MemoryStore());
  const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 1 });
  await store.put(INDEX, stored);
  // as a manifest entry says: one row per key (index-identity.ts checks it)
  const rows = String.fromCharCode(...stored.subarray(0, 4)) === 'FTK3' ? new DataView(stored.buffer, stored.byteOffset).getUint32(16, true) : decodeKeyIndex(stored, INDEX).count;
  const file: DataFile = { path: 'base/data/u.parquet', rows, bytes: 1, rowGroupSize: 1, keyIndexPath: INDEX };
  store.reset();
  return { store, reader: new FileReader(table, emptyStats(), cache), file };
}

const expected = (ix: KeyIndex, keys: ReturnType<typeof probes>, cands: number[]) => cands.map((c) => {
  const pos = findKey(ix, keys.bytes, keys.offsets[c], keys.offsets[c + 1]);
  return pos < 0 ? undefined : { row: ix.rows[pos], firstBatch: ix.firstBatch[pos], tombstone: ix.tombstone[pos] === 1 };
});

describe('findKeys on a blocked key index', () => {
  const ix = bigIndex(200_000);
  const stored = encodeKeyIndex(ix);
  const dir = readDirectory(stored, INDEX);
  const maxBlock = Math.max(...Array.from({ length: dir.header.blockCount }, (_, i) => dir.blockStart[i + 1] - dir.blockStart[i]));

  it('a lookup of k spread-out keys reads the directory and at most k blocks, not the index', async () => {
    const { store, reader, file } = await setup(stored);
    const values = Array.from({ length: 20 }, (_, i) => i * 20_011); // 20 keys in 20 different blocks, half present
    const keys = probes(values);
    const cands = values.map((_, i) => i);
    expect(await reader.findKeys(file, 'base', keys, cands)).toEqual(expected(ix, keys, cands));
    expect(store.gets).toBe(0);
    expect(reader.stats.keyBlocksRead).toBeLessThanOrEqual(20);
    const dirReads = Math.ceil(dir.blockStart[0] / HEAD_BYTES);
    expect(store.ranges).toBeLessThanOrEqual(dirReads + 20);
    expect(store.bytes).toBeLessThanOrEqual(HEAD_BYTES + dir.blockStart[0] + 20 * maxBlock);
    expect(store.bytes).toBeLessThan(stored.length / 2);
  });

  it('asking again reads nothing (directory and blocks are cached); without cache room it reads again', async () => {
    const keys = probes([4, 100_000, 399_998]);
    const { store, reader, file } = await setup(stored);
    await reader.findKeys(file, 'base', keys, [0, 1, 2]);
    const first = store.ranges;
    expect(await reader.findKeys(file, 'base', keys, [0, 1, 2])).toEqual(expected(ix, keys, [0, 1, 2]));
    expect(store.ranges).toBe(first);
    const cold = await setup(stored, 0);
    await cold.reader.findKeys(cold.file, 'base', keys, [0, 1, 2]);
    const once = cold.store.ranges;
    expect(await cold.reader.findKeys(cold.file, 'base', keys, [0, 1, 2])).toEqual(expected(ix, keys, [0, 1, 2]));
    expect(cold.store.ranges).toBe(2 * once);
  });

  it('keys outside every block range read no block', async () => {
    const { reader, file } = await setup(stored);
    const keys = probes([1, 3, 5, 10_000_000]); // odd keys fall inside blocks; 10M is after the last key
    await reader.findKeys(file, 'base', keys, [3]);
    expect(reader.stats.keyBlocksRead).toBe(0);
  });

  it('agrees with a binary search of the whole index (property over random key sets)', async () => {
    const { reader, file } = await setup(stored);
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 400_010 }), { minLength: 1, maxLength: 40 }), async (values) => {
      const keys = probes(values);
      const cands = values.map((_, i) => i);
      expect(await reader.findKeys(file, 'base', keys, cands)).toEqual(expected(ix, keys, cands));
    }), { seed: 1602, numRuns: 60 });
  });

  it('a small index is read with one request', async () => {
    const small = bigIndex(500);
    const { store, reader, file } = await setup(encodeKeyIndex(small));
    const keys = probes([0, 2, 3, 998]);
    expect(await reader.findKeys(file, 'base', keys, [0, 1, 2, 3])).toEqual(expected(small, keys, [0, 1, 2, 3]));
    expect(store.ranges + store.gets).toBe(1);
  });

  it('an FTK2 index (older tables) is read whole and answers the same', async () => {
    const old = encodeKeyIndexFtk2(ix);
    const { store, reader, file } = await setup(old);
    const keys = probes([0, 7, 14, 399_998]);
    expect(await reader.findKeys(file, 'base', keys, [0, 1, 2, 3])).toEqual(expected(ix, keys, [0, 1, 2, 3]));
    expect(store.gets).toBe(old.length > HEAD_BYTES ? 1 : 0);
  });

  it('a blocked index cut short in the store is a CorruptEntryError when a block past the cut is needed', async () => {
    const { reader, file } = await setup(stored.subarray(0, stored.length - 10));
    const keys = probes([399_998]);
    await expect(reader.findKeys(file, 'base', keys, [0])).rejects.toMatchObject({ code: 'CORRUPT_ENTRY', message: expect.stringContaining('cut short') });
  });
});
