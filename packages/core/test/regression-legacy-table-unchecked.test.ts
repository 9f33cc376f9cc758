/**
 * Regression (issue 12, "Integrity"): tables written before documents carried checksums still
 * open and read (their documents have no checksum and `_table.json` no `checksums` marker), and
 * the Arrow schema in such a `_table.json` — which nothing checksums — is decoded with bounds:
 * a flipped byte in it was able to send the IPC decoder into unbounded allocation.
 */
import { Field, Int64, List, Schema, Struct, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError, UnsupportedFormatError } from '../src/errors.js';
import { checkedSchemaFromBase64 } from '../src/arrow/checked-schema.js';
import { schemaToBase64 } from '../src/arrow/arrow-util.js';
import { layout } from '../src/layout/layout.js';
import { initialShardManifest, type ShardManifest } from '../src/manifest/manifest-schemas.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { Table } from '../src/table/table.js';
import { jsonBytes } from '../src/validate.js';

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('name', new Utf8(), true),
  new Field('tags', new List(new Field('item', new Utf8(), true)), true),
  new Field('point', new Struct([new Field('x', new Int64(), true), new Field('y', new Int64(), true)]), true),
], new Map([['owner', 'team-a']]));

/** A table as the build before checksums wrote it: plain JSON documents, no marker. */
async function legacyTable(): Promise<{ store: MemoryStore; manifest: ShardManifest }> {
  const store = new MemoryStore();
  const made = await Table.create(store, { schema, primaryKey: ['id'] });
  const { checksums: _, ...legacyDoc } = made.doc;
  await store.put(layout.tableDoc, jsonBytes(legacyDoc));
  const manifest: ShardManifest = { ...initialShardManifest(0), epoch: 1, nextGeneration: 2, replayAfter: 4, note: 'old build' };
  await store.put(layout.manifest(layout.shardManifests(0), 1), jsonBytes(manifest));
  return { store, manifest };
}

describe('regression: legacy tables (written before checksums)', () => {
  it('open, and their unchecked manifests load as before', async () => {
    const { store, manifest } = await legacyTable();
    const table = await Table.open(store);
    expect(table.doc.checksums).toBeUndefined();
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'tags', 'point']);
    expect(await table.shardManifests(0).latest()).toEqual({ version: 1, doc: manifest });
  });

  it('new commits in a legacy table are sealed, and both kinds read back', async () => {
    const { store, manifest } = await legacyTable();
    const table = await Table.open(store);
    await table.shardManifests(0).commit(2, { ...manifest, replayAfter: 9, note: 'new build' });
    expect(new TextDecoder().decode(await store.get(layout.manifest(layout.shardManifests(0), 2)))).toMatch(/^\{\n "checksum": "crc32:/);
    expect((await table.shardManifests(0).load(1)).replayAfter).toBe(4);
    expect((await table.shardManifests(0).load(2)).replayAfter).toBe(9);
  });
});

describe('regression: the Arrow schema in _table.json is decoded with bounds', () => {
  it('every byte flip of the IPC schema is the same schema or a CorruptEntryError, never a crash', async () => {
    const { store } = await legacyTable();
    const doc = JSON.parse(new TextDecoder().decode(await store.get(layout.tableDoc)));
    const bytes = Buffer.from(doc.arrowSchema, 'base64');
    const expected = (await Table.open(store)).schema;
    let typed = 0;
    for (let at = 0; at < bytes.length; at++) {
      for (const mask of [1 << (at % 8), 0xff, 0x80]) {
        const damaged = Buffer.from(bytes);
        damaged[at] ^= mask;
        await store.put(layout.tableDoc, jsonBytes({ ...doc, arrowSchema: damaged.toString('base64') }));
        try {
          const t = await Table.open(store);
          // an unchecked legacy document can only promise no crash: a decoded schema is whatever the bytes say
          expect(t.schema.fields.length).toBeLessThanOrEqual(expected.fields.length * 8);
        } catch (e) {
          if (!(e instanceof CorruptEntryError || e instanceof UnsupportedFormatError)) throw new Error(`flip at ${at} (mask ${mask}): untyped ${String(e)}`);
          typed++;
        }
      }
    }
    expect(typed).toBeGreaterThan(0);
  });

  it.each([
    // the old decoder read this as an empty schema: a silent wrong answer
    ['the fields vector length raised to 2^31', (b: Buffer) => withFieldsLength(b, 0x80000000)],
    // the old decoder walked past the bytes and threw an untyped Error
    ['the fields vector length raised to 2^24', (b: Buffer) => withFieldsLength(b, 0x01000000)],
    ['a truncated message', (b: Buffer) => b.subarray(0, 20)],
    ['a message length beyond the bytes', (b: Buffer) => { const c = Buffer.from(b); c.writeInt32LE(0x7ffffff0, 4); return c; }],
    ['no continuation marker', (b: Buffer) => { const c = Buffer.from(b); c[0] = 0; return c; }],
  ])('%s is a CorruptEntryError before anything is allocated', (_, damage) => {
    const b64 = Buffer.from(tableSchemaBytes()).toString('base64');
    expect(() => checkedSchemaFromBase64(Buffer.from(damage(Buffer.from(b64, 'base64'))).toString('base64'), '_table.json')).toThrow(CorruptEntryError);
  });

  it('non-canonical base64 (a character the decoder would skip) is a CorruptEntryError', () => {
    const b64 = Buffer.from(tableSchemaBytes()).toString('base64');
    expect(() => checkedSchemaFromBase64(`${b64.slice(0, 8)}*${b64.slice(8)}`, '_table.json')).toThrow(CorruptEntryError);
    expect(checkedSchemaFromBase64(b64, '_table.json').fields.length).toBe(4);
  });
});

function tableSchemaBytes(): Uint8Array {
  return Buffer.from(schemaToBase64(schema), 'base64');
}

/** The schema message with its `fields` vector length set to `n` (found by walking the flatbuffer). */
function withFieldsLength(b: Buffer, n: number): Buffer {
  const c = Buffer.from(b);
  const m = c.subarray(8); // after the continuation marker and message length
  const field = (table: number, index: number) => {
    const vt = table - m.readInt32LE(table);
    const o = m.readUInt16LE(vt + 4 + 2 * index);
    return table + o + m.readUInt32LE(table + o);
  };
  const fields = field(field(m.readUInt32LE(0), 2), 1);
  expect(m.readUInt32LE(fields)).toBe(4); // found the right vector: the schema has 4 fields
  m.writeUInt32LE(n, fields);
  return c;
}
