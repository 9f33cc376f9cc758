/**
 * Regression: a manifest naming `../../etc/passwd` (or an absolute path, a backslash, a `..`
 * or empty segment, a NUL) as a data file or key index was refused only when the path was
 * used, as a plain `TypeError` from the store. It is now a `CorruptEntryError` naming the
 * manifest object and the field, raised when the manifest is loaded (its zod schema), before
 * any path is used — and a commit of such a document is refused the same way, writing nothing.
 */
import fc from 'fast-check';
import { Field, Int64, Schema } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError } from '../src/errors.js';
import { layout, storedPathProblem } from '../src/layout/layout.js';
import { initialBaseManifest, initialShardManifest, type BaseManifest, type DataFile, type ShardManifest } from '../src/manifest/manifest-schemas.js';
import { MemoryStore } from '../src/store/memory-store.js';
import type { ObjectStore } from '../src/store/object-store.js';
import { Table } from '../src/table/table.js';
import { sealedJsonBytes } from '../src/format/doc-checksum.js';

const GOOD_DATA = 'shards/0/gen-1-abcd1234/data.parquet';
const GOOD_KEYS = 'shards/0/gen-1-abcd1234/data.keys.arrow';

/** Bad path shapes, each with the words its message must hold. */
const BAD: [string, RegExp][] = [
  ['../../etc/passwd', /".." segment/],
  ['shards/0/../../../etc/passwd', /".." segment/],
  ['..', /".." segment/],
  ['/etc/passwd', /absolute/],
  ['/shards/0/gen-1/data.parquet', /absolute/],
  ['shards\\0\\data.parquet', /backslash/],
  ['..\\..\\etc\\passwd', /backslash/],
  ['shards//0/data.parquet', /empty segment/],
  ['shards/0/', /empty segment/],
  ['file:///etc/passwd', /empty segment/],
  ['./data.parquet', /"\." segment/],
  ['shards/0/data\0.parquet', /NUL/],
  ['', /empty/],
];

const file = (over: Partial<DataFile>): DataFile => ({ path: GOOD_DATA, keyIndexPath: GOOD_KEYS, rows: 1, bytes: 10, rowGroupSize: 10, ...over });

function shardDoc(f: DataFile): ShardManifest {
  return { ...initialShardManifest(0), nextGeneration: 2, flushed: [{ generation: 1, file: f, batchRowOffsets: [0, 1], walLast: -1, source: 'flush' }], note: 'planted' };
}

function baseDoc(f: DataFile): BaseManifest {
  return { ...initialBaseManifest(), files: [{ ...f, shard: 0 }], compacted: { 0: 1 }, note: 'planted' };
}

async function plant(store: ObjectStore, dir: string, doc: unknown): Promise<string> {
  const key = layout.manifest(dir, 1);
  // sealed as freshtier writes it, so the load gets past the checksum to the path check
  await store.putIfAbsent(key, sealedJsonBytes(doc as object));
  return key;
}

async function snapshotOf(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of await store.list('')) out.set(m.key, Buffer.from(await store.get(m.key)).toString('hex'));
  return out;
}

const schema = new Schema([new Field('id', new Int64(), false)]);
const FIELDS = ['path', 'keyIndexPath'] as const;
const MANIFESTS = [
  ['shard', (t: Table) => t.shardManifests(0), layout.shardManifests(0), shardDoc],
  ['base', (t: Table) => t.baseManifests, layout.baseManifests, baseDoc],
] as const;

describe('regression: a manifest naming a path outside the table root', () => {
  describe.each(MANIFESTS)('%s manifest', (_name, manifests, dir, docOf) => {
    it.each(BAD.flatMap(([bad, why]) => FIELDS.map((field) => [field, bad, why] as const)))('%s %j: loading is a CorruptEntryError naming the manifest', async (field, bad, why) => {
      const store = new MemoryStore();
      const table = await Table.create(store, { schema, primaryKey: ['id'] });
      const key = await plant(store, dir, docOf(file({ [field]: bad })));
      const before = await snapshotOf(store);
      for (const load of [() => manifests(table).latest(), () => manifests(table).load(1)]) {
        const err = await load().then(() => undefined, (e: unknown) => e);
        expect(err, String(err)).toBeInstanceOf(CorruptEntryError);
        const msg = (err as Error).message;
        expect(msg).toContain(`Corrupt object ${key}`);
        expect(msg).toContain(JSON.stringify(bad));
        expect(msg).toMatch(/is not a path inside the table root/);
        expect(msg).toMatch(why);
        expect(msg).toMatch(/freshtier verify <table>.*restore the object from a backup/);
      }
      expect(await snapshotOf(store)).toEqual(before);
    });

    it('a commit naming such a path is refused and writes nothing', async () => {
      const store = new MemoryStore();
      const table = await Table.create(store, { schema, primaryKey: ['id'] });
      const before = await snapshotOf(store);
      const err = await manifests(table).commit(1, docOf(file({ path: '../../etc/passwd' })) as never).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptEntryError);
      expect(await snapshotOf(store)).toEqual(before);
    });

    it('a manifest of good paths loads (the check is not too strict)', async () => {
      const store = new MemoryStore();
      const table = await Table.create(store, { schema, primaryKey: ['id'] });
      await plant(store, dir, docOf(file({ path: 'base/data/0b6f.parquet', keyIndexPath: 'base/data/0b6f.keys.arrow' })));
      expect((await manifests(table).latest()).version).toBe(1);
    });
  });

  it('property: a path of safe segments is accepted; one bad segment anywhere refuses it (seeded)', () => {
    const safe = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
    const bad = fc.constantFrom('..', '.', '', 'a\\b', 'x\0y');
    fc.assert(fc.property(fc.array(safe, { minLength: 1, maxLength: 6 }), bad, fc.nat(), (segs, b, at) => {
      expect(storedPathProblem(segs.join('/'))).toBeUndefined();
      const withBad = [...segs];
      withBad.splice(at % (segs.length + 1), 0, b);
      expect(storedPathProblem(withBad.join('/'))).toBeDefined();
      expect(storedPathProblem('/' + segs.join('/'))).toBe('it is absolute');
    }), { seed: 18_2024, numRuns: 300 });
  });
});
