/**
 * Regression (issue 18, "Exact at the edges"): `castData` / `conformBatch` converted a
 * column to the table's type through a generic Arrow builder. A Utf8 "x" cast to
 * Int32 came out as 0, int64 values wrapped, 1.5 became 1, timestamps finer than
 * a millisecond were misread (the temporal builders take milliseconds), and a
 * date64 that was not a midnight was floored into a date32. Parquet ingest and
 * every stored-file read go through it. Now a value converts exactly or the column
 * is refused with a `SchemaMismatchError` naming the column, the row and the value.
 *
 * The table-driven part runs every source × target pair of numeric and temporal
 * types over edge values against a plain model (test/support/cast-model.ts); the
 * property does the same for random columns (nulls, slices) of random types.
 */
import {
  Binary, Bool, Dictionary, Field, Float64, Int32, Int64, LargeBinary, LargeUtf8, List, Null, RecordBatch, Schema, Struct, TimestampMicrosecond,
  TimestampMillisecond, TimestampNanosecond, Utf8, DateDay, makeData, vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { castData, conformBatch } from '../src/batch-cast.js';
import { isFreshtierError } from '../src/errors.js';
import { CAST_TYPES, columnOf, holds, pairAllowed, rawValues, refusal, rowValue, sameValue, valueOf, type CastCase } from './support/cast-model.js';

const SEED = Number(process.env.FRESHTIER_SEED ?? 1818);
const byName = (name: string) => CAST_TYPES.find((c) => c.name === name)!;
const arrow = (type: DataType, values: unknown[]) => vectorFromArray(values as never, type as never).data[0] as Data;


describe('the examples: exact or refused, naming the column, the row and the value', () => {
  it('Utf8 "x" into Int32 is refused (was 0)', () => {
    const err = refusal(() => castData(arrow(new Utf8(), ['x']), new Int32(), 'id'));
    expect(err?.message).toMatch(/column "id" has type Utf8, which does not convert exactly to the table's Int32.*row 0 holds "x"/);
  });

  it('integers: int64 2^40 into Int32 refused, uint64 2^64 - 1 into Int64 refused (was wrapped to -1), widening exact (int32 → int64 was refused)', () => {
    const err = refusal(() => castData(arrow(new Int64(), [1n, null, 2n ** 40n]), new Int32(), 'v'));
    expect(err?.message).toMatch(/column "v", row 2: the value 1099511627776 \(Int64\) does not fit the table's Int32 exactly \(outside its range\)/);
    expect(err?.context).toMatchObject({ column: 'v', row: 2, value: '1099511627776' });
    expect(rawValues(castData(arrow(new Int64(), [1n, null, -(2n ** 31n)]), new Int32(), 'v'))).toEqual([1, 0, -(2 ** 31)]);
    expect(refusal(() => castData(columnOf(byName('uint64'), [2n ** 64n - 1n]), new Int64(), 'v'))?.context).toMatchObject({ row: 0, value: '18446744073709551615' });
    expect(rawValues(castData(columnOf(byName('int32'), [-5, 2 ** 31 - 1]), new Int64(), 'v'))).toEqual([-5n, 2n ** 31n - 1n]);
  });

  it('floats into integers: 1.5, NaN, Infinity and 2^40 refused (1.5 was 1, 2^40 was 0); 3.0 is 3', () => {
    for (const v of [1.5, NaN, Infinity, 2 ** 40]) {
      expect(refusal(() => castData(arrow(new Float64(), [3, v]), new Int32(), 'n'))?.context).toMatchObject({ row: 1, value: String(v) });
    }
    expect(rawValues(castData(arrow(new Float64(), [3, -0]), new Int64(), 'n'))).toEqual([3n, 0n]);
  });

  it('into floats: only values the float holds (2^53 + 1 refused for float64; 2^24 + 1 and 0.1 for float32, which were rounded)', () => {
    expect(refusal(() => castData(arrow(new Int64(), [2n ** 53n + 1n]), new Float64(), 'f'))?.message).toMatch(/not a float64 value/);
    expect(rawValues(castData(arrow(new Int64(), [2n ** 60n]), new Float64(), 'f'))).toEqual([2 ** 60]);
    expect(refusal(() => castData(columnOf(byName('int32'), [2 ** 24 + 1]), byName('float32').type, 'f'))?.message).toMatch(/not a float32 value/);
    expect(refusal(() => castData(arrow(new Float64(), [0.5, 0.1]), byName('float32').type, 'f'))?.context).toMatchObject({ row: 1, value: '0.1' });
    expect(rawValues(castData(arrow(new Float64(), [0.5, NaN, -Infinity]), byName('float32').type, 'f'))).toEqual([0.5, NaN, -Infinity]);
  });

  it('timestamps change unit in BigInt: ns → ms only when divisible, ms → ns exact (was off by 64 ns: float milliseconds)', () => {
    const ns = columnOf(byName('timestamp[ns]'), [1_714_521_600_123_000_000n, 1_714_521_600_123_456_789n]);
    expect(refusal(() => castData(ns, new TimestampMillisecond(), 'ts'))?.context).toMatchObject({ row: 1, value: '1714521600123456789' });
    expect(rawValues(castData(columnOf(byName('timestamp[us]'), [1_714_521_600_123_456n]), new TimestampNanosecond(), 'ts'))).toEqual([1_714_521_600_123_456_000n]);
    expect(rawValues(castData(columnOf(byName('timestamp[s]'), [1n]), new TimestampMicrosecond(), 'ts'))).toEqual([1_000_000n]);
    expect(rawValues(castData(columnOf(byName('timestamp[ms]'), [1_714_521_600_123n]), new TimestampNanosecond(), 'ts'))).toEqual([1_714_521_600_123_000_000n]);
    const overflow = columnOf(byName('timestamp[s]'), [2n ** 62n]);
    expect(refusal(() => castData(overflow, new TimestampNanosecond(), 'ts'))?.message).toMatch(/outside its range/);
  });

  it('time zones: zoned → other zone or naive keeps the instants; naive → zoned is refused', () => {
    const utc = columnOf(byName('timestamp[ms, UTC]'), [1_714_521_600_123n]);
    expect(rawValues(castData(utc, new TimestampMillisecond('+01:00'), 'ts'))).toEqual([1_714_521_600_123n]);
    expect(rawValues(castData(utc, new TimestampMicrosecond(), 'ts'))).toEqual([1_714_521_600_123_000n]);
    const naive = columnOf(byName('timestamp[ms]'), [1_714_521_600_123n]);
    expect(refusal(() => castData(naive, new TimestampMillisecond('UTC'), 'ts'))?.message).toMatch(/no time zone.*give the source the time zone UTC/);
  });

  it('date64 → date32 only on a UTC midnight (was floored)', () => {
    expect(rawValues(castData(columnOf(byName('date64'), [86_400_000n * 3n]), new DateDay(), 'd'))).toEqual([3]);
    expect(refusal(() => castData(columnOf(byName('date64'), [86_400_000n * 3n + 1n]), new DateDay(), 'd'))?.message).toMatch(/not a whole day/);
  });

  it('a dictionary of int64 decodes, then converts exactly; a sliced dictionary decodes its own rows', () => {
    const dict = arrow(new Dictionary(new Int64(), new Int32()), [5n, null, 2n ** 40n]);
    expect(refusal(() => castData(dict, new Int32(), 'k'))?.context).toMatchObject({ row: 2, value: '1099511627776' });
    expect(refusal(() => castData(dict.slice(1, 2), new Int32(), 'k'))?.context).toMatchObject({ row: 1, value: '1099511627776' });
    const names = arrow(new Dictionary(new Utf8(), new Int32()), ['a', 'b', null, 'c']).slice(1, 3);
    expect(vectorOf(castData(names, new Utf8(), 'name'))).toEqual(['b', null, 'c']);
  });

  it('a Null-typed (all-null) column becomes nulls of any target', () => {
    const out = castData(makeData({ type: new Null(), length: 2 }) as Data, new TimestampMicrosecond('UTC'), 'ts');
    expect([String(out.type), out.length, out.nullCount]).toEqual(['Timestamp<MICROSECOND, UTC>', 2, 2]);
  });

  it('conformBatch refuses the batch; the same type is returned untouched', () => {
    const fields = [new Field('v', new Int64(), true)];
    const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: [arrow(new Int64(), [2n ** 40n])] }));
    expect(refusal(() => conformBatch(batch, [new Field('v', new Int32(), true)]))?.context).toMatchObject({ column: 'v', row: 0 });
    const same = arrow(new Int64(), [7n]);
    expect(castData(same, new Int64(), 'v')).toBe(same);
  });
});

