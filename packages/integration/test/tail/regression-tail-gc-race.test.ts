/**
 * Regression (issue 14, found in review): a remote reader lists the WAL after reading the
 * shard manifest. If a flush commits and GC collects the entries it covers in between,
 * the reader's GET of a listed entry finds nothing: the refresh failed with
 * `NotFoundError` although nothing was wrong. The refresh now reads the manifests again
 * (the newer `replayAfter` covers the vanished entries) and goes on.
 */
import { MemoryStore, Table, layout, listWal, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter } from '@freshtier/writer';
import { Field, Int64, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

const schema = new Schema([new Field('id', new Int64(), false)]);
const rows = (lo: number, hi: number) => {
  const n = hi - lo;
  const id = makeData({ type: new Int64(), length: n, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(lo + i)) });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [id] }));
};

/** Runs `race` once, right after the next WAL listing is taken and before it is returned. */
class RacingStore implements ObjectStore {
  readonly uri = 'memory://racing';
  race?: () => Promise<void>;
  constructor(private readonly inner: ObjectStore) {}
  get(key: string): Promise<Uint8Array> { return this.inner.get(key); }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> { return this.inner.getRange(key, offset, length); }
  head(key: string): Promise<ObjectMeta | undefined> { return this.inner.head(key); }
  put(key: string, data: Uint8Array): Promise<void> { return this.inner.put(key, data); }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { return this.inner.putIfAbsent(key, data); }
  delete(key: string): Promise<void> { return this.inner.delete(key); }
  async list(prefix: string): Promise<ObjectMeta[]> {
    const listed = await this.inner.list(prefix);
    const race = prefix === layout.walDir(0) ? this.race : undefined;
    this.race = undefined;
    await race?.();
    return listed;
  }
}

describe('a remote reader racing a flush and GC of the WAL', () => {
  it('reads the manifests again when listed entries vanish, and misses nothing', async () => {
    const inner = new MemoryStore();
    const table = await Table.create(inner, { schema, primaryKey: ['id'], shards: 1 });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    for (let i = 0; i < 4; i++) await writer.put(rows(i * 10, i * 10 + 10));
    const racing = new RacingStore(inner);
    const reader = new LsmScanner(await Table.open(racing), { tail: true });
    racing.race = async () => {
      await writer.flush(); // commits, moving replayAfter past every entry listed
      const { replayAfter } = (await table.shardManifests(0).latest()).doc;
      for (const e of await listWal(inner, 0, -1, '.ftw')) if (e.position <= replayAfter) await inner.delete(e.key); // what GC may do
    };
    const t = await reader.scan({ columns: ['id'] }).toTable();
    expect([...t.getChild('id')!].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await writer.close();
  });
});
