/**
 * `liveFiles` across schema versions (issue 17): each live file reports the schema version
 * it was written with (absent in its entry: 0), and the answer reports the schema the table
 * version reads at — its version, its columns with field ids, and the column names of every
 * schema version a live file has — for the newest version and for a pinned one; a file of
 * a schema version the table version does not know is a corrupt manifest entry.
 */
import { CorruptEntryError, MemoryStore, Table, layout, sealedJsonBytes, type ShardManifest } from '@freshtier/core';
import { Field, Float64, Int64, RecordBatch, Schema, Struct, Type, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, evolveSchema, latestStateSql, liveFiles, tag } from '../src/index.js';

const V0 = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8(), true)]);

function batch(schema: Schema, ids: number[]): RecordBatch {
  const children = schema.fields.map((f) => (f.name === 'id' || f.name === 'key'
    ? vectorFromArray(ids.map(BigInt), new Int64()) : f.typeId === Type.Float ? vectorFromArray(ids.map((i) => i / 2), new Float64()) : vectorFromArray(ids.map((i) => `n${i}`), new Utf8())).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

async function write(table: Table, ids: number[]): Promise<void> {
  const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
  await w.put(batch(table.schema, ids));
  await w.flush();
  await w.close();
}

async function evolvedTable(store = new MemoryStore()): Promise<Table> {
  let table = await Table.create(store, { schema: V0, primaryKey: ['id'], shards: 1 });
  await write(table, [1, 2]);
  await tag(table, 'v0');
  table = await evolveSchema(table, { kind: 'rename-column', name: 'id', to: 'key' });
  table = await evolveSchema(table, { kind: 'add-column', name: 'score', type: new Float64(), default: 1.5 });
  await write(table, [2, 3]);
  return table;
}

describe('liveFiles reports schema versions', () => {
  it('per file, and the schema of the version read, with field ids and the names of every file version', async () => {
    const table = await evolvedTable();
    const live = await liveFiles(table);
    expect(live.files.map((f) => f.schemaVersion)).toEqual([0, 2]);
    expect(live.schema).toEqual({
      version: 2,
      fields: [{ id: 1, name: 'key', type: 'Int64', nullable: false }, { id: 2, name: 'name', type: 'Utf8', nullable: true }, { id: 3, name: 'score', type: 'Float64', nullable: true, default: '1.5' }],
      primaryKey: ['key'],
      versions: [{ version: 0, names: [[1, 'id'], [2, 'name']] }, { version: 2, names: [[1, 'key'], [2, 'name'], [3, 'score']] }],
    });
    expect(JSON.parse(JSON.stringify(live)).schema.versions[0].names).toEqual([[1, 'id'], [2, 'name']]); // `freshtier files --json` prints it
  });

  it('a pinned version reads at its own schema', async () => {
    const table = await evolvedTable();
    const pinned = await liveFiles(table, 'v0');
    expect(pinned.files.map((f) => f.schemaVersion)).toEqual([0]);
    expect(pinned.schema?.version).toBe(0);
    expect(pinned.schema!.fields.map((f) => [f.id, f.name])).toEqual([[1, 'id'], [2, 'name']]);
  });

  it('the view refuses a hand-made answer of a schema version it cannot know', async () => {
    const table = await evolvedTable();
    const live = await liveFiles(table);
    const copy = { ...live, schema: { ...live.schema!, version: 1 } };
    expect(() => latestStateSql(table, copy)).toThrow(/schema version 1 is not the table's current one/);
  });

  it('a file entry naming a schema version the table version does not know is corrupt', async () => {
    const store = new MemoryStore();
    const table = await evolvedTable(store);
    const { version, doc } = await table.shardManifests(0).latest();
    const damaged: ShardManifest = { ...doc, flushed: doc.flushed.map((g, i) => (i === 1 ? { ...g, file: { ...g.file, schemaVersion: 9 } } : g)) };
    const key = layout.manifest(layout.shardManifests(0), version);
    await store.put(key, sealedJsonBytes(damaged));
    const reopened = await Table.open(store);
    await expect(liveFiles(reopened)).rejects.toThrow(CorruptEntryError);
    await expect(liveFiles(reopened)).rejects.toThrow(key);
  });
});
