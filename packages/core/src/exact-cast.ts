/**
 * Exact conversion of a numeric or temporal column to another numeric or temporal
 * type (DESIGN.md "Errors": a value is taken exactly or refused). `castData` sends
 * every integer, float, date, time, timestamp and duration pair here.
 *
 * Values are read raw from the source's typed array (never through `Vector.get`,
 * which gives a timestamp as float milliseconds) and written raw into a typed array
 * of the target (never through Arrow's builders, which take milliseconds and wrap
 * or truncate). Integer and time arithmetic is BigInt; a value the target cannot
 * hold exactly is a `SchemaMismatchError` naming the column, the row and the value.
 *
 * Pairs: integer ↔ integer ↔ float (per value: in range, integral, representable);
 * date ↔ date, timestamp ↔ timestamp, time ↔ time, duration ↔ duration, rescaled
 * between units (a finer unit to a coarser one only when divisible); date → timestamp
 * (no zone or "UTC": a day is its UTC midnight). Numbers and times never mix, nor do
 * the other time families. A timestamp keeps its values across
 * time zones (Arrow stores UTC instants), but a zone-less source cannot fill a
 * zoned column: which zone its wall-clock values meant is unknown.
 */
import { Type, makeData, makeVector, util, type Data, type DataType } from 'apache-arrow';
import { SchemaMismatchError } from './errors.js';

/** How a numeric or temporal type stores its values. */
interface Domain {
  readonly family: 'int' | 'float' | 'date' | 'timestamp' | 'time' | 'duration';
  /** Range of the stored integer (integer and temporal families). */
  readonly min: bigint;
  readonly max: bigint;
  /** Stored values wider than 32 bits are bigints in JavaScript. */
  readonly big: boolean;
  /** Nanoseconds per stored unit (temporal families). */
  readonly tick: bigint;
  /** 16, 32 or 64 (float family). */
  readonly bits: number;
  readonly timezone: string | null;
}

/** Converts one raw value; a string says why the value does not convert exactly. */
type Convert = (v: number | bigint) => number | bigint | string;

const RANGES = new Map<unknown, readonly [bigint, bigint]>([
  [Int8Array, [-(2n ** 7n), 2n ** 7n - 1n]], [Uint8Array, [0n, 2n ** 8n - 1n]],
  [Int16Array, [-(2n ** 15n), 2n ** 15n - 1n]], [Uint16Array, [0n, 2n ** 16n - 1n]],
  [Int32Array, [-(2n ** 31n), 2n ** 31n - 1n]], [Uint32Array, [0n, 2n ** 32n - 1n]],
  [BigInt64Array, [-(2n ** 63n), 2n ** 63n - 1n]], [BigUint64Array, [0n, 2n ** 64n - 1n]],
]);
// TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND in nanoseconds; DateUnit DAY, MILLISECOND
const TIME_TICKS = [1_000_000_000n, 1_000_000n, 1_000n, 1n];
const DATE_TICKS = [86_400_000_000_000n, 1_000_000n];
const TICK_NAMES = new Map([[86_400_000_000_000n, 'day'], ...TIME_TICKS.map((t, i) => [t, ['second', 'millisecond', 'microsecond', 'nanosecond'][i]] as const)]);
const FAMILIES = new Map<Type, Domain['family']>([
  [Type.Int, 'int'], [Type.Float, 'float'], [Type.Date, 'date'], [Type.Timestamp, 'timestamp'], [Type.Time, 'time'], [Type.Duration, 'duration'],
]);

/** The domain of a numeric or temporal type; undefined for every other type. */
function domainOf(type: DataType): Domain | undefined {
  const family = FAMILIES.get(type.typeId);
  if (!family) return undefined;
  const t = type as unknown as { unit?: number; precision?: number; timezone?: string | null };
  const range = RANGES.get(type.ArrayType) ?? [0n, 0n];
  const tick = family === 'date' ? DATE_TICKS[t.unit!] : family === 'int' || family === 'float' ? 1n : TIME_TICKS[t.unit!];
  const bits = family === 'float' ? [16, 32, 64][t.precision!] : 0;
  return { family, min: range[0], max: range[1], big: range[1] > 2n ** 32n, tick, bits, timezone: t.timezone || null }; // "" is no zone too
}

/** An integer into an integer domain (also the last step of every temporal rescale). */
function toInt(to: Domain): (x: bigint) => number | bigint | string {
  return (x) => (x < to.min || x > to.max ? 'outside its range' : to.big ? x : Number(x));
}

// The float of each width nearest to a double, and how that width is stored.
const NEAREST: Record<number, (v: number) => number> = { 16: (v) => util.uint16ToFloat64(util.float64ToUint16(v)), 32: Math.fround, 64: (v) => v };
const STORE: Record<number, (v: number) => number> = { 16: util.float64ToUint16, 32: (v) => v, 64: (v) => v };

/** A double into a float domain: only a value that width holds (NaN stays NaN). */
function toFloat(to: Domain): (v: number) => number | string {
  const nearest = NEAREST[to.bits];
  const store = STORE[to.bits];
  return (v) => (Number.isNaN(v) || nearest(v) === v ? store(v) : `not a float${to.bits} value`);
}

/** Integer → integer or float, per value. */
function fromInt(to: Domain): Convert | string {
  if (to.family === 'int') return toInt(to) as Convert;
  if (to.family !== 'float') return 'integers do not become times';
  const float = toFloat(to);
  return (v) => {
    const n = Number(v);
    // Number() rounds to a double first: an integer no double equals is no float value either
    return BigInt(n) === v ? float(n) : `not a float${to.bits} value`;
  };
}

