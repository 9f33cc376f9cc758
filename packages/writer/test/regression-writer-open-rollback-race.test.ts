/**
 * Regression (second review of issue 17): `ShardWriter.open` checked the schema before its
 * epoch claim only. A rollback of a widening committing in between did not fence the new
 * writer (it claimed after the rollback), so the writer acked `n = 2^40` into a table whose
 * restored column is Int32, and every later scan failed. The check now runs again after the
 * claim and fence, before replay and any ack.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { ShardWriter, rollback } from '../src/index.js';
import { widenedAfterTag } from './support/widened-table.js';

describe('a writer open racing a rollback of a widening', () => {
  it('fails with SCHEMA_CHANGED after its epoch claim instead of acking values the restored schema cannot hold', async () => {
    const store = new MemoryStore();
    const { t1 } = await widenedAfterTag(store);
    const manifests = t1.baseManifests;
    const real = manifests.latest.bind(manifests);
    let armed = true;
    (manifests as any).latest = async () => {
      const got = await real();
      if (armed) {
        armed = false; // the writer's schema check has read v1; a rollback to v0 lands before its epoch claim
        await rollback(await Table.open(store), 'v0');
      }
      return got;
    };
    const opened = await ShardWriter.open(t1, { shard: 0 }).then(() => 'opened', (e: { code?: string }) => e.code);
    (manifests as any).latest = real;
    expect(opened).toBe('SCHEMA_CHANGED');
    const fresh = await Table.open(store);
    expect([fresh.schemaVersion, String(fresh.schema.fields[1].type)]).toEqual([0, 'Int32']);
    const rows = (await new LsmScanner(fresh, { tail: true }).scan().toTable()).toArray().map((r) => r.toJSON());
    expect(rows).toEqual([{ id: 1n, n: 1 }]);
  });
});
