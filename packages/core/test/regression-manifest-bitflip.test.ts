/**
 * Regression (issue 12; DESIGN.md invariant 13, "Checked bytes"): a flipped byte in a shard manifest, base manifest, tag or
 * `_table.json` silently changed answers (a moved `replayAfter`, a changed generation number or
 * `pkMin`, a raised `compacted` mark). Every document now carries a CRC-32 checked before use.
 *
 * Each test flips every byte of a real stored document, two ways (one bit, and a seeded random
 * non-zero mask), and loads it: the outcome must be the same document or a typed error, never a
 * different document and never an untyped error. With the checksum, every flip is an error.
 */
import fc from 'fast-check';
import { Field, Int64, Schema, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError, UnsupportedFormatError } from '../src/errors.js';
import { openStoredJson, sealedJsonBytes } from '../src/format/doc-checksum.js';
import { layout } from '../src/layout/layout.js';
import {
  FORMAT_VERSION, initialBaseManifest, initialShardManifest, tagDocSchema,
  type BaseManifest, type ShardManifest, type TagDoc,
} from '../src/manifest/manifest-schemas.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { Table } from '../src/table/table.js';
import { parseStored } from '../src/validate.js';

const schema = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8(), true)]);

/** A small seeded PRNG (mulberry32): the masks are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every (offset, mask) flip of a document: one bit at each offset, and one seeded random byte. */
function flips(length: number, seed: number): [number, number][] {
  const next = rng(seed);
  const out: [number, number][] = [];
  for (let at = 0; at < length; at++) out.push([at, 1 << (at % 8)], [at, 1 + Math.floor(next() * 255)]);
  return out;
}

type Outcome = 'same' | 'typed';

/** Flips each byte of `key`, loads with `load`, and returns the outcome counts; fails on a wrong or untyped one. */
async function campaign<T>(store: MemoryStore, key: string, load: () => Promise<T>, seed: number): Promise<Record<Outcome, number>> {
  const original = await store.get(key);
  const expected = await load();
  const counts: Record<Outcome, number> = { same: 0, typed: 0 };
  expect(original.length).toBeGreaterThan(100); // at least 200 flips
  for (const [at, mask] of flips(original.length, seed)) {
    const damaged = original.slice();
    damaged[at] ^= mask;
    await store.put(key, damaged);
    let got: T | undefined;
    try {
      got = await load();
    } catch (e) {
      if (!(e instanceof CorruptEntryError || e instanceof UnsupportedFormatError)) throw new Error(`flip at ${at} (mask ${mask}): untyped error ${String(e)}`);
      expect((e as Error).message).toContain(key);
      counts.typed++;
      continue;
    }
    // a load that succeeds must give the very same document: anything else is a silent wrong answer
    expect(got, `flip at ${at} (mask ${mask}) loaded a different document`).toEqual(expected);
    counts.same++;
  }
  await store.put(key, original);
  return counts;
}

async function newTable(): Promise<{ store: MemoryStore; table: Table }> {
  const store = new MemoryStore();
  return { store, table: await Table.create(store, { schema, primaryKey: ['id'], shards: 2 }) };
}

const file = (path: string, pkMin: string, pkMax: string) => ({ path, keyIndexPath: `${path}.keys`, rows: 3, bytes: 1234, rowGroupSize: 1024, pkMin, pkMax });

function shardDoc(): ShardManifest {
  return {
    ...initialShardManifest(1), epoch: 3, nextGeneration: 7, replayAfter: 41, committedAt: '2026-01-02T03:04:05.000Z', note: 'flush',
    flushed: [5, 6].map((g) => ({ generation: g, file: file(`shards/1/gen-${g}/data.parquet`, '0180000000000001', '0180000000000009'), batchRowOffsets: [0, 2, 3], walLast: 40 + g - 5, source: 'flush' as const })),
  };
}

function baseDoc(): BaseManifest {
  return {
    ...initialBaseManifest(), compacted: { 0: 4, 1: 2 }, excluded: { 1: [{ above: 2, below: 4 }] }, gcFence: 1, committedAt: '2026-01-02T03:04:05.000Z', note: 'compact',
    files: [{ ...file('base/0/f-1.parquet', '0180000000000001', '0180000000000005'), shard: 0 }],
  };
}

