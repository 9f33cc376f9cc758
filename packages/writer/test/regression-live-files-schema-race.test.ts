/**
 * Regression (issue 17): `liveFiles` reads the newest base manifest, then the shard
 * manifests. A schema change and a flush at the new schema version committing between the
 * two reads left a shard listing a file of a schema version the base read did not know, and
 * the answer failed (SchemaChangedError) or could not be projected. Now such a read is
 * retried from the base, and the answer is one consistent version at the newer schema.
 */
import { LocalStore, Table, type ObjectStore } from '@freshtier/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Field, Float64, Int64, RecordBatch, Schema, Struct, Type, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ShardWriter, evolveSchema, latestStateSql, liveFiles } from '../src/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-live-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const V0 = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8(), true)]);

async function write(table: Table, ids: number[]): Promise<void> {
  // by type id: a schema read back from a manifest holds apache-arrow's generic type classes (Int_, Float)
  const children = table.schema.fields.map((f) => (f.typeId === Type.Int ? vectorFromArray(ids.map(BigInt), new Int64())
    : f.typeId === Type.Float ? vectorFromArray(ids.map((i) => i + 0.5), new Float64()) : vectorFromArray(ids.map((i) => `n${i}`), new Utf8())).data[0]);
  const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
  await w.put(new RecordBatch(table.schema, makeData({ type: new Struct(table.schema.fields), length: ids.length, nullCount: 0, children })));
  await w.flush();
  await w.close();
}

/** `inner`, running `hook` (once, awaited) before the first read of a shard manifest key. */
function hookedStore(inner: ObjectStore, hook: () => Promise<void>): ObjectStore {
  let pending: (() => Promise<void>) | undefined = hook;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (pending && typeof args[0] === 'string' && args[0].startsWith('shards/0/_manifests/')) {
          const run = pending;
          pending = undefined;
          await run();
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('liveFiles while a schema change commits', () => {
  it('reads again when a shard lists a file of a schema version newer than the base it read', async () => {
    const inner = new LocalStore(dir);
    await write(await Table.create(inner, { schema: V0, primaryKey: ['id'], shards: 1 }), [1, 2]);
    const reader = await Table.open(inner);
    const store = hookedStore(inner, async () => {
      const evolved = await evolveSchema(await Table.open(inner), { kind: 'add-column', name: 'score', type: new Float64() });
      await write(evolved, [3]); // a file at schema version 1, after the reader read base version 0
    });
    const table = await Table.open(store); // the hook has not run: Table.open reads base manifests only
    expect(table.schemaVersion).toBe(reader.schemaVersion);
    const live = await liveFiles(table);
    expect(live.schema?.version).toBe(1);
    expect(live.files.map((f) => f.schemaVersion)).toEqual([0, 1]);
    expect(live.schema!.fields.map((f) => f.name)).toEqual(['id', 'name', 'score']);
    expect(() => latestStateSql(table, live)).not.toThrow(); // the handle is older; the answer carries its own schema
    expect(latestStateSql(table, live)).toContain('CAST(NULL AS DOUBLE) AS "score"');
  });
});
