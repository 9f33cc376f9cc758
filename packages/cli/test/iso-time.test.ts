/**
 * The exact ISO-8601 parser (src/iso-time.ts), table-driven over every timestamp
 * unit × with/without a time zone × valid and invalid texts, plus seeded properties:
 * any int64 instant in any unit, written with any offset, parses back exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IsoTimeError, civilFromDays, daysFromCivil, formatDate, millisToUnits, parseDate, parseInstant, type TimeUnitCode,
} from '../src/iso-time.js';
import { formatInstant } from '../src/iso-time-format.js';

const UNITS: TimeUnitCode[] = [0, 1, 2, 3];
const NS_PER_UNIT = [1_000_000_000n, 1_000_000n, 1_000n, 1n];
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** [text, the same instant as a UTC text Date.parse reads (ms), nanoseconds below the ms, finest unit it needs]. */
const VALID: [string, string, number, TimeUnitCode][] = [
  ['2024-02-29T12:34:56Z', '2024-02-29T12:34:56.000Z', 0, 0], // leap year
  ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z', 0, 0], // divisible by 400: leap
  ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59.000Z', 0, 0], // before the epoch
  ['1700-03-01T00:00:00Z', '1700-03-01T00:00:00.000Z', 0, 0], // after a century's non-leap February
  ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z', 0, 0],
  ['2024-05-01T12:00:00-0530', '2024-05-01T17:30:00.000Z', 0, 0],
  ['2024-05-01T00:30:00+01', '2024-04-30T23:30:00.000Z', 0, 0], // the offset moves the day
  ['2024-05-01T12:00:00+00:00:30', '2024-05-01T11:59:30.000Z', 0, 0],
  ['2024-05-01 12:00:00Z', '2024-05-01T12:00:00.000Z', 0, 0],
  ['2024-05-01T12:00z', '2024-05-01T12:00:00.000Z', 0, 0],
  ['2024-05-01T12:00:00.000Z', '2024-05-01T12:00:00.000Z', 0, 0], // zeros beyond the unit are fine
  ['2024-05-01T12:00:00.5Z', '2024-05-01T12:00:00.500Z', 0, 1],
  ['1969-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', 0, 1],
  ['2024-05-01T12:00:00.123456Z', '2024-05-01T12:00:00.123Z', 456_000, 2],
  ['2024-05-01T12:00:00.123456000Z', '2024-05-01T12:00:00.123Z', 456_000, 2],
  ['2024-05-01T12:00:00.123456789Z', '2024-05-01T12:00:00.123Z', 456_789, 3],
  ['2024-05-01T12:00:00,1234567890+00:00', '2024-05-01T12:00:00.123Z', 456_789, 3],
  ['1677-09-21T00:12:43.145224192Z', '1677-09-21T00:12:43.145Z', 224_192, 3], // int64 min in ns
  ['2262-04-11T23:47:16.854775807Z', '2262-04-11T23:47:16.854Z', 775_807, 3], // int64 max in ns
];

/** Zone-less texts: UTC wall-clock on a naive column, refused on a zoned one. */
const ZONELESS: [string, string][] = [
  ['2024-05-01T12:00:00', '2024-05-01T12:00:00.000Z'],
  ['2024-05-01T12:00', '2024-05-01T12:00:00.000Z'],
  ['2024-05-01', '2024-05-01T00:00:00.000Z'],
];

/** Refused in every unit, with what the message must say. */
const INVALID: [string, RegExp][] = [
  ['2023-02-29T00:00:00Z', /February 2023 has 28 days \(2023 is not a leap year\)/],
  ['1900-02-29T00:00:00Z', /February 1900 has 28 days/],
  ['2024-02-30T00:00:00Z', /February 2024 has 29 days/],
  ['2024-04-31', /April 2024 has 30 days/],
  ['2024-01-01T24:00:00Z', /hour 24 is out of range 00-23 \(24:00 is refused/],
  ['2024-01-01T23:60:00Z', /minute 60 is out of range/],
  ['2024-12-31T23:59:60Z', /second 60 is out of range 00-59 \(leap seconds/],
  ['2024-13-01T00:00:00Z', /month 13 is out of range/],
  ['2024-00-10', /month 00 is out of range/],
  ['2024-01-00', /day 00 is out of range/],
  ['2024-01-01T00:00:00+24:00', /offset hour 24 is out of range/],
  ['2024-01-01T00:00:00+02:60', /offset minute 60 is out of range/],
  ['-0000-01-01', /-0000 does not exist/],
  ['2024-1-01', /not an ISO-8601/],
  ['24-01-01', /not an ISO-8601/],
  ['2024-01-01T1:00Z', /not an ISO-8601/],
  ['2024-01-01T00:00:00ZZ', /not an ISO-8601/],
  ['2024-01-01T00:00:00 +02:00', /not an ISO-8601/],
  ['2024-01-01T00:00:00+02:0030', /not an ISO-8601/],
  ['yesterday', /not an ISO-8601/],
  ['', /not an ISO-8601/],
  ['2262-04-12T00:00:00Z', /.*/], // beyond int64 in ns only: checked per unit below
];

function expectedUnits(utcMs: string, nanos: number, unit: TimeUnitCode): bigint {
  const ns = BigInt(Date.parse(utcMs)) * 1_000_000n + BigInt(nanos);
  return ns / NS_PER_UNIT[unit];
}

function refusal(f: () => unknown): IsoTimeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IsoTimeError);
    return e as IsoTimeError;
  }
  throw new Error('expected a refusal');
}

