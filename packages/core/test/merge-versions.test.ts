/**
 * The one merge (DESIGN.md invariant 14), as a unit: `chooseVersion` under the
 * default policy against a plain model, the same answer whatever way a key's run is
 * split into tiers (each tier merged on its own, then the tier states folded as
 * the scan's fresh index folds them), and the memtable's version chains handed to
 * the policy oldest first, which the merge engines rely on.
 */
import { Bool, Field, Int32, RecordBatch, Schema, Struct, makeData, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileReader, emptyStats } from '../src/read/file-reader.js';
import { generationFileSchema } from '../src/format/generation-file.js';
import { MemtableVersions } from '../src/memtable/memtable-versions.js';
import { Memtable } from '../src/memtable/memtable.js';
import { DEDUPLICATE, DELETED, VersionPair, chooseVersion, mergePolicyOf, type MergePolicy, type VersionRun } from '../src/merge/merge-versions.js';
import { encodeKeys } from '../src/keys/pk-encoding.js';
import { Table } from '../src/table/table.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { writeParquetFile } from '../src/format/parquet-codec.js';
import { crc32 } from '../src/format/crc32.js';

const SEED = 0x14_0e;

/** A run from tombstone flags, oldest first. */
const runOf = (tombstones: readonly boolean[]): VersionRun => ({ count: tombstones.length, isTombstone: (i) => tombstones[i] });

/** The plain model of deduplicate: the newest version, unless it is a tombstone. */
function model(tombstones: readonly boolean[]): number {
  const newest = tombstones.length - 1;
  return tombstones[newest] ? DELETED : newest;
}

describe('chooseVersion (deduplicate)', () => {
  const cases: [string, boolean[], number][] = [
    ['one put', [false], 0],
    ['one tombstone', [true], DELETED],
    ['two puts: the newer', [false, false], 1],
    ['put then delete', [false, true], DELETED],
    ['delete then put: the put', [true, false], 1],
    ['put, delete, put', [false, true, false], 2],
    ['puts then a delete', [false, false, false, true], DELETED],
    ['deletes only', [true, true], DELETED],
  ];
  it.each(cases)('%s', (_name, tombstones, want) => {
    expect(chooseVersion(runOf(tombstones))).toBe(want);
    expect(DEDUPLICATE.chooseVersion(runOf(tombstones))).toBe(want);
  });

  it('agrees with the model on any run', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (t) => chooseVersion(runOf(t)) === model(t)), { seed: SEED, numRuns: 500 });
  });

  it('gives the same state whatever way the run is split into tiers', () => {
    // per version: is it a tombstone, does a new tier start at it
    const versions = fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 30 });
    fc.assert(fc.property(versions, (vs) => {
      const t = vs.map(([tomb]) => tomb);
      const cuts = vs.flatMap(([, cut], i) => (cut && i > 0 ? [i] : []));
      return foldTiers(DEDUPLICATE, t, cuts) === model(t);
    }), { seed: SEED, numRuns: 500 });
  });

  it('newestDecides holds: the newest version alone gives the same state as the whole run', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (t) => {
      const alone = DEDUPLICATE.chooseVersion(runOf(t.slice(-1)));
      return (alone === DELETED ? DELETED : t.length - 1) === chooseVersion(runOf(t));
    }), { seed: SEED, numRuns: 300 });
  });

  it('reads the run only through isTombstone and count (nothing else is needed to plug in a run)', () => {
    const asked: number[] = [];
    const run: VersionRun = { count: 3, isTombstone: (i) => (asked.push(i), false) };
    expect(chooseVersion(run)).toBe(2);
    expect(asked).toEqual([2]); // the newest decides: older versions are never examined
  });
});

/**
 * Merges each tier of `t` (split before the positions in `cuts`) on its own, then
 * folds the tier states oldest first with a `VersionPair`; returns the winner's
 * position in the whole run, or DELETED.
 */
function foldTiers(policy: MergePolicy, t: readonly boolean[], cuts: readonly number[]): number {
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), t.length];
  const pair = new VersionPair();
  let state: number | undefined;
  for (let k = 0; k + 1 < bounds.length; k++) {
    const tier = t.slice(bounds[k], bounds[k + 1]);
    const w = policy.chooseVersion(runOf(tier));
    const tierState = w === DELETED ? DELETED : bounds[k] + w;
    if (state === undefined) {
      state = tierState;
      continue;
    }
    const pick = policy.chooseVersion(pair.set(state === DELETED, tierState === DELETED));
    state = pick === 0 ? state : pick === DELETED ? DELETED : tierState;
  }
  return state!;
}

const schema = new Schema([new Field('id', new Int32(), false)]);
const batchOf = (ids: number[]) =>
  new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children: [makeData({ type: new Int32(), length: ids.length, data: Int32Array.from(ids) })] }));

