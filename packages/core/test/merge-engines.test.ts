/**
 * The merge engines as units (docs/merge-engines.md): each engine and aggregate function
 * on small runs — nulls, ties, late events, deletes, overflow — and the property every
 * tier relies on: merging a run split into tiers (each tier's state stored with its state
 * columns, as flush writes it) gives the state of the whole run, for every engine with and
 * without a sequence field — also where a tier's partial sum leaves its column's type.
 */
import { Bool, Field, Float64, Int64, Int8, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AggregateOverflowError } from '../src/errors.js';
import { StateAssembler } from '../src/merge/merge-assembler.js';
import { ListRun, MergedState } from '../src/merge/merge-run.js';
import { policyFor } from '../src/merge/merge-policy.js';
import type { MergeSpec } from '../src/merge/merge-spec.js';

const SEED = 0x13_13;

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('seq', new Int64(), true),
  new Field('v', new Int8(), true),
  new Field('s', new Utf8(), true),
  new Field('b', new Bool(), true),
  new Field('x', new Float64(), true),
]);
type Row = { seq?: bigint; v?: number | null; s?: string | null; b?: boolean | null; x?: number | null };
/** A version: a row, or 'd' for a tombstone. */
type Version = Row | 'd';

const TYPES: Record<string, DataType> = Object.fromEntries(schema.fields.map((f) => [f.name, f.type]));

