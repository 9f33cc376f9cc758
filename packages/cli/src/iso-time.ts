/**
 * Exact ISO-8601 dates and date-times, in BigInt, without `Date`: `Date` keeps only
 * milliseconds, reads a zone-less text in the machine's time zone and rolls
 * `2024-02-30` over to March 1st; a timestamp column keeps what the text says or
 * refuses it (DESIGN.md "Errors").
 *
 * Accepted text: a calendar date `YYYY-MM-DD` (or an expanded year `±YYYYY…-MM-DD`),
 * optionally followed by `T` (or a space) and `hh:mm[:ss[.fraction]]`, optionally
 * followed by `Z` or an offset `±hh`, `±hh:mm`, `±hhmm`, `±hh:mm:ss`. Hours 00-23,
 * minutes and seconds 00-59 (no `24:00`, no leap second), days checked against the
 * month and leap years. Days since the epoch use Howard Hinnant's days-from-civil
 * arithmetic (proleptic Gregorian calendar).
 *
 * Instants are printed back by iso-time-format.ts.
 *
 * This module belongs in `@freshtier/core` (every text entry point needs it); it lives
 * in the CLI until core takes it over.
 */
import { civilFromDays, daysFromCivil, daysInMonth } from './civil.js';
import { commonInstant, commonIsoFields } from './iso-time-common.js';

export { civilFromDays, daysFromCivil, daysInMonth } from './civil.js';

/**
 * A timestamp unit as Arrow numbers it (`TimeUnit`): 0 s, 1 ms, 2 us, 3 ns.
 *
 * @example
 * ```ts
 * const unit: TimeUnitCode = 2; // microseconds
 * ```
 */
export type TimeUnitCode = 0 | 1 | 2 | 3;

/**
 * Short names of the units, by {@link TimeUnitCode}.
 *
 * @example
 * ```ts
 * UNIT_NAMES[3]; // 'ns'
 * ```
 */
export const UNIT_NAMES = ['s', 'ms', 'us', 'ns'] as const;

/**
 * Units per second, by {@link TimeUnitCode}.
 *
 * @example
 * ```ts
 * UNITS_PER_SECOND[1]; // 1000n
 * ```
 */
export const UNITS_PER_SECOND: readonly bigint[] = [1n, 1_000n, 1_000_000n, 1_000_000_000n];

/** Fraction digits of each unit, by {@link TimeUnitCode}. */
export const FRACTION_DIGITS: readonly number[] = [0, 3, 6, 9];
/** Seconds in a day. */
export const SECONDS_PER_DAY = 86_400n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * A text that is not an exact date or instant for the column; `reason` says why
 * and what to write instead.
 *
 * @example
 * ```ts
 * try { parseInstant('2024-02-30', { unit: 1, zoned: false }); }
 * catch (e) { if (e instanceof IsoTimeError) console.log(e.reason); } // February 2024 has 29 days
 * ```
 */
export class IsoTimeError extends Error {
  constructor(readonly text: string, readonly reason: string) {
    super(`${JSON.stringify(text)}: ${reason}`);
    this.name = 'IsoTimeError';
  }
}

/**
 * The fields of an ISO-8601 text, checked for range but not yet tied to a unit.
 *
 * @example
 * ```ts
 * parseIsoFields('2024-05-01T12:00:00.5+02:00'); // { days: 19844n, secondOfDay: 43200n, fraction: '5', hasTime: true, offsetSeconds: 7200 }
 * ```
 */
export interface IsoFields {
  /** Days since 1970-01-01 of the written (wall-clock) date. */
  readonly days: bigint;
  /** Seconds since the written midnight (0 for a date alone). */
  readonly secondOfDay: bigint;
  /** The fraction-of-second digits as written ('' if none). */
  readonly fraction: string;
  readonly hasTime: boolean;
  /** The written offset from UTC in seconds (`Z` is 0); undefined when the text has no zone. */
  readonly offsetSeconds: number | undefined;
}

const ISO = /^([+-]\d{4,}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::\d{2}(?::\d{2})?|\d{2}(?:\d{2})?)?)?)?$/;
const EXAMPLE = 'write it like 2024-05-01, 2024-05-01T12:00:00Z or 2024-05-01T12:00:00.123456+02:00';

