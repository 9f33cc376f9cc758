/**
 * The SQL view keeps freshtier's total orders and exact sums (docs/merge-engines.md): a
 * float key (-0 and +0 one key, all NaNs one key), a float sequence field (-0 below +0),
 * float min/max/first/last/last-non-null with -0, NaN and infinities, strings by their
 * bytes, binaries, an Int8 `sum` and `count` whose answers may leave the type, and an
 * Int64 `sum` whose partial sums leave Int64 while the answer fits. A seeded property runs
 * random puts, deletes, flushes and compactions under aggregate (with and without the
 * sequence field), partial-update, first-row and deduplicate with it, and after every
 * commit the view in DuckDB and the scan either return the same rows or both fail with
 * AGGREGATE_OVERFLOW. The example tests pin the overflow error and the exact partial sums.
 */
import { LocalStore, Table, type MergeEngineName } from '@freshtier/core';
import { ShardWriter, compact } from '@freshtier/writer';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Binary, Field, Float32, Float64, Int64, Int8, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, scanRows, tempDir, viewRowsOf } from './duckdb-merge-support.js';
import { duckdb, type Row } from './duckdb-support.js';

afterAll(removeTempDirs);

const COLUMNS = {
  k: new Float64(), ts: new Float64(), fmin: new Float64(), fmax: new Float64(), flast: new Float64(), ffirst: new Float32(),
  lnn: new Float64(), smax: new Utf8(), bmin: new Binary(), i8: new Int8(), cnt: new Int8(), big: new Int64(),
};
type Col = keyof typeof COLUMNS;
type ORow = Partial<Record<Col, unknown>>;
const schema = new Schema(Object.entries(COLUMNS).map(([name, type]) => new Field(name, type, name !== 'k' && name !== 'ts')));
const AGGREGATES = { fmin: 'min', fmax: 'max', flast: 'last', ffirst: 'first', smax: 'max', bmin: 'min', i8: 'sum', cnt: 'count', big: 'sum' } as const;

interface OrderConfig {
  engine: MergeEngineName;
  sequence: boolean;
}

async function orderTable(c: OrderConfig): Promise<{ table: Table; writer: ShardWriter }> {
  const table = await Table.create(new LocalStore(tempDir('freshtier-sql-orders-')), {
    schema, primaryKey: ['k'], shards: 1, mergeEngine: c.engine, ...(c.sequence ? { sequenceField: 'ts' } : {}), ...(c.engine === 'aggregate' ? { aggregates: AGGREGATES } : {}),
  });
  return { table, writer: await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false, flushInWorker: false }) };
}

function batch(rows: readonly ORow[], fields = schema.fields): RecordBatch {
  const children = fields.map((f) => vectorFromArray(rows.map((r) => r[f.name as Col] ?? null), f.type).data[0]);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }));
}

const keys = (ks: number[]) => batch(ks.map((k) => ({ k })), [schema.fields[0]]);

/** Rows comparable across DuckDB and Arrow (binaries as hex), sorted by the key's text. */
function comparable(rows: Row[]): string[] {
  const bin = schema.fields.findIndex((f) => f.name === 'bmin');
  const text = (v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : (v as { bytes?: Uint8Array } | null)?.bytes ? Buffer.from((v as { bytes: Uint8Array }).bytes).toString('hex') : v);
  return rows.map((r) => JSON.stringify(r.map((v, i) => (i === bin ? text(v) : typeof v === 'bigint' ? `${v}n` : v)))).sort();
}

/** The view and the scan: the same rows, or both fail with AGGREGATE_OVERFLOW. */
async function expectSame(db: DuckDBConnection, table: Table): Promise<'rows' | 'overflow'> {
  const scan = await scanRows(table).catch((e: Error) => e);
  const view = await viewRowsOf(db, table).catch((e: Error) => e);
  if (scan instanceof Error || view instanceof Error) {
    expect(scan).toMatchObject({ code: 'AGGREGATE_OVERFLOW' });
    expect(view).toMatchObject({ message: expect.stringMatching(/AGGREGATE_OVERFLOW: the (sum|count) of column "(i8|cnt|big)" for one key is -?\d+, outside its type/) });
    return 'overflow';
  }
  expect(comparable(view)).toEqual(comparable(scan));
  return 'rows';
}

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });
const floats = fc.constantFrom(-0, 0, Number.NaN, -Infinity, Infinity, 1.5);
const rowArb: fc.Arbitrary<ORow> = fc.record({
  k: fc.constantFrom(-0, 0, Number.NaN, 1.5, -2), ts: fc.constantFrom(-0, 0, 1, 2),
  fmin: maybe(floats), fmax: maybe(floats), flast: maybe(floats), ffirst: maybe(fc.constantFrom(-0, 0, Number.NaN, 2.5)), lnn: maybe(floats),
  smax: maybe(fc.constantFrom('a', 'é', 'z', 'Z', '', 'ab', '\u{1F600}')), bmin: maybe(fc.constantFrom(...[[0x80], [0x00], [], [0x7f, 0x01], [0x00, 0x00]].map((b) => Uint8Array.from(b)))),
  i8: maybe(fc.integer({ min: -40, max: 40 })), cnt: maybe(fc.integer({ min: -3, max: 3 })), big: maybe(fc.constantFrom(1n << 62n, -(1n << 62n), (1n << 62n) + 1n, 7n)),
});

