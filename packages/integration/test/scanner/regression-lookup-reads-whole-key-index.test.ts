/**
 * Regression (issue 16): every key index was read whole on a cold lookup, so the cost of
 * `containsPks` / `get` / `containsPksAsOf` grew with the table, not with the keys asked.
 * Key indexes are now blocked (`FTK3`): a lookup reads each index's directory once, then
 * only the blocks whose key range holds one of its keys. Checked here through the public
 * API on a table of 60,000 base rows and a flushed generation, counting the bytes the
 * store hands out; the answers are checked against a plain model, for random key sets.
 */
import { MemoryStore, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { user, usersTable } from '../../../scanner/test/support/data.js';
import { Writers, compactShard } from '../support/writers.js';

/** Counts what reads take from the store. */
class CountingStore implements ObjectStore {
  bytes = 0;
  wholeIndexReads = 0;
  constructor(readonly inner: ObjectStore) {}
  get uri() { return this.inner.uri; }
  async get(key: string) {
    const b = await this.inner.get(key);
    this.bytes += b.length;
    if (key.endsWith('.keys.ftk')) this.wholeIndexReads++;
    return b;
  }
  async getRange(key: string, offset: number, length: number) { const b = await this.inner.getRange(key, offset, length); this.bytes += b.length; return b; }
  head(key: string): Promise<ObjectMeta | undefined> { return this.inner.head(key); }
  put(key: string, data: Uint8Array) { return this.inner.put(key, data); }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { return this.inner.putIfAbsent(key, data); }
  list(prefix: string) { return this.inner.list(prefix); }
  delete(key: string) { return this.inner.delete(key); }
}

const BASE = 60_000;

/** Base: the even ids 0..119,998, then a flushed generation deleting ids 0..99 and adding 200,000..200,099 */
async function fixture() {
  const store = new CountingStore(new MemoryStore());
  const table = await usersTable({ store });
  const writers = await Writers.open(table, 4096);
  await writers.put(Array.from({ length: BASE }, (_, i) => user(2 * i, 1)));
  await writers.flushAll();
  await compactShard(table, 0, 4096);
  await writers.delete(Array.from({ length: 100 }, (_, i) => BigInt(2 * i)));
  await writers.put(Array.from({ length: 100 }, (_, i) => user(200_000 + i, 2)));
  await writers.flushAll();
  for (const w of writers.byShard) await w.close();
  const indexBytes = (await store.list('')).filter((o) => o.key.endsWith('.keys.ftk')).reduce((n, o) => n + o.size, 0);
  return { store, table, indexBytes };
}

const live = (id: number) => (id >= 200 && id < 2 * BASE && id % 2 === 0) || (id >= 200_000 && id < 200_100);

describe('a cold lookup reads only the key-index blocks its keys need', () => {
  it('containsPks of 5 keys reads a small part of the key indexes, never one whole', async () => {
    const { store, table, indexBytes } = await fixture();
    const scanner = new LsmScanner(table);
    store.bytes = 0;
    store.wholeIndexReads = 0;
    const ids = [500, 9_001, 60_000, 119_998, 200_050];
    expect(await scanner.containsPks(ids.map((id) => ({ id })))).toEqual(ids.map(live));
    expect(store.wholeIndexReads).toBe(0);
    expect(scanner.stats.keyBlocksRead).toBeLessThanOrEqual(2 * ids.length);
    expect(scanner.stats.dataFileReads).toBe(0);
    expect(scanner.stats.bytesRead).toBeLessThan(indexBytes / 3); // what the file reader fetched (manifests aside)
    expect(store.bytes).toBeLessThan(indexBytes / 2);
  });

  it('answers like the model for random key sets, cold and then warm (reading nothing more)', async () => {
    const { table } = await fixture();
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.integer({ min: -5, max: 120_100 }), fc.integer({ min: 199_990, max: 200_110 })), { minLength: 1, maxLength: 30 }), async (ids) => {
      const scanner = new LsmScanner(table);
      const keys = ids.map((id) => ({ id }));
      expect(await scanner.containsPks(keys)).toEqual(ids.map(live));
      const got = await scanner.get(keys);
      expect([...got.getChild('id')!].map(Number).sort((a, b) => a - b)).toEqual([...new Set(ids.filter(live))].sort((a, b) => a - b));
      const before = { ...scanner.stats };
      expect(await scanner.containsPks(keys)).toEqual(ids.map(live));
      expect(scanner.stats).toEqual(before); // directories and blocks came from the cache
    }), { seed: 1603, numRuns: 25 });
  });
});
