/**
 * The SQL view of every merge engine (deduplicate, first-row, partial-update, aggregate
 * with all nine functions), each with and without a sequence field, run in DuckDB equals
 * the scan row for row: after upserts (late events with small sequence values, partial
 * puts), deletes, a delete and a put of one key in one generation (an `_ft_cut` row), an
 * ingest, compactions, a rollback and GC, the view regenerated after each commit; and a
 * tagged version's view equals its checkout. Then a seeded property over random
 * histories of the same operations.
 */
import { ShardWriter, compact, gc, rollback, tag } from '@freshtier/writer';
import type { Table } from '@freshtier/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { VALUE_COLUMNS, idBatch, mergeBatch, type MRow, type ValueColumn } from '../support/merge-model.js';
import { ENGINE_CONFIGS, expectViewEqualsScan, localMergeTable, removeTempDirs, testWriter, type EngineConfig } from './duckdb-merge-support.js';
import { duckdb } from './duckdb-support.js';

afterAll(removeTempDirs);

/** A row with every value column derived from `n` (nulls in some), sequence value `seq`. */
function row(id: number, seq: number, n: number): MRow {
  const maybe = <T>(v: T): T | null => ((n + id) % 4 === 0 ? null : v);
  return {
    id: BigInt(id), seq: BigInt(seq), a: maybe(n * 7 - 20), b: maybe(['x', 'yy', 'é', 'Z', ''][n % 5]), c: maybe(n % 3 !== 0), d: maybe(BigInt(n)),
    e: maybe([-0, 0, 1.5, -2.25][n % 4]), f: maybe(n), g: maybe(`g${n}`), h: maybe(20 - n * 3), i: maybe(n % 2 === 0),
  };
}

const rows = (ids: number[], seq: (id: number) => number, n: number) => ids.map((id) => row(id, seq(id), n + id));
/** Partial puts leave columns out under partial-update (the others need full rows). */
const cols = (c: EngineConfig, some: ValueColumn[]) => (c.engine === 'partial-update' ? some : [...VALUE_COLUMNS]);

describe('the DuckDB view of every merge engine equals the scan', () => {
  it.each(ENGINE_CONFIGS)('$engine, sequence field: $sequence', { timeout: 60_000 }, async (config) => {
    const table = await localMergeTable(config);
    const db = await duckdb();
    let w = await testWriter(table);
    const check = () => expectViewEqualsScan(db, table);
    expect(await check()).toBe(0); // no file yet: an empty view of the right columns
    await w.put(mergeBatch(rows([0, 1, 2, 3, 4, 5, 6, 7], (id) => 10 + id, 1)));
    await w.put(mergeBatch(rows([1, 2, 3], () => 5, 2), cols(config, ['a', 'b', 'e']))); // late events, partial puts
    await w.flush();
    expect(await check()).toBe(8);
    await w.put(mergeBatch(rows([2, 3, 4], (id) => 10 + id, 3), cols(config, ['c', 'd', 'f', 'g'])));
    await w.delete(idBatch([5n, 6n]));
    await w.put(mergeBatch(rows([6, 8], () => 0, 4))); // 6: deleted then put in one generation, a cut row
    await w.flush();
    await check();
    await tag(table, 'before');
    await compact(table, { shard: 0 });
    await check();
    await w.put(mergeBatch(rows([1, 3, 9], () => 11, 5), cols(config, ['h', 'i', 'a'])));
    await w.delete(idBatch([4n]));
    await w.flush();
    await w.ingest(mergeBatch(rows([0, 2, 4, 10], (id) => 3 + id, 6)));
    await check();
    await w.put(mergeBatch(rows([0, 2], () => 12, 7), cols(config, ['b', 'e', 'g'])));
    await w.flush();
    await check();
    await w.close();
    await rollback(table, 'before');
    await check(); // the excluded generations are in no view
    w = await testWriter(table);
    await w.put(mergeBatch(rows([3, 6, 11], () => 1, 8)));
    await w.delete(idBatch([0n]));
    await w.flush();
    await compact(table, { shard: 0 });
    await w.put(mergeBatch(rows([1, 6], () => 30, 9), cols(config, ['a', 'd'])));
    await w.flush();
    await check();
    await w.close();
    expect((await gc(table, { olderThan: 0 })).deleted.baseFiles.length).toBeGreaterThan(0);
    await check();
    await expectViewEqualsScan(db, table, 'before'); // a tagged version GC kept
    db.closeSync();
  });
});

