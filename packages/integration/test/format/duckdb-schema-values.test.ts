/**
 * The SQL view's typed values for schema evolution (issue 17), run in DuckDB: every stored
 * default (core's encodeDefault form) becomes exactly its value, and every widening cast
 * keeps every value — in a session whose time zone is not UTC, so nothing may go through it.
 * Table-driven for the edges, then seeded properties over random values.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  DateDay, DateMillisecond, Float32, Float64, Int16, Int32, Int64, Int8, TimeMicrosecond, TimeMillisecond, TimeNanosecond, TimeSecond,
  TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint32, Uint64, Utf8, Bool, DurationMillisecond, type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDefault } from '../../../core/src/schema/schema-default.js';
import { defaultLiteral, widened } from '../../../writer/src/open-format/sql-values.js';
import { duckdb } from './duckdb-support.js';

let db: DuckDBConnection;
beforeAll(async () => {
  db = await duckdb();
  await db.run(`SET TimeZone = 'Pacific/Chatham'`); // +12:45 / +13:45: any use of the session zone shows
});
afterAll(() => db.closeSync());

type Unit = 0 | 1 | 2 | 3;
/** The SQL that reads `expr` of `type` back as the integer it stores, in the type's unit, as text (exact). */
function storedInteger(type: DataType, expr: string): string {
  const unit = (type as { unit?: Unit }).unit!;
  if (type instanceof DateDay) return `CAST(${expr} - DATE '1970-01-01' AS BIGINT)`;
  if (type instanceof DateMillisecond) return `CAST(${expr} - DATE '1970-01-01' AS BIGINT) * 86400000`;
  if (type.typeId === new TimestampSecond().typeId) return [`epoch_ms(${expr}) // 1000`, `epoch_ms(${expr})`, `epoch_us(${expr})`, `epoch_ns(${expr})`][unit];
  if (type instanceof TimeNanosecond) return `CAST(${expr} AS VARCHAR)`; // DuckDB 1.5 has no TIME_NS arithmetic: compared as text
  if (type.typeId === new TimeSecond().typeId) return `epoch_us(DATE '1970-01-01' + ${expr}) // ${[1_000_000, 1_000, 1][unit]}`;
  return expr;
}

/** Evaluates `exprs` in one row: integers as bigints, floats as numbers, the rest as DuckDB returns them. */
async function values(exprs: string[]): Promise<unknown[]> {
  const r = await db.runAndReadAll(`SELECT ${exprs.map((e, i) => `${e} AS c${i}`).join(', ')}`);
  return r.getRows()[0];
}

/** `stored` (an encodeDefault form) read back through its literal, in its stored form. */
async function roundTrip(type: DataType, stored: string | boolean[]): Promise<unknown[]> {
  const list = Array.isArray(stored) ? stored : [stored];
  return values(list.map((s) => storedInteger(type, defaultLiteral(type, s, 'c'))));
}

/** DuckDB's text of a TIME_NS: `HH:MM:SS`, then `.` and 9 digits unless whole seconds. */
function nanoTime(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const two = (x: bigint) => String(x).padStart(2, '0');
  const frac = ns % 1_000_000_000n;
  return `${two(s / 3600n)}:${two((s / 60n) % 60n)}:${two(s % 60n)}${frac === 0n ? '' : `.${String(frac).padStart(9, '0')}`}`;
}

const isInt = (t: DataType) => !(t instanceof Float32 || t instanceof Float64 || t instanceof Utf8 || t instanceof Bool);