/**
 * Parses and range-checks an ISO-8601 date or date-time. Throws {@link IsoTimeError}.
 *
 * @example
 * ```ts
 * parseIsoFields('2023-02-29'); // throws: February 2023 has 28 days (2023 is not a leap year)
 * ```
 */
export function parseIsoFields(text: string): IsoFields {
  return commonIsoFields(text) ?? generalIsoFields(text); // the usual shape without the regex, else the regex
}

/**
 * {@link parseIsoFields} by the general ISO-8601 regex alone (what the common-shape
 * path of iso-time-common.ts must agree with).
 *
 * @example
 * ```ts
 * generalIsoFields('2024-05-01T12:00:00+02:00').offsetSeconds; // 7200
 * ```
 */
export function generalIsoFields(text: string): IsoFields {
  const m = ISO.exec(text);
  if (!m) throw new IsoTimeError(text, `not an ISO-8601 date or date-time; ${EXAMPLE}`);
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  if (/^-0+$/.test(ys)) throw new IsoTimeError(text, 'the year -0000 does not exist; write year 0 as 0000');
  if (ys.length > 16) throw new IsoTimeError(text, `the year ${ys} is out of range`);
  const year = BigInt(ys);
  const month = Number(mos);
  const day = Number(ds);
  if (month < 1 || month > 12) throw new IsoTimeError(text, `month ${mos} is out of range 01-12`);
  const monthDays = daysInMonth(year, month);
  if (day < 1 || day > monthDays) throw new IsoTimeError(text, dayReason(year, month, day, monthDays));
  const days = daysFromCivil(year, month, day);
  if (hs === undefined) return { days, secondOfDay: 0n, fraction: '', hasTime: false, offsetSeconds: undefined };
  const hour = checkField(text, 'hour', hs, 23, hs === '24' ? ' (24:00 is refused: write 00:00 of the next day)' : '');
  const minute = checkField(text, 'minute', mis, 59, '');
  const second = ss === undefined ? 0 : checkField(text, 'second', ss, 59, ss === '60' ? ' (leap seconds cannot be stored)' : '');
  const secondOfDay = BigInt(hour * 3600 + minute * 60 + second);
  return { days, secondOfDay, fraction: frac ?? '', hasTime: true, offsetSeconds: zone === undefined ? undefined : parseOffset(text, zone) };
}

function dayReason(year: bigint, month: number, day: number, monthDays: number): string {
  if (day < 1) return `day ${String(day).padStart(2, '0')} is out of range`;
  const name = MONTHS[month - 1];
  const leap = month === 2 && monthDays === 28 ? ` (${year} is not a leap year)` : '';
  return `${name} ${year} has ${monthDays} days${leap}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function checkField(text: string, what: string, digits: string, max: number, extra: string): number {
  const n = Number(digits);
  if (n > max) throw new IsoTimeError(text, `${what} ${digits} is out of range 00-${max}${extra}`);
  return n;
}

function parseOffset(text: string, zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(/:/g, '');
  const h = checkField(text, 'offset hour', digits.slice(0, 2), 23, '');
  const mi = digits.length >= 4 ? checkField(text, 'offset minute', digits.slice(2, 4), 59, '') : 0;
  const s = digits.length >= 6 ? checkField(text, 'offset second', digits.slice(4, 6), 59, '') : 0;
  const sign = zone[0] === '-' ? -1 : 1;
  return sign * (h * 3600 + mi * 60 + s);
}

/**
 * Options of {@link parseInstant}: the column's unit, and whether the column has a time
 * zone (Arrow `timestamp[unit, tz]`), in which case a text without a zone is refused.
 *
 * @example
 * ```ts
 * const opts: InstantOptions = { unit: 3, zoned: true };
 * ```
 */
export interface InstantOptions {
  readonly unit: TimeUnitCode;
  readonly zoned: boolean;
}

/**
 * An ISO-8601 text as an exact count of `unit`s since 1970-01-01T00:00:00Z.
 * A zone-less text is UTC wall-clock time (for a column without a time zone) or
 * refused (for a column with one); an offset is converted to UTC. A fraction finer
 * than the unit is refused unless its extra digits are zeros; so is a result
 * outside int64. Throws {@link IsoTimeError}.
 *
 * @example
 * ```ts
 * parseInstant('1970-01-01T00:00:00.000001+00:00', { unit: 3, zoned: true }); // 1000n
 * ```
 */
export function parseInstant(text: string, options: InstantOptions): bigint {
  const common = commonInstant(text, options.unit); // the usual shape and range, in doubles where exact
  if (common !== undefined) return common;
  const f = parseIsoFields(text);
  const { unit, zoned } = options;
  if (zoned && f.offsetSeconds === undefined) {
    throw new IsoTimeError(text, `has no time zone, and the column holds instants (it has a time zone): add "Z" for UTC or an offset like +02:00, e.g. ${f.hasTime ? `${text}Z` : `${text}T00:00:00Z`}`);
  }
  const perSecond = UNITS_PER_SECOND[unit];
  const seconds = f.days * SECONDS_PER_DAY + f.secondOfDay - BigInt(f.offsetSeconds ?? 0);
  return checkInt64(text, seconds * perSecond + fractionUnits(text, f.fraction, unit), unit);
}


function fractionUnits(text: string, fraction: string, unit: TimeUnitCode): bigint {
  const keep = FRACTION_DIGITS[unit];
  if (/[1-9]/.test(fraction.slice(keep))) {
    throw new IsoTimeError(text, `has ${fraction.replace(/0+$/, '').length} fraction digits, finer than the column's unit (${UNIT_NAMES[unit]}: ${keep === 0 ? 'whole seconds' : `${keep} digits`}); it is refused rather than truncated: round the value yourself`);
  }
  return keep === 0 ? 0n : BigInt(fraction.slice(0, keep).padEnd(keep, '0'));
}