/** Float → integer (integral values only) or float (values the target width holds). */
function fromFloat(to: Domain): Convert | string {
  if (to.family === 'float') return toFloat(to) as Convert;
  if (to.family !== 'int') return 'floats do not become times';
  const int = toInt(to);
  return (v) => (Number.isInteger(v) ? int(BigInt(v)) : 'not an integer');
}

/**
 * Time → time of the same family, or date → timestamp (a widened column, schema-change.ts):
 * rescaled in BigInt, a finer unit to a coarser only when divisible.
 */
function fromTime(from: Domain, to: Domain): Convert | string {
  const dateToTimestamp = from.family === 'date' && to.family === 'timestamp';
  if (to.family !== from.family && !dateToTimestamp) return to.family === 'int' || to.family === 'float' ? 'times do not become numbers' : `${from.family}s do not become ${to.family}s`;
  if (from.family === 'timestamp' && from.timezone === null && to.timezone !== null) {
    return `the source timestamps have no time zone, so which instants they mean is unknown; give the source the time zone ${to.timezone}`;
  }
  // a date counts days from the epoch in UTC: its midnight is an instant only without a zone or in UTC
  if (dateToTimestamp && to.timezone !== null && to.timezone !== 'UTC') {
    return `a date's midnight in the time zone ${to.timezone} is not a fixed offset from the UTC epoch; use a timestamp with no time zone or "UTC"`;
  }
  const int = toInt(to);
  const unit = TICK_NAMES.get(to.tick);
  return (v) => {
    const ns = (v as bigint) * from.tick;
    return ns % to.tick === 0n ? int(ns / to.tick) : `not a whole ${unit}`;
  };
}

/** How to convert each value from one domain into another, or why no value converts. */
function converter(from: Domain, to: Domain): Convert | string {
  if (from.family === 'int') return fromInt(to);
  if (from.family === 'float') return fromFloat(to);
  return fromTime(from, to);
}

/** Reads row `i` raw: a bigint for integer and temporal domains, a number for floats. */
function reader(data: Data, from: Domain): (i: number) => number | bigint {
  // Arrow JS slices value buffers: `data.offset` applies to the validity bitmap only
  const values = data.values as ArrayLike<number | bigint>;
  if (from.family !== 'float') return (i) => BigInt(values[i]);
  if (from.bits === 16) return (i) => util.uint16ToFloat64(values[i] as number);
  return (i) => values[i];
}

/**
 * Converts a numeric or temporal column to another numeric or temporal type, every
 * value exactly, or throws `SchemaMismatchError` naming the column, the first row
 * whose value does not convert and that value. Returns undefined when either type
 * is not numeric or temporal (the caller decides about those).
 *
 * @example
 * ```ts
 * exactCast(int64Data, new Int32(), 'id');       // Int32 data, or throws at the first value beyond int32
 * exactCast(msData, new TimestampSecond(), 'ts'); // throws unless every value is a whole second
 * exactCast(utf8Data, new Int32(), 'id');        // undefined: not a numeric pair
 * ```
 */
export function exactCast(data: Data, target: DataType, column: string): Data | undefined {
  const from = domainOf(data.type);
  const to = domainOf(target);
  if (!from || !to) return undefined;
  const convert = converter(from, to);
  if (typeof convert === 'string') throw castRefused(data, target, column, convert);
  const read = reader(data, from);
  const out = new (target.ArrayType as new (n: number) => { [i: number]: number | bigint })(data.length);
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) continue;
    const v = read(i);
    const y = convert(v);
    if (typeof y === 'string') throw valueRefused(data, target, column, i, v, y);
    out[i] = y;
  }
  const nullBitmap = data.nullCount > 0 && data.nullBitmap ? util.truncateBitmap(data.offset, data.length, data.nullBitmap) : undefined;
  return makeData({ type: target, length: data.length, nullCount: data.nullCount, nullBitmap, data: out } as never) as Data;
}

/**
 * The error for a column whose type does not convert exactly to the table's at all,
 * naming the first non-null row and its value when there is one.
 *
 * @example
 * ```ts
 * throw castRefused(utf8Data, new Int32(), 'id', 'text does not become numbers');
 * ```
 */
export function castRefused(data: Data, target: DataType, column: string, reason: string): SchemaMismatchError {
  let row = 0;
  while (row < data.length && !data.getValid(row)) row++;
  const value = row < data.length ? describeValue(data, row) : undefined;
  const held = value === undefined ? '' : ` (row ${row} holds ${value})`;
  return new SchemaMismatchError(`column "${column}" has type ${String(data.type)}, which does not convert exactly to the table's ${String(target)}: ${reason}${held}`, {
    column, from: String(data.type), to: String(target), ...(value === undefined ? {} : { row, value }),
  });
}

function valueRefused(data: Data, target: DataType, column: string, row: number, v: number | bigint, why: string): SchemaMismatchError {
  return new SchemaMismatchError(`column "${column}", row ${row}: the value ${String(v)} (${String(data.type)}) does not fit the table's ${String(target)} exactly (${why})`, {
    column, row, value: String(v), from: String(data.type), to: String(target),
  });
}

/** A short display of one value: raw for numbers and times (a timestamp in its own unit), quoted for text. */
function describeValue(data: Data, row: number): string {
  const from = domainOf(data.type);
  const v: unknown = from ? reader(data, from)(row) : makeVector(data).get(row);
  const text = typeof v === 'string' ? JSON.stringify(v)
    : v instanceof Uint8Array ? `${v.byteLength} bytes`
    : typeof v === 'object' && v !== null ? JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? String(v)
    : String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