type Op = { kind: 'put'; rows: ORow[] } | { kind: 'delete'; ks: number[] } | { kind: 'flush' | 'compact' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), rows: fc.array(rowArb, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), ks: fc.uniqueArray(fc.constantFrom(-0, 1.5, -2, Number.NaN), { minLength: 1, maxLength: 2, comparator: Object.is }) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
);

/** What the checks of one property met: it must meet both (a property that never compares rows tests nothing). */
const met = { rows: 0, overflow: 0 };

async function runHistory(config: OrderConfig, ops: Op[]): Promise<void> {
  const { table, writer } = await orderTable(config);
  const db = await duckdb();
  try {
    for (const op of [...ops, { kind: 'flush' as const }]) {
      if (op.kind === 'put') await writer.put(batch(op.rows));
      else if (op.kind === 'delete') await writer.delete(keys(op.ks));
      else if (op.kind === 'flush') await writer.flush();
      else await compact(table, { shard: 0 });
      if (op.kind === 'flush' || op.kind === 'compact') met[await expectSame(db, table)]++;
    }
  } finally {
    db.closeSync();
    await writer.close();
  }
}

const CONFIGS: OrderConfig[] = [
  { engine: 'aggregate', sequence: true }, { engine: 'aggregate', sequence: false },
  { engine: 'partial-update', sequence: true }, { engine: 'first-row', sequence: true }, { engine: 'deduplicate', sequence: true },
];

describe('the DuckDB view keeps the total orders and exact sums (seeded)', () => {
  it.each(CONFIGS)('$engine, sequence field: $sequence', { timeout: 120_000 }, async (config) => {
    Object.assign(met, { rows: 0, overflow: 0 });
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 12 }), (ops) => runHistory(config, ops)), { seed: 4200 + CONFIGS.indexOf(config), numRuns: 4 });
    expect(met.rows).toBeGreaterThan(0);
    if (config.engine === 'aggregate' && config.sequence) expect(met.overflow).toBeGreaterThan(0); // this seed's histories meet overflowing keys too
  });
});

describe('sums in the view are exact and never wrapped', () => {
  const agg = { engine: 'aggregate' as const, sequence: true };

  it('100 + 100 - 100 in an Int8 sum reads 100 across tiers; Int64 partial sums past 2^63 read exactly', async () => {
    const { table, writer } = await orderTable(agg);
    const db = await duckdb();
    await writer.put(batch([{ k: 1, ts: 0, i8: 100, big: 1n << 62n }]));
    await writer.flush();
    await writer.put(batch([{ k: 1, ts: 1, i8: 100, big: 1n << 62n }]));
    await writer.flush();
    await compact(table, { shard: 0 }); // the base holds the partial sums 200 and 2^63 in _ft_sum_*
    await writer.put(batch([{ k: 1, ts: 2, i8: -100, big: -(1n << 62n) - 5n }]));
    await writer.flush();
    expect(await expectSame(db, table)).toBe('rows');
    const r = await db.runAndReadAll('SELECT i8, big, cnt FROM v');
    expect(r.getRows()).toEqual([[100, (1n << 62n) - 5n, 0]]);
    db.closeSync();
    await writer.close();
  });

  it('an answer outside the column type fails the query naming AGGREGATE_OVERFLOW, as the scan fails; a delete clears it', async () => {
    const { table, writer } = await orderTable(agg);
    const db = await duckdb();
    await writer.put(batch([{ k: 1, ts: 0, i8: 100 }, { k: 2, ts: 0, i8: 1 }]));
    await writer.flush();
    await writer.put(batch([{ k: 1, ts: 1, i8: 100 }]));
    await writer.flush();
    expect(await expectSame(db, table)).toBe('overflow');
    await expect(db.run('SELECT * FROM v')).rejects.toThrow('AGGREGATE_OVERFLOW: the sum of column "i8" for one key is 200, outside its type Int8. freshtier never wraps or clamps an aggregate');
    await writer.delete(keys([1]));
    await writer.flush();
    expect(await expectSame(db, table)).toBe('rows');
    db.closeSync();
    await writer.close();
  });
});