function checkInt64(text: string, value: bigint, unit: TimeUnitCode): bigint {
  if (value < INT64_MIN || value > INT64_MAX) throw new IsoTimeError(text, `is outside what a 64-bit timestamp in ${UNIT_NAMES[unit]} can hold`);
  return value;
}

/**
 * An ISO-8601 calendar date as days since 1970-01-01. A time part is accepted only
 * when it is exactly midnight with no zone or a zero offset (`2024-05-01T00:00:00Z`, the
 * way `date64` values print); any other time or offset is refused, since a date column
 * stores a calendar day, not an instant. Throws {@link IsoTimeError}.
 *
 * @example
 * ```ts
 * parseDate('2024-02-29'); // 19782n
 * parseDate('2024-02-29T13:00:00Z'); // throws
 * ```
 */
export function parseDate(text: string): bigint {
  const f = parseIsoFields(text);
  const midnight = f.secondOfDay === 0n && !/[1-9]/.test(f.fraction);
  if (!midnight || (f.offsetSeconds ?? 0) !== 0) {
    throw new IsoTimeError(text, `a date column stores a calendar day: write the date alone, like ${formatDate(f.days)}${midnight ? ' (an offset other than Z would move the day)' : ''}`);
  }
  return f.days;
}

/**
 * Epoch milliseconds as an exact count of `unit`s; refuses a value that needs a finer
 * unit (milliseconds for a seconds column) or falls outside int64. Throws {@link IsoTimeError}.
 *
 * @example
 * ```ts
 * millisToUnits(1717200000000n, 3); // 1717200000000000000n
 * ```
 */
export function millisToUnits(ms: bigint, unit: TimeUnitCode): bigint {
  const text = `${ms}`;
  if (unit === 0) {
    if (ms % 1000n !== 0n) throw new IsoTimeError(text, 'epoch milliseconds with a fraction of a second, and the column stores whole seconds: it is refused rather than truncated');
    return ms / 1000n;
  }
  return checkInt64(text, (ms * UNITS_PER_SECOND[unit]) / 1000n, unit);
}

/**
 * ISO-8601 calendar date of `days` since 1970-01-01 (expanded years outside 0000-9999).
 *
 * @example
 * ```ts
 * formatDate(19782n); // '2024-02-29'
 * ```
 */
export function formatDate(days: bigint): string {
  const { year, month, day } = civilFromDays(days);
  const y = year >= 0n && year <= 9999n ? String(year).padStart(4, '0') : `${year < 0n ? '-' : '+'}${String(year < 0n ? -year : year).padStart(6, '0')}`;
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