describe('MemtableVersions', () => {
  type Op = { op: 'put' | 'delete'; ids: number[] };
  const ops = fc.array(fc.record({ op: fc.constantFrom<'put' | 'delete'>('put', 'put', 'delete'), ids: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }) }), { minLength: 1, maxLength: 12 });

  it('loads each key chain oldest first within the batch limit, and the winner matches the model', () => {
    fc.assert(fc.property(ops, fc.nat(), (batches: Op[], limitSeed) => {
      const m = new Memtable(0, 1, true);
      const history = new Map<number, { ordinal: number; tombstone: boolean }[]>();
      const limit = 1 + (limitSeed % batches.length);
      batches.forEach(({ op, ids }, b) => {
        const base = m.rowCount;
        const batch = batchOf(ids);
        m.append(batch, op, encodeKeys(batch, ['id']), -1);
        if (b < limit) ids.forEach((id, r) => history.set(id, [...(history.get(id) ?? []), { ordinal: base + r, tombstone: op === 'delete' }]));
      });
      const versions = new MemtableVersions(m);
      for (const [id, vs] of history) {
        const keys = encodeKeys(batchOf([id]), ['id']);
        const newest = m.lookup(keys.bytes, keys.offsets[0], keys.offsets[1], limit);
        versions.load(newest);
        expect(Array.from({ length: versions.count }, (_, i) => versions.ordinal(i))).toEqual(vs.map((v) => v.ordinal));
        expect(Array.from({ length: versions.count }, (_, i) => versions.isTombstone(i))).toEqual(vs.map((v) => v.tombstone));
        const want = vs[vs.length - 1].tombstone ? DELETED : vs[vs.length - 1].ordinal;
        expect(versions.winner(newest, DEDUPLICATE)).toBe(want);
      }
    }), { seed: SEED, numRuns: 200 });
  });

  it('hands a plugged-in policy the versions oldest first (a first-version policy picks the first put)', () => {
    const oldest: MergePolicy = { engine: 'first-row', sequenceField: undefined, newestDecides: false, picksRow: true, chooseVersion: () => 0, merge: () => undefined };
    const m = new Memtable(0, 1, true);
    for (const ids of [[7], [3, 7], [7]]) {
      const b = batchOf(ids);
      m.append(b, 'put', encodeKeys(b, ['id']), -1);
    }
    const keys = encodeKeys(batchOf([7]), ['id']);
    const newest = m.lookup(keys.bytes, keys.offsets[0], keys.offsets[1]);
    expect(newest).toBe(3);
    expect(new MemtableVersions(m).winner(newest, oldest)).toBe(0);
    expect(new MemtableVersions(m).winner(newest, DEDUPLICATE)).toBe(3);
  });
});

describe('mergePolicyOf', () => {
  it('is deduplicate for every table today', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'] });
    expect(mergePolicyOf(table)).toBe(DEDUPLICATE);
    expect(DEDUPLICATE.newestDecides).toBe(true);
  });
});

describe('a data file without a key index', () => {
  it('holding a key more than once: the index built from the data names each key\'s state by the merge', async () => {
    const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'] });
    // rows (id, _ft_batch, _ft_tombstone): 5 put then deleted, 6 deleted then put again, 7 put once
    const rows: [number, number, boolean][] = [[6, 2, false], [5, 0, false], [7, 0, false], [5, 1, true], [6, 0, true]];
    const fileSchema = generationFileSchema(schema);
    const children = [
      vectorFromArray(rows.map((r) => r[0]), new Int32()).data[0],
      vectorFromArray(rows.map((r) => r[1]), new Int32()).data[0],
      vectorFromArray(rows.map((r) => r[2]), new Bool()).data[0],
    ];
    const parquet = writeParquetFile([new RecordBatch(fileSchema, makeData({ type: new Struct(fileSchema.fields), length: rows.length, nullCount: 0, children }))], { rowGroupSize: 2 });
    await table.store.putIfAbsent('shards/0/gen/data.parquet', parquet);
    const file = { path: 'shards/0/gen/data.parquet', rows: rows.length, bytes: parquet.byteLength, checksum: crc32(parquet), rowGroupSize: 2 };
    const index = await new FileReader(table, emptyStats(), 1 << 20).keyIndexOf(file, 'flushed');
    expect(index.count).toBe(3);
    expect([...index.rows]).toEqual([3, 0, 2]); // 5: its tombstone (file row 3); 6: the re-put (row 0); 7: row 2
    expect([...index.tombstone]).toEqual([1, 0, 0]);
    expect([...index.firstBatch]).toEqual([1, 2, 0]);
  });
});
