/**
 * A plain model of "this value, as mathematics says", for the exact-cast tests:
 * every numeric and temporal type under test with edge-value samples, the exact
 * value a stored raw value stands for (a rational n / 2^k, times in nanoseconds),
 * and whether a type can hold a value — computed from the IEEE-754 and two's
 * complement definitions with BigInt, independently of core's exact-cast.ts.
 *
 * @example
 * ```ts
 * const int32 = CAST_TYPES.find((c) => c.name === 'int32')!;
 * holds(int32, valueOf(int64Case, 2n ** 40n)); // false
 * ```
 */
import { isFreshtierError } from '../../src/errors.js';
import {
  DateDay, DateMillisecond, DurationMicrosecond, DurationMillisecond, DurationNanosecond, DurationSecond, Float16, Float32, Float64, Int8, Int16, Int32, Int64,
  TimeMicrosecond, TimeMillisecond, TimeNanosecond, TimeSecond, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond,
  Uint8, Uint16, Uint32, Uint64, makeData, util, type Data, type DataType,
} from 'apache-arrow';

export type Family = 'num' | 'date' | 'timestamp' | 'time' | 'duration';

/** One numeric or temporal type under test. */
export interface CastCase {
  readonly name: string;
  readonly type: DataType;
  readonly family: Family;
  /** Storage range of the raw integer (integers and times). */
  readonly range?: readonly [bigint, bigint];
  /** Significand bits, lowest and highest bit exponent, and the nearest value of the type to a double (floats). */
  readonly float?: { readonly p: number; readonly lsbMin: number; readonly msbMax: number; readonly round: (v: number) => number };
  /** Nanoseconds per stored unit (times). */
  readonly tick: bigint;
  readonly zoned: boolean;
  /** Raw stored values: numbers or bigints as the type's typed array holds them (floats: doubles). */
  readonly samples: readonly (number | bigint)[];
}

/** An exact value: n / 2^k (normalised: k = 0 or n odd), or NaN / ±Infinity; times in nanoseconds. */
export interface MathValue { readonly family: Family; readonly n: bigint; readonly k: number; readonly special?: 'nan' | '+inf' | '-inf' }

const bits = (b: number, signed: boolean): [bigint, bigint] => (signed ? [-(2n ** BigInt(b - 1)), 2n ** BigInt(b - 1) - 1n] : [0n, 2n ** BigInt(b) - 1n]);
const INT_PICKS = [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n, 32767n, 32768n, 65535n, 65536n, 2n ** 24n + 1n, 2n ** 31n - 1n, 2n ** 31n, -(2n ** 31n) - 1n,
  2n ** 32n - 1n, 2n ** 32n, 2n ** 40n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n];
const TIME_PICKS = [0n, 1n, -1n, 1000n, 86_400n, 86_400_000n, 86_400_001n, 1_000_000n, 86_400_000_000n, 1_714_521_600_123n, 1_714_521_600_000_000n,
  10n ** 18n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 63n - 1n, -(2n ** 63n), 9_223_372_036_854n];
const DOUBLES = [0, -0, 1, -1, 1.5, -2.5, 0.1, NaN, Infinity, -Infinity, 127, 128, 255, 256, -129, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32,
  2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, 1e300, 3.4028234663852886e38, 3.4028235677973366e38, 65504, 65505, 2 ** -149, 2 ** -150, 2 ** -24, 2 ** -1074, 16777217, 16777216];

function intCase(name: string, type: DataType, b: number, signed: boolean): CastCase {
  const range = bits(b, signed);
  const samples = INT_PICKS.filter((v) => v >= range[0] && v <= range[1]).map((v) => (b === 64 ? v : Number(v)));
  return { name, type, family: 'num', range, tick: 1n, zoned: false, samples };
}

