/**
 * The SQL view on `deduplicate` tables with a sequence field: the largest sequence value
 * wins (ties: the newer generation; floats: +0 above -0), and a delete ends a key's
 * history whatever the sequence values (`_ft_cut`, tombstones). Random puts (many ties,
 * late events), deletes, flushes and compactions from a seeded generator; after each
 * round the view in DuckDB equals the scan. (Every other engine: duckdb-view-merge-engines.test.ts.)
 * Requests no SQL engine can serve are refused, naming why.
 */
import { LocalStore, MemoryStore, Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, compact, latestStateSql, liveFiles } from '@freshtier/writer';
import { Field, Float64, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrowRows, duckdb, viewRows } from './duckdb-support.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function schemaWith(seqType: DataType): Schema {
  return new Schema([new Field('id', new Int64(), false), new Field('seq', seqType, false), new Field('v', new Utf8(), true)]);
}

function batch(schema: Schema, ids: number[], seqs: (number | bigint)[], tag: string): RecordBatch {
  const children = [
    vectorFromArray(ids.map(BigInt), new Int64()).data[0],
    vectorFromArray(seqs, schema.fields[1].type).data[0],
    vectorFromArray(ids.map((i) => `${tag}-${i}`), new Utf8()).data[0],
  ];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }));
}

function keys(schema: Schema, ids: number[]): RecordBatch {
  const f = schema.fields[0];
  return new RecordBatch(new Schema([f]), makeData({ type: new Struct([f]), length: ids.length, nullCount: 0, children: [vectorFromArray(ids.map(BigInt), new Int64()).data[0]] }));
}

type Op = { kind: 'put'; ids: number[]; seqs: number[] } | { kind: 'delete'; ids: number[] } | { kind: 'flush' } | { kind: 'compact' };

const id = fc.integer({ min: 0, max: 30 });
const opArb = (seq: fc.Arbitrary<number>): fc.Arbitrary<Op> => fc.oneof(
  { weight: 5, arbitrary: fc.uniqueArray(id, { minLength: 1, maxLength: 8 }).chain((ids) => fc.array(seq, { minLength: ids.length, maxLength: ids.length }).map((seqs) => ({ kind: 'put' as const, ids, seqs }))) },
  { weight: 2, arbitrary: fc.uniqueArray(id, { minLength: 1, maxLength: 4 }).map((ids) => ({ kind: 'delete' as const, ids })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);

async function runOps(seqType: DataType, ops: Op[], toSeq: (n: number) => number | bigint): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-seq-'));
  dirs.push(dir);
  const schema = schemaWith(seqType);
  const table = await Table.create(new LocalStore(dir), { schema, primaryKey: ['id'], shards: 1, sequenceField: 'seq' });
  const w = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false });
  const db = await duckdb();
  try {
    for (const [i, op] of ops.entries()) {
      if (op.kind === 'put') await w.put(batch(schema, op.ids, op.seqs.map(toSeq), `p${i}`));
      else if (op.kind === 'delete') await w.delete(keys(schema, op.ids));
      else if (op.kind === 'flush') await w.flush();
      else await compact(table, { shard: 0 });
      if (op.kind === 'flush' || op.kind === 'compact') {
        await db.run(latestStateSql(table, await liveFiles(table), { name: 'v' }));
        expect(await viewRows(db, 'v', schema.fields, [0])).toEqual(arrowRows(await new LsmScanner(table).scan().toTable(), [0]));
      }
    }
  } finally {
    db.closeSync();
    await w.close();
  }
}

describe('the DuckDB view of deduplicate tables with a sequence field', () => {
  it('int64 sequence values, many ties and late events (seeded)', { timeout: 120_000 }, async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb(fc.integer({ min: 0, max: 5 })), { minLength: 5, maxLength: 40 }), (ops) => runOps(new Int64(), [...ops, { kind: 'flush' }], BigInt)), { seed: 1515, numRuns: 12 });
  });

  it('float64 sequence values: +0 above -0, as the merge orders them (seeded)', { timeout: 120_000 }, async () => {
    const values = [-0, 0, -1.5, 2.25];
    await fc.assert(fc.asyncProperty(fc.array(opArb(fc.integer({ min: 0, max: 3 })), { minLength: 5, maxLength: 30 }), (ops) => runOps(new Float64(), [...ops, { kind: 'flush' }], (n) => values[n])), { seed: 77, numRuns: 8 });
  });
});

describe('requests the view cannot serve', () => {
  it('a table no SQL engine can reach (a memory store) and an unknown dialect are refused', async () => {
    const table = await Table.create(new MemoryStore(), { schema: schemaWith(new Int64()), primaryKey: ['id'], shards: 1 });
    const file = { kind: 'generation' as const, shard: 0, generation: 1, path: 'x', url: 'memory://m/x', rows: 1, bytes: 1, rowGroupSize: 1 };
    const live = { version: { baseVersion: 0, shardVersions: [1] }, newest: true, shards: [], files: [file] };
    expect(() => latestStateSql(table, live)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/no SQL engine can read: use a local or s3:\/\/ table/) }));
    expect(() => latestStateSql(table, { ...live, files: [] }, { dialect: 'spark' as 'duckdb' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/dialect: "spark" is not supported/) }));
  });
});
