/**
 * Story: the replay point advances only contiguously (DESIGN.md invariant 6,
 * Lance #8293). If generation N fails to flush while N+1 flushes, `replayAfter`
 * must stay below N's WAL entries, so a crash before N commits loses nothing.
 * Generations are published in ascending order: N+1's files may be written
 * ahead, but the manifest names N+1 only together with or after N.
 */
import { MemoryStore, layout } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, listWal, readWalEntry } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

describe('contiguous replay point', () => {
  it('generation N failing while N+1 flushes keeps replayAfter below N; a crash then recovers N', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushRetry: { maxAttempts: 2, initialDelayMs: 1 } });
    await w.put(rangeBatch(0, 10, 1));
    const n = w.freeze()!;
    await w.put(rangeBatch(10, 20, 2));
    const n1 = w.freeze()!;
    await w.put(rangeBatch(20, 25, 3));
    const nFirst = w.inMemoryMemtableRefs().refs[0].memtable.walRange().first;
    expect(nFirst).toBeGreaterThan(w.manifest.doc.replayAfter);

    const rule = store.inject({ ops: 'putIfAbsent', key: `/gen-${n}-` });
    await expect(w.flush()).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    const files = (await store.list('shards/0/')).map((m) => m.key);
    expect(files.some((k) => k.includes(`/gen-${n1}-`) && k.endsWith('data.parquet'))).toBe(true); // N+1 flushed its files
    expect(files.some((k) => k.includes(`/gen-${n1}-`) && k.endsWith('.keys.ftk'))).toBe(true);
    const latest = await table.shardManifests(0).latest();
    expect(latest.doc.flushed.map((f) => f.generation)).not.toContain(n1); // not published before N
    expect(latest.doc.replayAfter).toBeLessThan(nFirst);

    // crash: drop the writer without closing it, heal the store, reopen
    rule.remove();
    const w2 = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    const state = await readShard(table, 0, w2);
    expect(state.rows.size).toBe(25);
    expect(state.rows.get('5')?.v).toBe(1);
    await w2.flush();
    const versions = await table.shardManifests(0).versions();
    const docs = await Promise.all(versions.map((v) => table.shardManifests(0).load(v)));
    const firstListing = (g: number) => docs.findIndex((d) => d.flushed.some((f) => f.generation === g));
    expect(firstListing(n)).toBeGreaterThan(-1);
    expect(firstListing(n)).toBeLessThanOrEqual(firstListing(n1));
    expect((await readShard(table, 0)).rows.size).toBe(25);
    await w2.close();
  });

  it('a WAL entry shared by generations N and N+1 stays replayable until N+1 commits', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store, { appendOnly: true });
    let n = -1;
    let nCommitted!: () => void;
    const committed = new Promise<void>((r) => (nCommitted = r));
    const w = await ShardWriter.open(table, { shard: 0, onEvent: (e) => void (e.type === 'flush-committed' && e.generations.includes(n) && nCommitted()) });
    // both puts join one group; the freeze between them splits the group across two generations
    const first = w.put(rangeBatch(0, 10));
    n = w.freeze()!;
    const second = w.put(rangeBatch(10, 20));
    await Promise.all([first, second]);
    const entries = await listWal(store, 0, -1, '.ftw');
    const shared = entries[entries.length - 1];
    const entry = await readWalEntry(store, 0, shared.position, '.ftw');
    expect(entry.records.map((r) => r.generation)).toEqual([n, n + 1]);

    // the background flush commits N alone (N+1 is the active memtable)
    await committed;
    expect(w.manifest.doc.flushed.map((f) => f.generation)).toContain(n);
    expect(w.manifest.doc.replayAfter).toBe(shared.position - 1);
    expect(await store.head(layout.walEntry(0, shared.position, '.ftw'))).toBeDefined();

    // crash and reopen: N's records in the shared entry are skipped, N+1's replayed, nothing twice
    const w2 = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    const ids = (await readShard(table, 0, w2)).all.map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await w2.close();
  });
});