type Op =
  | { kind: 'put'; rows: MRow[]; columns: ValueColumn[] }
  | { kind: 'delete'; ids: bigint[] }
  | { kind: 'ingest'; rows: MRow[] }
  | { kind: 'flush' | 'compact' | 'tag' | 'rollback' };

const id = fc.integer({ min: 0, max: 5 }).map(BigInt);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });
const rowArb: fc.Arbitrary<MRow> = fc.record({
  id, seq: fc.integer({ min: 0, max: 3 }).map(BigInt),
  a: maybe(fc.integer({ min: -50, max: 50 })), b: maybe(fc.constantFrom('x', 'y', 'é', 'Z', '')), c: maybe(fc.boolean()),
  d: maybe(fc.bigInt({ min: -3n, max: 3n })), e: maybe(fc.constantFrom(-0, 0, 1.5, -2.25)), f: maybe(fc.integer({ min: 0, max: 99 })),
  g: maybe(fc.constantFrom('p', 'q', 'r')), h: maybe(fc.integer({ min: -20, max: 20 })), i: maybe(fc.boolean()),
});

function opArb(config: EngineConfig): fc.Arbitrary<Op> {
  const columns: fc.Arbitrary<ValueColumn[]> = config.engine === 'partial-update' ? fc.subarray([...VALUE_COLUMNS]) : fc.constant([...VALUE_COLUMNS]);
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), rows: fc.array(rowArb, { minLength: 1, maxLength: 5 }), columns }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: fc.uniqueArray(id, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ingest' as const), rows: fc.array(rowArb, { minLength: 1, maxLength: 4 }) }) },
    { weight: 3, arbitrary: fc.constant({ kind: 'flush' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'compact' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'tag' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'rollback' as const }) },
  );
}

/** Runs `ops` on a fresh table, comparing the view with the scan after every commit. */
async function runHistory(config: EngineConfig, ops: Op[]): Promise<void> {
  const table: Table = await localMergeTable(config);
  const db = await duckdb();
  let w: ShardWriter = await testWriter(table);
  let tagged = false;
  try {
    for (const op of [...ops, { kind: 'flush' as const }]) {
      if (op.kind === 'put') await w.put(mergeBatch(op.rows, op.columns));
      else if (op.kind === 'delete') await w.delete(idBatch(op.ids));
      else if (op.kind === 'ingest') await w.ingest(mergeBatch(op.rows));
      else if (op.kind === 'flush') await w.flush();
      else if (op.kind === 'compact') await compact(table, { shard: 0 });
      else if (op.kind === 'tag') {
        if (!tagged) await tag(table, 't'); // one tag per history; rollbacks go back to it
        tagged = true;
      } else if (tagged) {
        await w.close(); // a rollback needs the shard's writers closed; unflushed rows are dropped
        await rollback(table, 't');
        w = await testWriter(table);
      }
      if (op.kind !== 'put' && op.kind !== 'delete') await expectViewEqualsScan(db, table);
    }
    if (tagged) await expectViewEqualsScan(db, table, 't');
  } finally {
    db.closeSync();
    await w.close().catch(() => undefined);
  }
}

describe('the DuckDB view equals the scan over random histories (seeded)', () => {
  it.each(ENGINE_CONFIGS)('$engine, sequence field: $sequence', { timeout: 120_000 }, async (config) => {
    const seed = 1500 + ENGINE_CONFIGS.indexOf(config);
    await fc.assert(fc.asyncProperty(fc.array(opArb(config), { minLength: 4, maxLength: 18 }), (ops) => runHistory(config, ops)), { seed, numRuns: 3 });
  });
});