function batchOf(rows: readonly Row[]): RecordBatch {
  const children = schema.fields.map((f) => vectorFromArray(rows.map((r) => (f.name === 'id' ? 1n : (r as Record<string, unknown>)[f.name] ?? (f.name === 'seq' ? 0n : null))), TYPES[f.name]).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/** The run of `versions` (oldest first), each version a row of one batch. */
function runOf(versions: readonly Version[]): ListRun {
  const batch = batchOf(versions.map((v) => (v === 'd' ? {} : v)));
  const run = new ListRun();
  versions.forEach((v, i) => run.push(batch, i, v === 'd'));
  return run;
}

/** The merged state of a run as a plain row, or undefined when deleted. */
function merge(spec: MergeSpec, run: ListRun): Record<string, unknown> | undefined {
  const policy = policyFor(schema, ['id'], spec);
  const state = new MergedState(schema.fields.length);
  policy.merge(run, state);
  if (state.deleted) return undefined;
  const out = new StateAssembler(policy, schema, schema.fields, 'none');
  out.add(run, state);
  const b = out.finish();
  return Object.fromEntries(schema.fields.filter((f) => f.name !== 'id').map((f) => [f.name, b.getChild(f.name)!.get(0)]));
}

const P = (seq: number, v: number | null = null, s: string | null = null, b: boolean | null = null, x: number | null = null): Row => ({ seq: BigInt(seq), v, s, b, x });
const ALL_NULL = { v: null, s: null, b: null, x: null };

describe('each engine on small runs', () => {
  const cases: [string, MergeSpec, Version[], Record<string, unknown> | undefined][] = [
    ['deduplicate: the newest arrival', {}, [P(5, 1), P(1, 2)], { seq: 1n, ...ALL_NULL, v: 2 }],
    ['deduplicate by sequence: a late event loses', { sequenceField: 'seq' }, [P(5, 1), P(1, 2)], { seq: 5n, ...ALL_NULL, v: 1 }],
    ['deduplicate by sequence: a tie goes to the later arrival', { sequenceField: 'seq' }, [P(5, 1), P(5, 2), P(4, 3)], { seq: 5n, ...ALL_NULL, v: 2 }],
    ['deduplicate by sequence: a delete ends everything that arrived before it', { sequenceField: 'seq' }, [P(9, 1), 'd', P(1, 2)], { seq: 1n, ...ALL_NULL, v: 2 }],
    ['first-row: the first arrival', { mergeEngine: 'first-row' }, [P(5, 1), P(1, 2)], { seq: 5n, ...ALL_NULL, v: 1 }],
    ['first-row: after a delete, the first put after it', { mergeEngine: 'first-row' }, [P(5, 1), 'd', P(7, 2), P(8, 3)], { seq: 7n, ...ALL_NULL, v: 2 }],
    ['first-row by sequence: the smallest, ties to the earlier arrival', { mergeEngine: 'first-row', sequenceField: 'seq' }, [P(5, 1), P(2, 2), P(2, 3)], { seq: 2n, ...ALL_NULL, v: 2 }],
    ['partial-update: each column its newest non-null', { mergeEngine: 'partial-update' }, [P(1, 1, 'a'), P(2, null, 'b', true), P(3, 3, null)], { seq: 3n, v: 3, s: 'b', b: true, x: null }],
    ['partial-update by sequence: a late event fills only what newer ones left null', { mergeEngine: 'partial-update', sequenceField: 'seq' }, [P(5, 1, null), P(2, 9, 'late')], { seq: 5n, v: 1, s: 'late', b: null, x: null }],
    ['partial-update: a delete starts from nothing', { mergeEngine: 'partial-update' }, [P(1, 1, 'a'), 'd', P(2, null, 'b')], { seq: 2n, v: null, s: 'b', b: null, x: null }],
    ['any engine: a delete as the newest version deletes', { mergeEngine: 'aggregate' }, [P(1, 1), 'd'], undefined],
  ];
  it.each(cases)('%s', (_name, spec, versions, want) => {
    expect(merge(spec, runOf(versions))).toEqual(want);
  });
});

describe('aggregate functions: nulls, order, overflow', () => {
  const agg = (v: string, s: string, b: string, x: string): MergeSpec => ({ mergeEngine: 'aggregate', aggregates: { v, s, b, x } as never });
  const cases: [string, MergeSpec, Version[], Record<string, unknown>][] = [
    ['sum, max, bool_and, min skip nulls', agg('sum', 'max', 'bool_and', 'min'), [P(1, 2, 'ab', true, 1.5), P(2, null, null, null, null), P(3, 5, 'b', false, -2)], { seq: 3n, v: 7, s: 'b', b: false, x: -2 }],
    ['all nulls: sum, max, bool_or, min are null', agg('sum', 'max', 'bool_or', 'min'), [P(1), P(2)], { seq: 2n, ...ALL_NULL }],
    // the cells as Table.conform stores a put's count column: 1 where it held a value, 0 where null
    ['count adds the stored cells: the versions that held a value', agg('count', 'last', 'last', 'last'), [P(1, 1), P(2, 1), P(3, 0)], { seq: 3n, v: 2, s: null, b: null, x: null }],
    ['first and last keep nulls; last-non-null skips them', agg('first', 'last', 'last-non-null', 'last'), [P(1, null, 'a', true, 1), P(2, 7, null, null, null)], { seq: 2n, v: null, s: null, b: true, x: null }],
    ['strings compare by bytes', agg('sum', 'max', 'bool_or', 'max'), [P(1, 1, 'é'), P(2, 1, 'z')], { seq: 2n, v: 2, s: 'é', b: null, x: null }],
    ['floats: -0 below +0, NaN above everything', agg('sum', 'min', 'bool_or', 'max'), [P(1, null, null, null, 0), P(2, null, null, null, NaN), P(3, null, null, null, -0)], { seq: 3n, v: null, s: null, b: null, x: NaN }],
    ['a delete restarts a sum', agg('sum', 'max', 'bool_or', 'max'), [P(1, 100), 'd', P(2, 3)], { seq: 2n, v: 3, s: null, b: null, x: null }],
    ['by sequence: first and last follow it, the sequence column is the newest', { ...agg('first', 'last', 'last', 'last'), sequenceField: 'seq' }, [P(5, 1, 'five'), P(2, 2, 'two')], { seq: 5n, v: 2, s: 'five', b: null, x: null }],
  ];
  it.each(cases)('%s', (_name, spec, versions, want) => {
    expect(merge(spec, runOf(versions))).toEqual(want);
  });

  it('-0 is the min of -0 and +0 whichever comes first', () => {
    const spec = agg('sum', 'max', 'bool_or', 'min');
    for (const xs of [[0, -0], [-0, 0]]) expect(Object.is(merge(spec, runOf(xs.map((x, i) => P(i, null, null, null, x))))!.x, -0)).toBe(true);
  });

  it('a sum that leaves its integer type is an AggregateOverflowError, never a wrapped value', () => {
    const spec = agg('sum', 'max', 'bool_or', 'max');
    expect(merge(spec, runOf([P(1, 100), P(2, 27)]))!.v).toBe(127);
    for (const vs of [[100, 28], [-100, -29]]) {
      expect(() => merge(spec, runOf(vs.map((v, i) => P(i, v))))).toThrow(AggregateOverflowError);
    }
    expect(() => merge(spec, runOf([P(1, 100), P(2, 28)]))).toThrow(/sum of column "v" for one key is 128, outside its type Int8/);
    expect(merge(spec, runOf([P(1, 100), P(2, 28), 'd', P(3, 1)]))!.v).toBe(1); // a delete ends the overflowing history
  });

  it('a partial sum outside the type is stored exactly (_ft_sum_): only the answer must fit', () => {
    const spec = agg('sum', 'max', 'bool_or', 'max');
    const versions = [P(1, 100), P(2, 100), P(3, -100)];
    expect(merge(spec, runOf(versions))!.v).toBe(100);
    expect(mergeTiers(spec, versions, [2])!.v).toBe(100); // the first tier's state is 200: null in v, "200" in _ft_sum_v
  });
});

const SPECS: MergeSpec[] = [
  {}, { sequenceField: 'seq' },
  { mergeEngine: 'first-row' }, { mergeEngine: 'first-row', sequenceField: 'seq' },
  { mergeEngine: 'partial-update' }, { mergeEngine: 'partial-update', sequenceField: 'seq' },
  { mergeEngine: 'aggregate', aggregates: { v: 'last', s: 'max', b: 'bool_and', x: 'first' } },
  { mergeEngine: 'aggregate', sequenceField: 'seq', aggregates: { v: 'last', s: 'last-non-null', b: 'bool_or', x: 'first' } },
  { mergeEngine: 'aggregate', sequenceField: 'seq', aggregates: { v: 'count', s: 'min', b: 'last', x: 'last-non-null' } },
  { mergeEngine: 'aggregate', aggregates: { v: 'sum', s: 'first', b: 'bool_or', x: 'min' } },
];

/** A merge's answer, or 'overflow' when it is an AggregateOverflowError. */
function outcome(fn: () => Record<string, unknown> | undefined): Record<string, unknown> | undefined | 'overflow' {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AggregateOverflowError) return 'overflow';
    throw e;
  }
}

