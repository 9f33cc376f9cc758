/**
 * Story: publish last (DESIGN.md invariant 7, Lance #9035). A generation's data
 * file and key index are complete before the manifest naming them is committed;
 * a crash between the files and the commit leaves no visible generation and loses
 * no row (replay recovers it); a failed key-index write means no commit at all.
 */
import { MemoryStore, parseJsonBytes, type ShardManifest } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

/** Checks, at the moment each shard manifest is created, that every file it names exists. */
function auditManifests(store: FaultyStore): string[] {
  const violations: string[] = [];
  store.beforeOp = async (op, key, data) => {
    if (op !== 'putIfAbsent' || !key.includes('/_manifests/v') || !data) return;
    const doc = parseJsonBytes(data, key) as ShardManifest;
    for (const g of doc.flushed) {
      for (const path of [g.file.path, g.file.keyIndexPath]) {
        if (path && !(await store.inner.head(path))) violations.push(`${key} names missing ${path}`);
      }
    }
  };
  return violations;
}

describe('publish last', () => {
  it('a crash after the Parquet file is written but before the commit: nothing visible, nothing lost', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushRetry: { maxAttempts: 1 } });
    await w.put(rangeBatch(0, 50, 1));
    const rule = store.inject({ ops: 'putIfAbsent', key: '/_manifests/v' });
    await expect(w.flush()).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    const written = (await store.list('shards/0/')).map((m) => m.key).filter((k) => k.includes('/gen-'));
    expect(written.some((k) => k.endsWith('data.parquet'))).toBe(true);
    expect(written.some((k) => k.endsWith('.keys.ftk'))).toBe(true);
    expect((await table.shardManifests(0).latest()).doc.flushed).toEqual([]);
    expect((await readShard(table, 0)).rows.size).toBe(0); // no visible generation

    rule.remove(); // "crash": the writer is dropped, the store heals
    const w2 = await ShardWriter.open(table, { shard: 0, autoFlush: false });
    expect((await readShard(table, 0, w2)).rows.size).toBe(50);
    await w2.close();
    const doc = (await table.shardManifests(0).latest()).doc;
    expect(doc.flushed).toHaveLength(1);
    expect(written).not.toContain(doc.flushed[0].file.path); // the orphan of the failed attempt is never named
    expect((await readShard(table, 0)).rows.size).toBe(50);
  });

  it('a generation is never published before its key index exists', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    const violations = auditManifests(store);
    const w = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushRetry: { maxAttempts: 2, initialDelayMs: 1 } });
    await w.put(rangeBatch(0, 20));
    const versionBefore = await table.shardManifests(0).latestVersion();
    const rule = store.inject({ ops: 'putIfAbsent', key: '.keys.ftk' });
    await expect(w.flush()).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(await table.shardManifests(0).latestVersion()).toBe(versionBefore); // no commit happened
    expect(rule.fired).toBe(2);
    rule.remove();
    await w.flush();
    expect(w.manifest.doc.flushed[0].file.keyIndexPath).toMatch(/\.keys\.ftk$/);
    expect(violations).toEqual([]);
  });

  it('under random file-write failures and lost acks, every committed manifest names only complete files', async () => {
    const store = new FaultyStore(new MemoryStore(), { seed: 42 });
    const table = await makeTable(store);
    const violations = auditManifests(store);
    const rules = [
      store.inject({ ops: 'putIfAbsent', key: '/gen-', mode: 'fail', probability: 0.3 }),
      store.inject({ ops: 'putIfAbsent', key: '/gen-', mode: 'lost-ack', probability: 0.2 }),
      store.inject({ ops: 'putIfAbsent', key: '/_manifests/v', mode: 'lost-ack', every: 2 }), // the claim is call 1
    ];
    const w = await ShardWriter.open(table, { shard: 0, maxMemtableRows: 30, flushRetry: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: 50 } });
    for (let i = 0; i < 40; i++) await w.put(rangeBatch(i * 10, i * 10 + 10, i));
    await w.close();
    expect(rules.map((r) => r.fired > 0)).toEqual([true, true, true]);
    expect(violations).toEqual([]);
    const doc = (await table.shardManifests(0).latest()).doc;
    const gens = doc.flushed.map((f) => f.generation);
    expect(gens).toEqual([...new Set(gens)].sort((a, b) => a - b)); // each generation once, ascending
    expect((await readShard(table, 0)).rows.size).toBe(400);
  });
});
