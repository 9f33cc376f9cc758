/**
 * Regression (second review of issue 17): `ShardWriter.open` checked the schema before its
 * epoch claim only. A rollback of a widening committing in between did not fence the new
 * writer (it claimed after the rollback), so the writer acked `n = 2^40` into a table whose
 * restored column is Int32, and every later scan failed. The check now runs again after the
 * claim and fence, before replay and any ack.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, Int32, Int64, Schema } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { batchFor } from './support/columns.js';
import { ShardWriter, evolveSchema, rollback, tag } from '../src/index.js';

const batch = batchFor;

describe('a writer open racing a rollback of a widening', () => {
  it('fails with SCHEMA_CHANGED after its epoch claim instead of acking values the restored schema cannot hold', async () => {
    const store = new MemoryStore();
    const t0 = await Table.create(store, { schema: new Schema([new Field('id', new Int64(), false), new Field('n', new Int32(), true)]), primaryKey: ['id'] });
    let w = await ShardWriter.open(t0, { shard: 0 });
    await w.put(batch(t0.schema, { id: [1n], n: [1] }));
    await w.flush(); await w.close();
    await tag(t0, 'v0');
    const t1 = await evolveSchema(t0, { kind: 'widen-column', name: 'n', type: new Int64() });
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
