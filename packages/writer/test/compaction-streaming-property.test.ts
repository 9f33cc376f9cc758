/**
 * The streamed compaction writes what the in-memory merge of before (compaction-merge.ts's
 * `mergeRuns`, base-files.ts's `splitPoints` and `writeBaseFile`, still used by repair)
 * writes from the same inputs: the same files (cuts, rows, key ranges, key indexes), with
 * checksums that verify — on random histories under every merge engine.
 */
import {
  FileReader, MemoryStore, decodeKeyIndex, emptyStats, keyRangeOf, mergePolicyOf, readParquetFile,
  type BaseFile, type MergeSpec, type Table,
} from '@freshtier/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { splitPoints, writeBaseFile } from '../src/maintenance/base-files.js';
import { mergeRuns, readRun } from '../src/maintenance/compaction-merge.js';
import { compactProbed } from '../src/maintenance/compaction.js';
import { makeTable, rowsBatch } from './support/fixtures.js';
import { idsBatch, mergeRows, mergeTable } from './support/merge-fixtures.js';

const SEED = 1604;

const SPECS: MergeSpec[] = [
  {},
  { sequenceField: 'ts' },
  { mergeEngine: 'partial-update', sequenceField: 'ts' },
  { mergeEngine: 'aggregate', aggregates: { v: 'sum', s: 'max' } },
  { mergeEngine: 'first-row' },
];

type Op =
  | { kind: 'put'; ids: number[]; ts: number; nullS: boolean }
  | { kind: 'delete'; ids: number[] }
  | { kind: 'flush' }
  | { kind: 'compact'; maxFileRows: number; rowGroupSize: number };

const ids = fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), ids, ts: fc.integer({ min: 0, max: 9 }), nullS: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('compact' as const), maxFileRows: fc.integer({ min: 1, max: 40 }), rowGroupSize: fc.integer({ min: 1, max: 12 }) }) },
);

/** Rows of a base file, as plain objects, in file order. */
async function fileRows(table: Table, f: BaseFile): Promise<unknown[]> {
  const bytes = await new FileReader(table, emptyStats(), 0).dataFile(f); // the checksum and size verify
  return readParquetFile(bytes, f.path).toArray().map((r) => r.toJSON());
}

async function keyIndexOf(table: Table, f: BaseFile) {
  const ix = decodeKeyIndex(await table.store.get(f.keyIndexPath!), f.keyIndexPath!, true);
  return { count: ix.count, keys: Buffer.from(ix.keyBytes).toString('hex'), offsets: [...ix.keyOffsets], rows: [...ix.rows], firstBatch: [...ix.firstBatch], tombstone: [...ix.tombstone] };
}

/** What the in-memory merge of before writes for this compaction's inputs (into a scratch store). */
async function expected(table: Table, before: readonly BaseFile[], rewritten: readonly string[], generations: readonly number[], maxFileRows: number, rowGroupSize: number) {
  const reader = new FileReader(table, emptyStats(), 0);
  const { doc } = await table.shardManifests(0).latest();
  const gens = generations.map((g) => doc.flushed.find((x) => x.generation === g)!.file);
  const runs = [
    ...(await Promise.all(before.filter((f) => rewritten.includes(f.path)).map((f) => readRun(table, reader, f, 'base', 0)))),
    ...(await Promise.all(gens.map((g, i) => readRun(table, reader, g, 'flushed', i + 1)))),
  ];
  const merged = mergeRuns(runs, true, mergePolicyOf(table), table);
  const boundaries = before.filter((f) => !rewritten.includes(f.path)).map((f) => keyRangeOf(f)!.min).sort(Buffer.compare);
  const scratch = Object.create(table, { store: { value: new MemoryStore() } }) as Table;
  const out = [];
  let start = 0;
  for (const end of splitPoints(merged, boundaries, maxFileRows)) {
    const { file } = await writeBaseFile(scratch, 0, merged, start, end, { maxFileRows, rowGroupSize, compression: 'snappy' });
    out.push({ meta: pick(file), rows: await fileRows(scratch, file), index: await keyIndexOf(scratch, file) });
    start = end;
  }
  return out;
}

const pick = (f: BaseFile) => ({ rows: f.rows, pkMin: f.pkMin, pkMax: f.pkMax, rowGroupSize: f.rowGroupSize, shard: f.shard });

async function run(spec: MergeSpec, ops: Op[]): Promise<void> {
  const table = await mergeTable(new MemoryStore(), spec);
  const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none', rowGroupSize: 5 });
  for (const o of ops) {
    if (o.kind === 'put') await writer.put(mergeRows(o.ids.map((id) => [id, o.ts, id + o.ts, o.nullS ? null : `s${o.ts}`])));
    else if (o.kind === 'delete') await writer.delete(idsBatch(o.ids));
    else if (o.kind === 'flush') await writer.flush();
    else {
      const before = (await table.baseManifests.latest()).doc.files;
      const r = await compactProbed(table, { shard: 0, maxFileRows: o.maxFileRows, rowGroupSize: o.rowGroupSize });
      if (!r.committed) continue;
      const want = await expected(table, before, r.filesRewritten, r.generations, o.maxFileRows, o.rowGroupSize);
      const got = [];
      for (const f of r.filesWritten) got.push({ meta: pick(f), rows: await fileRows(table, f), index: await keyIndexOf(table, f) });
      expect(got).toEqual(want);
    }
  }
  await writer.close();
}

describe('streamed compaction = the in-memory merge of before', () => {
  it.each(SPECS.map((s) => [JSON.stringify(s), s] as const))('%s: random histories', async (_, spec) => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), (ops) => run(spec, [...ops, { kind: 'flush' }, { kind: 'compact', maxFileRows: 7, rowGroupSize: 3 }])), { seed: SEED, numRuns: 12 });
  });
});

describe('append-only tables', () => {
  it('the generations concatenated in order, cut every maxFileRows rows, as before', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 8 }),
      async (gens, maxFileRows, rowGroupSize) => {
        const table = await makeTable(new MemoryStore(), { appendOnly: true });
        const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, durability: 'none', rowGroupSize: 4 });
        for (const [g, ids] of gens.entries()) {
          await writer.put(rowsBatch(ids, g));
          await writer.flush();
        }
        const r = await compactProbed(table, { shard: 0, maxFileRows, rowGroupSize });
        const reader = new FileReader(table, emptyStats(), 0);
        const { doc } = await table.shardManifests(0).latest();
        const runs = await Promise.all(r.generations.map((g, i) => readRun(table, reader, doc.flushed.find((x) => x.generation === g)!.file, 'flushed', i + 1)));
        const merged = mergeRuns(runs, false, mergePolicyOf(table), table);
        const cuts = splitPoints(merged, [], maxFileRows);
        expect(r.filesWritten.map((f) => f.rows)).toEqual(cuts.map((c, i) => c - (i > 0 ? cuts[i - 1] : 0)));
        const got = (await Promise.all(r.filesWritten.map((f) => fileRows(table, f)))).flat();
        const want = Array.from({ length: merged.count }, (_, i) => merged.batches[merged.batchOf[i]].get(merged.rowOf[i])!.toJSON());
        expect(got).toEqual(want.map((row) => ({ id: row.id, v: row.v, s: row.s })));
        await writer.close();
      },
    ), { seed: SEED, numRuns: 15 });
  });
});
