/**
 * Regression (issue 14): a remote reader reads the shard manifest, then lists the WAL
 * after its read position. If, in between, a flush commits and GC collects the data
 * entries that commit covers, the listing has a gap at or below the new `replayAfter`.
 * `contiguousFrom` takes the gap for a hole (a position an opening writer has not filled
 * yet) and stops there: the read misses entries acknowledged before it was called,
 * although nothing is missing (the newer `replayAfter` covers the gap).
 * regression-tail-gc-race.test.ts covers the other order (entries listed, then
 * collected: the GET fails, and the refresh reads the manifests again); this is the
 * listing taken after GC. It takes a refresh slower than GC's `olderThan` (GC runs on an
 * injected clock an hour on), as that fix does.
 *
 * The writer: `put A` (generation 1), then a `flush` whose commit is held back, then
 * `put B` (generation 2, acked, not committed). The reader's scan reads the manifests
 * (nothing flushed), then — before its LIST — the commit lands and GC collects A's
 * entry (fence entries stay: the gap sits between them and B's). The scan must show A
 * (from the flushed file) and B (from the WAL). Fix idea: a gap at or below the
 * `replayAfter` of a manifest read after the LIST is no hole: read the manifests again
 * and go on from there.
 */
import { MemoryStore, Table, layout, listWal, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, gc } from '@freshtier/writer';
import { describe, expect, it } from 'vitest';
import { range, rangeBatch, schema } from '../s3/e2e-support.js';

/** Holds shard-manifest commits while `gate` is set; runs `beforeList` once, before the next WAL listing. */
class RacingStore implements ObjectStore {
  readonly uri = 'memory://racing-before-list';
  gate: Promise<void> | undefined;
  beforeList?: () => Promise<void>;
  constructor(private readonly inner: ObjectStore) {}
  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    if (key.startsWith(layout.shardManifests(0))) await this.gate;
    return this.inner.putIfAbsent(key, data);
  }
  async list(prefix: string): Promise<ObjectMeta[]> {
    const race = prefix === layout.walDir(0) ? this.beforeList : undefined;
    if (race) this.beforeList = undefined;
    await race?.();
    return this.inner.list(prefix);
  }
  get(key: string): Promise<Uint8Array> { return this.inner.get(key); }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> { return this.inner.getRange(key, offset, length); }
  head(key: string): Promise<ObjectMeta | undefined> { return this.inner.head(key); }
  put(key: string, data: Uint8Array): Promise<void> { return this.inner.put(key, data); }
  delete(key: string): Promise<void> { return this.inner.delete(key); }
}

describe('a remote reader whose WAL listing comes after a flush and GC', () => {
  it('misses no entry acked before the read, though the entries below it were collected', async () => {
    const inner = new MemoryStore();
    const racing = new RacingStore(inner);
    const table = await Table.create(racing, { schema, primaryKey: ['id'], shards: 1 });
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushInWorker: false });
    await writer.put(rangeBatch(0, 10)); // A, generation 1
    let release!: () => void;
    racing.gate = new Promise<void>((r) => (release = r));
    const flushed = writer.flush(); // freezes generation 1 now; its commit waits for the gate
    await writer.put(rangeBatch(10, 20)); // B, generation 2: acked, not committed
    const reader = new LsmScanner(await Table.open(racing), { tail: true });
    racing.beforeList = async () => {
      racing.gate = undefined;
      release();
      await flushed; // generation 1 committed: replayAfter moved past A's entry
      const report = await gc(table, { olderThan: 60_000, now: Date.now() + 3_600_000 }); // GC an hour on: this read was slow
      expect(report.objects).toBeGreaterThan(0);
      const { replayAfter } = (await table.shardManifests(0).latest()).doc;
      expect((await listWal(inner, 0, -1, '.ftw')).map((e) => e.position)).not.toContain(replayAfter); // A's entry collected: a gap below B's
    };
    const t = await reader.scan({ columns: ['id'] }).toTable();
    expect([...t.getChild('id')!].map(Number).sort((a, b) => a - b)).toEqual(range(0, 20));
    await writer.close();
  });
});
