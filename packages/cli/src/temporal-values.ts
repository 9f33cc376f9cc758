/**
 * Input values of date and timestamp columns as the raw integers Arrow stores:
 * `timestamp[unit]` a bigint count of units since the epoch, `date32` a number of
 * days, `date64` a bigint of milliseconds at a UTC midnight. Text goes through the
 * exact ISO-8601 parser (iso-time.ts), never `new Date(text)`; integers are epoch
 * milliseconds, scaled in BigInt; a date/timestamp cell of a Parquet/Arrow input
 * arrives as a {@link StoredTemporal} and is rescaled exactly or refused.
 */
import { Type, type DataType } from 'apache-arrow';
import { IsoTimeError, UNITS_PER_SECOND, millisToUnits, parseDate, parseInstant, type TimeUnitCode } from './iso-time.js';
import { JsonNumber, exactInteger } from './json-line.js';

/**
 * A date or timestamp cell of an Arrow/Parquet input, exactly: `raw` counts `unit`s
 * since the epoch (a `date32` day is 86,400 seconds; a `date64` is milliseconds).
 *
 * @example
 * ```ts
 * new StoredTemporal(19782n * 86_400n, 0); // 2024-02-29, from a date32 cell
 * ```
 */
export class StoredTemporal {
  constructor(readonly raw: bigint, readonly unit: TimeUnitCode) {}
}

/**
 * Why a value cannot become a temporal cell: `expected` says what would, `reason` the details.
 *
 * @example
 * ```ts
 * new TemporalError('a date', '2024-02-30', 'February 2024 has 29 days');
 * ```
 */
export class TemporalError extends Error {
  constructor(readonly expected: string, readonly got: unknown, readonly reason?: string) {
    super(reason ?? `expected ${expected}`);
  }
}

const INT_TEXT = /^[+-]?\d+$/;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const DAY_SECONDS = 86_400n;

interface Target {
  readonly isDate: boolean;
  /** timestamp: its unit; date32: seconds (days × 86,400 checked); date64: milliseconds. */
  readonly unit: TimeUnitCode;
  readonly zoned: boolean;
  readonly expected: string;
  /** The raw value Arrow stores, from an exact count of `unit`s. */
  readonly store: (units: bigint, got: unknown) => number | bigint;
}

function targetOf(type: DataType): Target {
  if (type.typeId === Type.Timestamp) {
    const t = type as unknown as { unit: TimeUnitCode; timezone: string | null };
    const zoned = t.timezone !== null && t.timezone !== undefined && t.timezone !== '';
    const expected = `an ISO-8601 date-time${zoned ? ' with Z or an offset' : ''} (like 2024-05-01T12:00:00${zoned ? 'Z' : ''}) or epoch milliseconds`;
    return { isDate: false, unit: t.unit, zoned, expected, store: (u) => u };
  }
  const day = (type as unknown as { unit: number }).unit === 0;
  const expected = 'an ISO-8601 date (like 2024-05-01) or epoch milliseconds at a UTC midnight';
  const store = (units: bigint, got: unknown): number | bigint => {
    const perDay = DAY_SECONDS * UNITS_PER_SECOND[day ? 0 : 1];
    if (units % perDay !== 0n) throw new TemporalError(expected, got, 'is not a UTC midnight, and a date column stores a calendar day: give the date alone');
    if (!day) return units;
    const days = units / perDay;
    if (days < INT32_MIN || days > INT32_MAX) throw new TemporalError(expected, got, 'is outside what a date32 column can hold');
    return Number(days);
  };
  return { isDate: true, unit: day ? 0 : 1, zoned: false, expected, store };
}

/**
 * A converter from an input value to the raw value Arrow stores for date/timestamp
 * `type` (null stays null). Throws {@link TemporalError}.
 *
 * @example
 * ```ts
 * temporalConverter(new TimestampMicrosecond())('2024-05-01T12:00:00.123456Z'); // 1714564800123456n
 * ```
 */
export function temporalConverter(type: DataType): (v: unknown) => number | bigint | null {
  const target = targetOf(type);
  return (v) => {
    if (v === null || v === undefined) return null;
    return target.store(toUnits(target, v), v);
  };
}

function toUnits(target: Target, v: unknown): bigint {
  if (v instanceof StoredTemporal) return rescale(target, v);
  const ms = epochMillis(target, v);
  try {
    if (ms !== undefined) return millisToUnits(ms, target.unit);
    if (typeof v !== 'string') throw new TemporalError(target.expected, v);
    const text = v.trim();
    if (target.isDate) return parseDate(text) * DAY_SECONDS * UNITS_PER_SECOND[target.unit];
    return parseInstant(text, { unit: target.unit, zoned: target.zoned });
  } catch (e) {
    if (e instanceof IsoTimeError) throw new TemporalError(target.expected, v, e.reason);
    throw e;
  }
}

/** Epoch milliseconds in `v`, if it is a number of any kind (a number, bigint, JSON number or digit string). */
function epochMillis(target: Target, v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string') return INT_TEXT.test(v.trim()) ? BigInt(v.trim()) : undefined;
  const n = v instanceof JsonNumber ? exactInteger(v.text) : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : typeof v === 'number' ? undefined : null;
  if (n === null) return undefined; // not a number: the caller refuses it
  if (n === undefined) throw new TemporalError(target.expected, v, 'has a fraction: epoch milliseconds must be an integer');
  if (n === 'too large') throw new TemporalError(target.expected, v, 'is outside what a 64-bit timestamp can hold');
  return n;
}

function rescale(target: Target, v: StoredTemporal): bigint {
  const from = UNITS_PER_SECOND[v.unit];
  const to = UNITS_PER_SECOND[target.unit];
  if (to >= from) return checkInt64(target, v.raw * (to / from), v);
  if (v.raw % (from / to) !== 0n) throw new TemporalError(target.expected, v, 'is finer than the column\'s unit: it is refused rather than truncated');
  return v.raw / (from / to);
}

function checkInt64(target: Target, units: bigint, got: unknown): bigint {
  if (units < -(1n << 63n) || units >= 1n << 63n) throw new TemporalError(target.expected, got, 'is outside what the column\'s 64-bit unit can hold');
  return units;
}