describe.each(UNITS)('timestamp unit %i', (unit) => {
  describe.each([false, true])('zoned %s', (zoned) => {
    it.each(VALID)('%s', (text, utcMs, nanos, finest) => {
      if (unit >= finest) expect(parseInstant(text, { unit, zoned })).toBe(expectedUnits(utcMs, nanos, unit));
      else expect(refusal(() => parseInstant(text, { unit, zoned })).reason).toMatch(/finer than the column's unit.*refused rather than truncated/);
    });

    it.each(ZONELESS)('zone-less %s', (text, utcMs) => {
      if (!zoned) expect(parseInstant(text, { unit, zoned })).toBe(expectedUnits(utcMs, 0, unit));
      else expect(refusal(() => parseInstant(text, { unit, zoned })).reason).toMatch(/has no time zone.*add "Z" for UTC or an offset like \+02:00/);
    });

    it.each(INVALID)('refuses %j', (text, reason) => {
      if (text.startsWith('2262-04-12')) {
        if (unit === 3) expect(refusal(() => parseInstant(text, { unit, zoned })).reason).toMatch(/outside what a 64-bit timestamp in ns can hold/);
        else expect(parseInstant(text, { unit, zoned })).toBe(expectedUnits('2262-04-12T00:00:00.000Z', 0, unit));
        return;
      }
      expect(refusal(() => parseInstant(text, { unit, zoned })).reason).toMatch(reason);
    });
  });

  it('one unit beyond int64 either way is refused', () => {
    const below = formatInstant(INT64_MIN, unit, { fractionDigits: 9 });
    expect(parseInstant(below, { unit, zoned: true })).toBe(INT64_MIN);
    expect(parseInstant(formatInstant(INT64_MAX, unit, { fractionDigits: 9 }), { unit, zoned: true })).toBe(INT64_MAX);
    if (unit === 3) expect(() => parseInstant('1677-09-21T00:12:43.145224191Z', { unit, zoned: true })).toThrow(/outside what a 64-bit/);
  });

  it('epoch milliseconds scale exactly, or are refused', () => {
    expect(millisToUnits(-3000n, unit)).toBe(-3_000_000_000n / NS_PER_UNIT[unit]);
    if (unit === 0) expect(() => millisToUnits(1_500n, 0)).toThrow(/whole seconds/);
    else expect(millisToUnits(1_717_200_000_123n, unit)).toBe((1_717_200_000_123n * 1_000_000n) / NS_PER_UNIT[unit]);
    if (unit === 3) expect(() => millisToUnits(9_223_372_036_855n, 3)).toThrow(/outside/);
  });
});

describe('dates', () => {
  it.each([
    ['2024-02-29', 19_782n], ['1970-01-01', 0n], ['1969-12-31', -1n], ['2000-03-01', 11_017n],
    ['2024-02-29T00:00:00Z', 19_782n], ['2024-02-29T00:00:00.000+00:00', 19_782n], ['2024-02-29T00:00', 19_782n],
  ])('%s is day %s', (text, days) => expect(parseDate(text)).toBe(days));

  it.each([
    ['2024-02-29T13:00:00Z', /stores a calendar day: write the date alone, like 2024-02-29/],
    ['2024-02-29T00:00:00+02:00', /an offset other than Z would move the day/],
    ['2024-02-29T00:00:00.001Z', /calendar day/],
    ['2023-02-29', /February 2023 has 28 days/],
    ['2024-02-30', /February 2024 has 29 days/],
  ])('refuses %s', (text, reason) => expect(refusal(() => parseDate(text)).reason).toMatch(reason));
});

describe('properties (seeded)', () => {
  const unitArb = fc.constantFrom<TimeUnitCode>(0, 1, 2, 3);
  const offsetArb = fc.oneof(fc.constant(0), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }).map((m) => m * 60), fc.integer({ min: -86_399, max: 86_399 }));

  it('format with a random offset, then parse: the same int64 instant in every unit', () => {
    fc.assert(fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), unitArb, offsetArb, fc.integer({ min: 0, max: 3 }), (raw, unit, offsetSeconds, extraDigits) => {
      const fractionDigits = [0, 3, 6, 9][unit] + extraDigits; // zeros beyond the unit are accepted
      const text = formatInstant(raw, unit, { offsetSeconds, fractionDigits });
      expect(parseInstant(text, { unit, zoned: true })).toBe(raw);
    }), { seed: 18_2024, numRuns: 2000 });
  });

  it('agrees with Date on every millisecond Date can hold (format and parse)', () => {
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
      const text = formatInstant(BigInt(ms), 1);
      expect(text).toBe(new Date(ms).toISOString());
      expect(parseInstant(text, { unit: 1, zoned: true })).toBe(BigInt(ms));
    }), { seed: 42, numRuns: 2000 });
  });

  it('days-from-civil and back, and dates round-trip, over ±10 million years', () => {
    fc.assert(fc.property(fc.bigInt({ min: -3_650_000_000n, max: 3_650_000_000n }), (days) => {
      const { year, month, day } = civilFromDays(days);
      expect(daysFromCivil(year, month, day)).toBe(days);
      expect(parseDate(formatDate(days))).toBe(days);
    }), { seed: 7, numRuns: 2000 });
  });
});