describe('regression: a flipped byte in a stored document is never a different document', () => {
  it('shard manifest: every flip is caught (a moved replayAfter, generation or pkMin never loads)', async () => {
    const { store, table } = await newTable();
    await table.shardManifests(1).commit(1, shardDoc());
    const counts = await campaign(store, layout.manifest(layout.shardManifests(1), 1), () => table.shardManifests(1).load(1), 1201);
    expect(counts.same).toBe(0);
    expect(counts.typed).toBeGreaterThanOrEqual(200);
  });

  it('base manifest: every flip is caught (a raised compacted mark never loads)', async () => {
    const { store, table } = await newTable();
    await table.baseManifests.commit(1, baseDoc());
    const counts = await campaign(store, layout.manifest(layout.baseManifests, 1), () => table.baseManifests.load(1), 1202);
    expect(counts.same).toBe(0);
    expect(counts.typed).toBeGreaterThanOrEqual(200);
  });

  it('tag: every flip is caught (the way versions.ts reads a tag)', async () => {
    const { store, table } = await newTable();
    const doc: TagDoc = { formatVersion: FORMAT_VERSION, name: 'nightly', baseVersion: 3, shardVersions: { 0: 5, 1: 7 }, createdAt: '2026-01-02T03:04:05.000Z' };
    const key = layout.tag('nightly');
    await store.put(key, sealedJsonBytes(doc));
    const readTag = async () => parseStored(tagDocSchema, openStoredJson(await store.get(key), key, table.doc.checksums === true, FORMAT_VERSION).doc, key);
    const counts = await campaign(store, key, readTag, 1203);
    expect(counts.same).toBe(0);
  });

  it('_table.json: every flip is caught, including one that removes the checksums marker', async () => {
    const { store } = await newTable();
    const open = async () => {
      const t = await Table.open(store);
      return { doc: t.doc, schema: t.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`) };
    };
    const counts = await campaign(store, layout.tableDoc, open, 1204);
    expect(counts.same).toBe(0);
  });

  it('a table created by this build says so, and its documents carry checksums', async () => {
    const { store, table } = await newTable();
    expect(table.doc.checksums).toBe(true);
    for (const key of [layout.tableDoc]) expect(new TextDecoder().decode(await store.get(key))).toMatch(/^\{\n "checksum": "crc32:[0-9a-f]{8}",\n/);
  });

  it('in a table with checksums, a manifest without one is corrupt, not legacy', async () => {
    const { store, table } = await newTable();
    const key = layout.manifest(layout.shardManifests(0), 1);
    await store.put(key, new TextEncoder().encode(JSON.stringify(initialShardManifest(0))));
    await expect(table.shardManifests(0).load(1)).rejects.toThrow(CorruptEntryError);
    await expect(table.shardManifests(0).load(1)).rejects.toThrow(/no checksum/);
  });

  it('a _table.json with the marker but no checksum is corrupt (the marker is never written alone)', async () => {
    const { store, table } = await newTable();
    await store.put(layout.tableDoc, new TextEncoder().encode(JSON.stringify(table.doc)));
    await expect(Table.open(store)).rejects.toThrow(CorruptEntryError);
  });

  it('property: any document round-trips through its seal, and any one changed byte is refused', () => {
    const doc = fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== 'checksum' && k !== '__proto__'), fc.jsonValue(), { minKeys: 1 });
    fc.assert(fc.property(doc, fc.nat(), fc.integer({ min: 1, max: 255 }), (d, pos, mask) => {
      const sealed = sealedJsonBytes(d);
      expect(openStoredJson(sealed, 'x.json', true, FORMAT_VERSION).doc).toEqual(JSON.parse(JSON.stringify(d)));
      const damaged = sealed.slice();
      damaged[pos % damaged.length] ^= mask;
      expect(() => openStoredJson(damaged, 'x.json', true, FORMAT_VERSION)).toThrow(/x\.json/);
    }), { seed: 1205, numRuns: 300 });
  });
});
