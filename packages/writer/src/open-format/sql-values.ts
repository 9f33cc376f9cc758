/**
 * Typed SQL values for the view's projection of older files onto the current schema
 * (docs/format.md "Schema versions"): a column a file's schema version lacks reads as a
 * typed NULL or as its default, and a widened column is cast exactly.
 *
 * Defaults arrive in their stored form (core's schema-default.ts): integers, dates,
 * timestamps, times and durations as the stored integer in the type's unit (decimal
 * string); floats as a decimal string that round-trips (`"NaN"`, `"Infinity"`, `"-0"`
 * included); strings as themselves; booleans as JSON booleans. Each becomes a literal
 * DuckDB reads exactly: numbers through `CAST('<text>' AS <type>)` (DuckDB parses decimal
 * text correctly rounded, and `NaN`, `Infinity`, `-0`), temporal values from their integer
 * with integer arithmetic only (never through a time zone or a double).
 */
import { InvalidOptionsError } from '@freshtier/core';
import { Type, type DataType } from 'apache-arrow';
import { duckdbType } from './duckdb-types.js';
import { literal } from './sql-text.js';

/** The TIMESTAMPTZ of epoch 0: `+ to_microseconds(n)` from it is exact in every session time zone. */
const EPOCH_TZ = `TIMESTAMPTZ '1970-01-01 00:00:00+00'`;
const MICROS_PER = [1_000_000n, 1_000n, 1n]; // per second, millisecond, microsecond (Arrow TimeUnit 0..2)
const I64_MAX = (1n << 63n) - 1n;

type Typed = DataType & { unit?: number; timezone?: string | null; precision?: number; scale?: number; bitWidth?: number };

/**
 * A NULL of column `name`'s type (bare `NULL` for a type DuckDB has no name for here: the
 * union then takes the type from another branch).
 *
 * @example
 * ```ts
 * typedNull(new Int64()); // 'CAST(NULL AS BIGINT)'
 * ```
 */
export function typedNull(type: DataType): string {
  const t = duckdbType(type);
  return t === undefined ? 'NULL' : `CAST(NULL AS ${t})`;
}

/**
 * The exact SQL literal of a stored default of a column of `type` (`name` for the error).
 *
 * @example
 * ```ts
 * defaultLiteral(new Float64(), '-0', 'score');          // "CAST('-0' AS DOUBLE)"
 * defaultLiteral(new TimestampMillisecond(), '1500', 't'); // "make_timestamp(CAST('1500000' AS BIGINT))"
 * ```
 */
export function defaultLiteral(type: DataType, value: string | boolean, name: string): string {
  const t = type as Typed;
  const refuse = (why: string): never => {
    throw new InvalidOptionsError('SQL view request', [{ path: name, message: `the default ${JSON.stringify(value)} of column "${name}" (${String(type)}) ${why}: read the table with scan, or drop and re-add the column with a default SQL can hold` }]);
  };
  if (typeof value === 'boolean') return t.typeId === Type.Bool ? String(value) : refuse('is a boolean');
  switch (t.typeId) {
    case Type.Int: case Type.Duration: return `CAST(${literal(String(integer(value, refuse)))} AS ${duckdbType(t)})`;
    case Type.Float: return `CAST(${literal(value)} AS ${duckdbType(t)})`;
    case Type.Utf8: case Type.LargeUtf8: return `CAST(${literal(value)} AS VARCHAR)`;
    case Type.Decimal: return `CAST(${literal(decimalText(integer(value, refuse), t.scale!))} AS ${duckdbType(t)})`;
    case Type.Date: return dateLiteral(integer(value, refuse), t.unit!, refuse);
    case Type.Timestamp: return timestampLiteral(integer(value, refuse), t, refuse);
    case Type.Time: return timeLiteral(integer(value, refuse), t.unit!, refuse);
    default: return refuse('has no SQL literal here');
  }
}

/**
 * `expr` (a column of an older file) as the current type `type`, exact for every widening
 * schema evolution allows (ints to wider ints, float to double, date to timestamp[s|ms],
 * utf8/binary to their large forms, which DuckDB reads alike), and for an unchanged type.
 *
 * @example
 * ```ts
 * widened('"n"', new Int64());                   // 'CAST("n" AS BIGINT)'
 * widened('"d"', new TimestampMillisecond('UTC')); // "(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(epoch_us(\"d\")))"
 * ```
 */
export function widened(expr: string, type: DataType): string {
  const t = type as Typed;
  if (t.typeId === Type.Int && t.bitWidth! > 8) return `CAST(${expr} AS ${duckdbType(t)})`;
  if (t.typeId === Type.Float && t.precision === 2) return `CAST(${expr} AS DOUBLE)`;
  if (t.typeId === Type.Timestamp && t.unit! <= 1) {
    // a DATE or a timestamp of the same type: the tz form never goes through the session's time zone
    return t.timezone ? `(${EPOCH_TZ} + to_microseconds(epoch_us(${expr})))` : `CAST(${expr} AS TIMESTAMP)`;
  }
  return expr;
}

function integer(value: string, refuse: (why: string) => never): bigint {
  if (!/^-?\d+$/.test(value)) refuse('is not an integer');
  return BigInt(value);
}

function dateLiteral(n: bigint, unit: number, refuse: (why: string) => never): string {
  // date64 (unit 1) is milliseconds at a UTC midnight; DuckDB's DATE counts days
  const days = unit === 0 ? n : n % 86_400_000n === 0n ? n / 86_400_000n : refuse('is not a midnight');
  return `(DATE '1970-01-01' + CAST(${literal(String(days))} AS INTEGER))`;
}

function timestampLiteral(n: bigint, t: Typed, refuse: (why: string) => never): string {
  // nanoseconds, with a time zone or without: TIMESTAMP_NS holding the UTC instant (parquet-types.ts in core)
  if (t.unit === 3) return `make_timestamp_ns(CAST(${literal(String(n))} AS BIGINT))`;
  const micros = n * MICROS_PER[t.unit!];
  if (micros > I64_MAX || micros < -I64_MAX) refuse('is outside the microsecond range');
  const us = `CAST(${literal(String(micros))} AS BIGINT)`;
  return t.timezone ? `(${EPOCH_TZ} + to_microseconds(${us}))` : `make_timestamp(${us})`;
}

function timeLiteral(n: bigint, unit: number, refuse: (why: string) => never): string {
  if (unit === 3) return `CAST(${literal(timeText(n, refuse))} AS TIME_NS)`;
  return `(TIME '00:00:00' + to_microseconds(CAST(${literal(String(n * MICROS_PER[unit]))} AS BIGINT)))`;
}

/** `HH:MM:SS.nnnnnnnnn` of nanoseconds since midnight. */
function timeText(ns: bigint, refuse: (why: string) => never): string {
  if (ns < 0n || ns >= 86_400_000_000_000n) refuse('is not a time of day');
  const s = ns / 1_000_000_000n;
  const two = (x: bigint) => String(x).padStart(2, '0');
  return `${two(s / 3600n)}:${two((s / 60n) % 60n)}:${two(s % 60n)}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

/** The decimal text of an unscaled integer (`12345`, scale 2: `123.45`). */
function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return String(unscaled * 10n ** BigInt(-scale));
  const neg = unscaled < 0n;
  const digits = String(neg ? -unscaled : unscaled).padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