/** Stores each tier's state as flush does (state columns, a deleted key as a tombstone), then merges the tier states. */
function mergeTiers(spec: MergeSpec, versions: readonly Version[], cuts: readonly number[]): Record<string, unknown> | undefined {
  const policy = policyFor(schema, ['id'], spec);
  const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), versions.length];
  const tiers = new ListRun();
  for (let k = 0; k + 1 < bounds.length; k++) {
    const run = runOf(versions.slice(bounds[k], bounds[k + 1]));
    const state = new MergedState(schema.fields.length);
    policy.merge(run, state);
    const out = new StateAssembler(policy, schema, schema.fields, 'generation');
    out.add(run, state);
    tiers.push(out.finish(), 0, state.deleted);
  }
  return merge(spec, tiers);
}

describe('a run split into tiers merges to the state of the whole run', () => {
  const small = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 3 });
  const version: fc.Arbitrary<Version> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ seq: fc.integer({ min: 0, max: 3 }).map(BigInt), v: small(fc.constantFrom(0, 1, 100, -100)), s: small(fc.constantFrom('a', 'b', 'ab')), b: small(fc.boolean()), x: small(fc.constantFrom(-1, 0, 2.5)) }) },
    { weight: 1, arbitrary: fc.constant('d' as const) },
  );
  it.each(SPECS.map((s) => [JSON.stringify(s), s] as const))('%s', (_name, spec) => {
    const arb = fc.array(version, { minLength: 1, maxLength: 12 }).chain((vs) => fc.tuple(fc.constant(vs), fc.array(fc.integer({ min: 1, max: Math.max(1, vs.length - 1) }), { maxLength: 4 })));
    fc.assert(fc.property(arb, ([vs, cuts]) => {
      // an Int8 sum may overflow: then the whole run and its tiers must both refuse to answer
      const whole = outcome(() => merge(spec, runOf(vs)));
      const split = outcome(() => mergeTiers(spec, vs, cuts.filter((c) => c < vs.length)));
      expect(split).toEqual(whole);
    }), { seed: SEED, numRuns: 300 });
  });
});
