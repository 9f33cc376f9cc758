/**
 * date32 / date64 → timestamp in `castData` (exact-cast.ts), which readers use for a column
 * widened from a date (schema-change.ts): a day is its UTC midnight, days × ticks in BigInt;
 * a value the target unit cannot hold (int64 overflow for nanoseconds, a date64 that is not a
 * whole second for seconds) is refused naming the column, row and value; a target zone other
 * than none or "UTC" is refused. The property compares random columns with BigInt arithmetic.
 */
import { DateDay, DateMillisecond, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, makeData, type Data, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { castData } from '../src/batch-cast.js';
import { rawValues, refusal } from './support/cast-model.js';

const SEED = Number(process.env.FRESHTIER_SEED ?? 1717);
const DAY_NS = 86_400_000_000_000n;


/** A date column holding `values` raw (null where null), built without Arrow's builders (which take milliseconds). */
function dates(type: DataType, values: readonly (number | bigint | null)[]): Data {
  const typed = new (type.ArrayType as new (n: number) => { [i: number]: number | bigint })(values.length);
  const bitmap = new Uint8Array(Math.ceil(values.length / 8) || 1);
  values.forEach((v, i) => {
    if (v === null) return;
    bitmap[i >> 3] |= 1 << (i & 7);
    typed[i] = v;
  });
  const nullCount = values.filter((v) => v === null).length;
  return makeData({ type, length: values.length, nullCount, nullBitmap: nullCount ? bitmap : undefined, data: typed } as never) as Data;
}


describe('date → timestamp: examples', () => {
  it('date32 days become midnights in every unit, nulls kept (was refused: dates do not become timestamps)', () => {
    const d = dates(new DateDay(), [0, 1, null, -1, 19_844]);
    const out = castData(d, new TimestampSecond(), 'd');
    expect([String(out.type), out.nullCount, out.getValid(2)]).toEqual(['Timestamp<SECOND>', 1, false]);
    expect(rawValues(out).filter((_, i) => i !== 2)).toEqual([0n, 86_400n, -86_400n, 1_714_521_600n]);
    expect(rawValues(castData(d, new TimestampMillisecond('UTC'), 'd'))[4]).toBe(1_714_521_600_000n);
    expect(rawValues(castData(d, new TimestampMicrosecond(), 'd'))[4]).toBe(1_714_521_600_000_000n);
    expect(rawValues(castData(d, new TimestampNanosecond('UTC'), 'd'))[4]).toBe(1_714_521_600_000_000_000n);
  });

  it('date64 milliseconds: exact into ms and finer; into seconds only whole seconds', () => {
    const d = dates(new DateMillisecond(), [86_400_000n, 1_500n]);
    expect(rawValues(castData(d, new TimestampMillisecond(), 'd'))).toEqual([86_400_000n, 1_500n]);
    expect(rawValues(castData(d, new TimestampNanosecond(), 'd'))).toEqual([86_400_000_000_000n, 1_500_000_000n]);
    expect(refusal(() => castData(d, new TimestampSecond(), 'd'))?.context).toMatchObject({ column: 'd', row: 1, value: '1500' });
  });

  it('out of range for nanoseconds: the far dates of date32 overflow int64 and are refused naming the row', () => {
    const far = dates(new DateDay(), [0, 2 ** 31 - 1]);
    const err = refusal(() => castData(far, new TimestampNanosecond(), 'born'));
    expect(err?.message).toMatch(/column "born", row 1: the value 2147483647 .*outside its range/);
    expect(rawValues(castData(far, new TimestampMillisecond(), 'born'))[1]).toBe(2_147_483_647n * 86_400_000n);
  });

  it('a zone other than none or UTC is refused for the whole column', () => {
    const err = refusal(() => castData(dates(new DateDay(), [1]), new TimestampSecond('+01:00'), 'd'));
    expect(err?.message).toMatch(/column "d" has type Date32<DAY>.*time zone \+01:00.*no time zone or "UTC"/);
  });

  it('timestamp → date stays refused (the instant need not be a midnight; it is no widening)', () => {
    expect(refusal(() => castData(dates(new TimestampSecond(), [86_400n]), new DateDay(), 'd'))?.message).toMatch(/timestamps do not become dates/);
  });
});

describe('property: random date columns into random timestamp units match BigInt arithmetic (seeded)', () => {
  const UNITS: [DataType, bigint][] = [[new TimestampSecond(), 1_000_000_000n], [new TimestampMillisecond('UTC'), 1_000_000n], [new TimestampMicrosecond(), 1_000n], [new TimestampNanosecond('UTC'), 1n]];
  const MAX = 2n ** 63n - 1n;
  const MIN = -(2n ** 63n);

  it('each value is days × ticks exactly, or the first value that does not fit is refused', () => {
    const source = fc.oneof(
      fc.record({ type: fc.constant<DataType>(new DateDay()), tick: fc.constant(DAY_NS), values: fc.array(fc.option(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -200_000, max: 200_000 })), { nil: null }), { minLength: 1, maxLength: 20 }) }),
      fc.record({ type: fc.constant<DataType>(new DateMillisecond()), tick: fc.constant(1_000_000n), values: fc.array(fc.option(fc.oneof(fc.bigInt({ min: MIN, max: MAX }), fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }).map((v) => v * 1000n)), { nil: null }), { minLength: 1, maxLength: 20 }) }),
    );
    fc.assert(fc.property(source, fc.constantFrom(...UNITS), ({ type, tick, values }, [target, unit]) => {
      const want = values.map((v) => {
        if (v === null) return null;
        const ns = BigInt(v) * tick;
        return ns % unit === 0n && ns / unit >= MIN && ns / unit <= MAX ? ns / unit : 'refused';
      });
      const bad = want.indexOf('refused');
      const err = refusal(() => {
        const out = castData(dates(type, values), target, 'c');
        want.forEach((w, i) => (w === null ? expect(out.getValid(i)).toBe(false) : expect(rawValues(out)[i]).toBe(w)));
      });
      if (bad >= 0) expect(err?.context).toMatchObject({ column: 'c', row: bad, value: String(values[bad]) });
      else expect(err).toBeUndefined();
    }), { seed: SEED, numRuns: 1000 });
  });
});