function floatCase(name: string, type: DataType, p: number, lsbMin: number, msbMax: number, round: (v: number) => number): CastCase {
  return { name, type, family: 'num', float: { p, lsbMin, msbMax, round }, tick: 1n, zoned: false, samples: [...new Set(DOUBLES.map(round))] };
}

function timeCase(name: string, type: DataType, family: Family, tick: bigint, b: 32 | 64, zoned = false): CastCase {
  const range = bits(b, true);
  const samples = TIME_PICKS.filter((v) => v >= range[0] && v <= range[1]).map((v) => (b === 64 ? v : Number(v)));
  return { name, type, family, range, tick, zoned, samples };
}

const S = 1_000_000_000n;
/** Every numeric and temporal type the exact cast handles. */
export const CAST_TYPES: readonly CastCase[] = [
  intCase('int8', new Int8(), 8, true), intCase('int16', new Int16(), 16, true), intCase('int32', new Int32(), 32, true), intCase('int64', new Int64(), 64, true),
  intCase('uint8', new Uint8(), 8, false), intCase('uint16', new Uint16(), 16, false), intCase('uint32', new Uint32(), 32, false), intCase('uint64', new Uint64(), 64, false),
  floatCase('float16', new Float16(), 11, -24, 15, (v) => util.uint16ToFloat64(util.float64ToUint16(v))),
  floatCase('float32', new Float32(), 24, -149, 127, Math.fround), floatCase('float64', new Float64(), 53, -1074, 1023, (v) => v),
  timeCase('date32', new DateDay(), 'date', 86_400n * S, 32), timeCase('date64', new DateMillisecond(), 'date', 1_000_000n, 64),
  timeCase('timestamp[s]', new TimestampSecond(), 'timestamp', S, 64), timeCase('timestamp[ms]', new TimestampMillisecond(), 'timestamp', 1_000_000n, 64),
  timeCase('timestamp[us]', new TimestampMicrosecond(), 'timestamp', 1_000n, 64), timeCase('timestamp[ns]', new TimestampNanosecond(), 'timestamp', 1n, 64),
  timeCase('timestamp[ms, UTC]', new TimestampMillisecond('UTC'), 'timestamp', 1_000_000n, 64, true),
  timeCase('timestamp[us, +01:00]', new TimestampMicrosecond('+01:00'), 'timestamp', 1_000n, 64, true),
  timeCase('time32[s]', new TimeSecond(), 'time', S, 32), timeCase('time32[ms]', new TimeMillisecond(), 'time', 1_000_000n, 32),
  timeCase('time64[us]', new TimeMicrosecond(), 'time', 1_000n, 64), timeCase('time64[ns]', new TimeNanosecond(), 'time', 1n, 64),
  timeCase('duration[s]', new DurationSecond(), 'duration', S, 64), timeCase('duration[ms]', new DurationMillisecond(), 'duration', 1_000_000n, 64),
  timeCase('duration[us]', new DurationMicrosecond(), 'duration', 1_000n, 64), timeCase('duration[ns]', new DurationNanosecond(), 'duration', 1n, 64),
];

/** The exact value of a double, from its IEEE-754 bits. */
export function ofDouble(x: number): MathValue {
  if (Number.isNaN(x)) return { family: 'num', n: 0n, k: 0, special: 'nan' };
  if (!Number.isFinite(x)) return { family: 'num', n: 0n, k: 0, special: x > 0 ? '+inf' : '-inf' };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const expBits = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const e = (expBits === 0 ? 1 : expBits) - 1075;
  return normalise('num', hi >>> 31 ? -mant : mant, e);
}

function normalise(family: Family, n: bigint, e: number): MathValue {
  if (n === 0n) return { family, n: 0n, k: 0 };
  while (e < 0 && n % 2n === 0n) (n /= 2n), e++;
  return e >= 0 ? { family, n: n << BigInt(e), k: 0 } : { family, n, k: -e };
}

/** The exact value a raw stored value of `c` stands for. */
export function valueOf(c: CastCase, raw: number | bigint): MathValue {
  if (c.float) return ofDouble(raw as number);
  return { family: c.family, n: BigInt(raw) * c.tick, k: 0 };
}