describe('every numeric and temporal source × target pair over edge values', () => {
  it.each(CAST_TYPES.map((c) => [c.name, c] as const))('from %s', (_name, from) => {
    const wrong: string[] = [];
    for (const to of CAST_TYPES) {
      for (const v of from.samples) {
        const want = pairAllowed(from, to) && holds(to, valueOf(from, v)) ? 'exact' : 'refused';
        const got = castOne(from, to, v);
        if (got !== want) wrong.push(`${from.name} ${String(v)} → ${to.name}: ${got}, expected ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

/** Casts [null, v]: `exact` (same exact value, null kept), `refused` (the typed error naming column and row), or what went wrong. */
function castOne(from: CastCase, to: CastCase, v: number | bigint): string {
  const src = columnOf(from, [undefined, v]);
  try {
    const out = castData(src, to.type, 'c');
    const same = String(out.type) === String(to.type) && rowValue(to, out, 0) === undefined && sameValue(rowValue(to, out, 1), valueOf(from, v));
    return same ? 'exact' : 'converted to another value';
  } catch (e) {
    if (!isFreshtierError(e, 'SCHEMA_MISMATCH')) return `threw ${String(e)}`;
    return /"c"/.test(e.message) && /row 1/.test(e.message) ? 'refused' : `refused without naming the column and row: ${e.message}`;
  }
}

describe('other types: only the lossless relabellings convert', () => {
  const others: [string, DataType, unknown[]][] = [
    ['utf8', new Utf8(), ['a', 'é']], ['large-utf8', new LargeUtf8(), ['a', 'é']], ['binary', new Binary(), [new Uint8Array([1, 2])]],
    ['large-binary', new LargeBinary(), [new Uint8Array([1, 2])]], ['bool', new Bool(), [true]], ['dict-utf8', new Dictionary(new Utf8(), new Int32()), ['a', 'é']],
    ['list-int32', new List(new Field('item', new Int32(), true)), [[1, 2]]], ['struct-int32', new Struct([new Field('a', new Int32(), true)]), [{ a: 1 }]],
    ['int32', new Int32(), [1]], ['float64', new Float64(), [1]], ['timestamp[ms]', new TimestampMillisecond(), [1]],
  ];
  const targets: [string, DataType][] = [...others.map(([n, t]) => [n, t] as [string, DataType]),
    ['list-int64', new List(new Field('item', new Int64(), true))], ['struct-int64', new Struct([new Field('a', new Int64(), true)])]];
  const CONVERTS = new Set(['utf8>large-utf8', 'large-utf8>utf8', 'binary>large-binary', 'large-binary>binary', 'dict-utf8>utf8', 'dict-utf8>large-utf8', 'utf8>dict-utf8', 'int32>float64', 'float64>int32']);
  const converts = (a: string, b: string) => a === b || CONVERTS.has(`${a}>${b}`);

  it.each(others.map((o) => [o[0], o] as const))('from %s', (_n, [from, type, values]) => {
    for (const [to, target] of targets) {
      if (from.startsWith('timestamp') && to.startsWith('timestamp')) continue; // covered by the pair table above
      const src = arrow(type, [null, ...values]);
      const err = refusal(() => {
        const out = castData(src, target, 'c');
        expect(String(out.type)).toBe(String(target));
        expect(JSON.stringify([...vectorOf(out)], big)).toBe(JSON.stringify([...vectorOf(src)], big));
      });
      expect(err === undefined, `${from} → ${to}`).toBe(converts(from, to));
      if (err && !converts(from, to)) expect(err.message, `${from} → ${to}`).toMatch(/column "c" has type .*\(row 1 holds /);
    }
  });
});

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? [...v] : v);
function vectorOf(d: Data): unknown[] {
  const out: unknown[] = [];
  const fields = [new Field('x', d.type, true)];
  const b = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: d.length, nullCount: 0, children: [d] }));
  for (let i = 0; i < d.length; i++) {
    const v = b.getChildAt(0)!.get(i) as unknown;
    out.push(v !== null && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v);
  }
  return out;
}

describe('property: random columns of random types cast to random targets (seeded)', () => {
  const column = fc.constantFrom(...CAST_TYPES).chain((from) => fc.record({
    from: fc.constant(from),
    to: fc.oneof(fc.constantFrom(...CAST_TYPES), fc.constantFrom(...CAST_TYPES.filter((t) => t.family === from.family))), // half the time a target that may convert
    values: fc.array(fc.option(sampleOf(from), { nil: undefined, freq: 5 }), { minLength: 1, maxLength: 24 }),
    cut: fc.nat(7),
  }));

  it('converts every value exactly, or refuses at the first value the target cannot hold', () => {
    fc.assert(fc.property(column, ({ from, to, values, cut }) => {
      const data = columnOf(from, [...Array<undefined>(cut), ...values]).slice(cut, values.length); // offset data, unaligned bitmap
      const bad = values.findIndex((v) => v !== undefined && !(pairAllowed(from, to) && holds(to, valueOf(from, v))));
      let out: Data | undefined;
      const err = refusal(() => (out = castData(data, to.type, 'c')));
      if (!pairAllowed(from, to) && String(from.type) !== String(to.type)) expect(err?.context.column).toBe('c'); // refused by type, even when all null
      else if (bad >= 0) expect(err?.context).toMatchObject({ column: 'c', row: bad });
      else {
        expect(err).toBeUndefined();
        values.forEach((v, i) => expect(sameValue(rowValue(to, out!, i), v === undefined ? undefined : valueOf(from, v)), `row ${i}`).toBe(true));
      }
    }), { seed: SEED, numRuns: 2000 });
  });
});

/** Random raw values of a type: its edge samples, and uniform values over its whole storage range. */
function sampleOf(c: CastCase): fc.Arbitrary<number | bigint> {
  const edges = fc.constantFrom(...c.samples);
  if (c.float) return fc.oneof(edges.map(Number), fc.double(), fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((i) => i / 4)).map(c.float.round);
  const [min, max] = c.range!;
  const typed = (b: fc.Arbitrary<bigint>) => b.map((v) => (max > 2n ** 32n ? v : Number(v)));
  const small = fc.bigInt({ min: min > -1000n ? min : -1000n, max: max < 1000n ? max : 1000n });
  if (max < 2n ** 32n) return fc.oneof(edges, typed(fc.bigInt({ min, max })), typed(small));
  const days = fc.bigInt({ min: min < 0n ? -(10n ** 6n) : 0n, max: 10n ** 6n }).map((v) => v * 86_400_000n); // date64 midnights, whole seconds
  return fc.oneof(edges, typed(fc.bigInt({ min, max })), typed(small), typed(days));
}