describe('a stored default reads back exactly through its SQL literal', () => {
  const edges: [DataType, (bigint | number | string | boolean)[]][] = [
    [new Int64(), [-(2n ** 63n), 2n ** 63n - 1n, 0n]], [new Uint64(), [2n ** 64n - 1n]], [new Int8(), [-128n, 127n]], [new Uint32(), [4294967295n]],
    [new Float64(), [-0, Number.NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, 0.1, -1.5e-7, 1e21]],
    [new Float32(), [-0, Number.NaN, Math.fround(0.1), Math.fround(3.4e38), Math.fround(1e-45)]],
    [new Utf8(), ["it's", 'ünï €😀', '', 'a\nb']], [new Bool(), [true, false]],
    [new DateDay(), [-719162n, 0n, 2932896n]], [new DateMillisecond(), [-86400000n, 1700006400000n]],
    [new TimestampSecond(), [-62135596800n, 253402300799n]], [new TimestampMillisecond(), [-1n, 1700000000123n]],
    [new TimestampMicrosecond(), [1n, -62135596800000000n]], [new TimestampNanosecond(), [1700000000123456789n, -1n]],
    [new TimestampMillisecond('UTC'), [-1n, 1700000000123n]], [new TimestampMicrosecond('UTC'), [-9n]],
    [new TimeSecond(), [86399n]], [new TimeMillisecond(), [1n]], [new TimeMicrosecond(), [86399999999n]], [new TimeNanosecond(), [0n, 86399999999999n, 3723000000009n]],
    [new DurationMillisecond(), [-(2n ** 63n)]],
  ];
  it.each(edges)('%s', async (type, raw) => {
    const stored = raw.map((v) => encodeDefault(type, v, 'c'));
    const got = await roundTrip(type, stored as never);
    const want = raw.map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : type instanceof TimeNanosecond ? nanoTime(v as bigint) : v));
    const norm = got.map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : isInt(type) && !(type instanceof TimeNanosecond) ? BigInt(v as bigint) : v));
    expect(norm.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(want.map((v) => (Object.is(v, -0) ? '-0' : v)));
  });

  it('random int64, float64, float32, timestamps and dates (seeded property)', async () => {
    const kinds: [DataType, fc.Arbitrary<bigint | number>][] = [
      [new Int64(), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n)],
      [new Float64(), fc.double()],
      [new Float32(), fc.float()],
      // DuckDB's TIMESTAMP holds about ±290,000 years of microseconds
      [new TimestampMillisecond(), fc.bigInt(-9_000_000_000_000_000n, 9_000_000_000_000_000n).map((us) => us / 1000n)],
      // ±(2^63 − 1) are DuckDB's ±infinity: no finite TIMESTAMP_NS (a Parquet value there reads as infinity too)
      [new TimestampNanosecond(), fc.bigInt(-(2n ** 63n) + 2n, 2n ** 63n - 2n)],
      [new TimestampSecond('UTC'), fc.bigInt(-9_000_000_000_000n, 9_000_000_000_000n)],
      [new DateDay(), fc.bigInt(-100_000_000n, 100_000_000n)],
    ];
    for (const [type, arb] of kinds) {
      const raw = fc.sample(arb, { seed: 17, numRuns: 300 });
      const got = await roundTrip(type, raw.map((v) => encodeDefault(type, v, 'c')) as never);
      raw.forEach((v, i) => {
        const g = got[i];
        if (typeof v === 'number') expect(Object.is(g, v) || (Number.isNaN(v) && Number.isNaN(g as number)), `${String(type)} ${v} read ${String(g)}`).toBe(true);
        else expect(BigInt(g as bigint), `${String(type)} ${v}`).toBe(v);
      });
    }
  });
});

describe('a widened column keeps every value', () => {
  const widenings: [string, DataType, DataType, string[]][] = [
    ['INTEGER', new Int32(), new Int64(), ['-2147483648', '2147483647', '0']],
    ['TINYINT', new Int8(), new Int16(), ['-128', '127']],
    ['UINTEGER', new Uint32(), new Int64(), ['4294967295']],
    ['FLOAT', new Float32(), new Float64(), ['-0', 'NaN', 'Infinity', '-Infinity', '1e-45', '3.4028234663852886e38', '0.1']],
    ['DATE', new DateDay(), new TimestampMillisecond(), ['-719162', '0', '2932896']],
    ['DATE', new DateDay(), new TimestampSecond('UTC'), ['-719162', '-1', '19000']],
    ['DATE', new DateDay(), new TimestampMillisecond('UTC'), ['1', '2932896']],
  ];
  it.each(widenings)('%s %s to %s', async (sqlType, from, to, texts) => {
    const old = (t: string) => (from instanceof DateDay ? `(DATE '1970-01-01' + CAST('${t}' AS INTEGER))` : `CAST('${t}' AS ${sqlType})`);
    const got = await values(texts.map((t) => storedInteger(to, widened(old(t), to))));
    const want = texts.map((t) => {
      if (from instanceof DateDay) return BigInt(t) * ((to as { unit?: number }).unit === 0 ? 86_400n : 86_400_000n);
      return from instanceof Float32 ? Math.fround(Number(t)) : BigInt(t);
    });
    got.forEach((g, i) => {
      const w = want[i];
      if (typeof w === 'number') expect(Object.is(g, w) || (Number.isNaN(w) && Number.isNaN(g as number))).toBe(true);
      else expect(BigInt(g as bigint)).toBe(w);
    });
  });
});