/** Row `i` of a column of `c`'s type, as its exact value (undefined: null). */
export function rowValue(c: CastCase, data: Data, i: number): MathValue | undefined {
  if (!data.getValid(i)) return undefined;
  const raw = (data.values as ArrayLike<number | bigint>)[i]; // Arrow JS slices value buffers; `offset` applies to the validity bitmap only
  return valueOf(c, c.name === 'float16' ? util.uint16ToFloat64(raw as number) : raw);
}

/** Does `to` hold `v` exactly? (Numbers for numbers, times of its own family.) */
export function holds(to: CastCase, v: MathValue): boolean {
  if (instant(v.family) !== instant(to.family)) return false;
  if (to.float) return v.special !== undefined || fitsFloat(to.float, v);
  if (v.special || v.k !== 0 || v.n % to.tick !== 0n) return false;
  const raw = v.n / to.tick;
  return raw >= to.range![0] && raw <= to.range![1];
}

function fitsFloat(f: NonNullable<CastCase['float']>, v: MathValue): boolean {
  if (v.n === 0n) return true;
  let m = v.n < 0n ? -v.n : v.n;
  let lsb = -v.k;
  while (m % 2n === 0n) (m /= 2n), lsb++;
  const width = m.toString(2).length;
  return width <= f.p && lsb >= f.lsbMin && lsb + width - 1 <= f.msbMax;
}

/** May a column of `from` fill a column of `to` at all? (A zone-less timestamp never fills a zoned one; a date fills a timestamp without a zone or in UTC.) */
export function pairAllowed(from: CastCase, to: CastCase): boolean {
  if (from.family === 'date' && to.family === 'timestamp') return !to.zoned || String(to.type).endsWith(', UTC>');
  return from.family === to.family && !(from.family === 'timestamp' && !from.zoned && to.zoned);
}

/** A date is the instant of its UTC midnight: as a value it equals that timestamp. */
function instant(f: Family): Family {
  return f === 'date' ? 'timestamp' : f;
}

/** Are two exact values equal? (-0 equals 0; NaN equals NaN.) */
export function sameValue(a: MathValue | undefined, b: MathValue | undefined): boolean {
  if (!a || !b) return a === b;
  return instant(a.family) === instant(b.family) && a.special === b.special && a.n === b.n && a.k === b.k;
}

/** A column of `c`'s type holding `raws` raw (null where undefined), built without Arrow's builders. */
export function columnOf(c: CastCase, raws: readonly (number | bigint | undefined)[]): Data {
  const typed = new (c.type.ArrayType as new (n: number) => { [i: number]: number | bigint })(raws.length);
  const bitmap = new Uint8Array(Math.ceil(raws.length / 8) || 1);
  raws.forEach((r, i) => {
    if (r === undefined) return;
    bitmap[i >> 3] |= 1 << (i & 7);
    typed[i] = c.name === 'float16' ? util.float64ToUint16(r as number) : r;
  });
  const nullCount = raws.filter((r) => r === undefined).length;
  return makeData({ type: c.type, length: raws.length, nullCount, nullBitmap: nullCount ? bitmap : undefined, data: typed } as never) as Data;
}

/**
 * The `SCHEMA_MISMATCH` a cast throws (undefined when it converts); any other error is rethrown.
 *
 * @example
 * ```ts
 * const e = refusal(() => castData(data, new Int8(), 'n'));
 * ```
 */
export function refusal(f: () => unknown): { message: string; context: Record<string, unknown> } | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!isFreshtierError(e, 'SCHEMA_MISMATCH')) throw e;
    return e;
  }
}

/** A column's raw stored values (value buffers are sliced already; `offset` is the bitmap's). */
export const rawValues = (d: Data) => Array.from(d.values as ArrayLike<number | bigint>).slice(0, d.length);
