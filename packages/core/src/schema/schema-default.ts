/**
 * Default values of added columns (docs/format.md "Schema versions"): what data written
 * before a column existed reads as. A default is taken exactly or refused, like any value
 * that enters freshtier, and is stored as text a reader turns back into the same value:
 * - integers, dates, timestamps, times, durations: the stored integer in the type's unit
 *   as a decimal string (days for date32, the timestamp's unit for timestamps);
 * - floats: the shortest decimal string that round-trips (`"1.5"`, `"-0"`, `"NaN"`, `"-Infinity"`);
 * - utf8 / large_utf8: the string itself (well-formed Unicode only: a lone surrogate would be
 *   stored as U+FFFD); bool: a JSON boolean.
 * Other types take no default (an added column of such a type reads as null).
 *
 * Columns of a default are built from typed arrays filled with the stored integer, never
 * through Arrow's builders (the temporal ones take milliseconds and would round).
 */
import { Type, makeData, util, type Data, type DataType } from 'apache-arrow';
import { CorruptEntryError, SchemaChangeRefusedError } from '../errors.js';

/** How a type's default is stored and filled in. */
type Kind = 'int' | 'float' | 'utf8' | 'bool';

const KINDS = new Map<Type, Kind>([
  [Type.Int, 'int'], [Type.Date, 'int'], [Type.Timestamp, 'int'], [Type.Time, 'int'], [Type.Duration, 'int'],
  [Type.Float, 'float'], [Type.Utf8, 'utf8'], [Type.LargeUtf8, 'utf8'], [Type.Bool, 'bool'],
]);

/** A default's value in memory: bigint (integer kinds, in the type's unit), number (floats), string, boolean. */
export type DefaultValue = bigint | number | string | boolean;

type IntArray = { [i: number]: number | bigint; fill(v: never): unknown };

/** The stored integer as the type's typed array holds it, or undefined when it does not fit exactly. */
function fitInt(type: DataType, v: bigint): number | bigint | undefined {
  // the typed array wraps a value outside its range: reading it back tells exactly whether it fits
  const probe = new (type.ArrayType as new (n: number) => IntArray)(1);
  const big = probe instanceof BigInt64Array || probe instanceof BigUint64Array;
  probe[0] = big ? v : Number(v);
  return BigInt(probe[0]) === v ? probe[0] : undefined;
}

/** Does a float of the type's width hold `v` exactly (NaN and ±Infinity: always)? */
function fitsFloat(type: DataType, v: number): boolean {
  const precision = (type as unknown as { precision: number }).precision;
  if (Number.isNaN(v) || precision === 2) return true;
  return precision === 1 ? Math.fround(v) === v : util.uint16ToFloat64(util.float64ToUint16(v)) === v;
}

/** The text a float default is stored as: `String` keeps every finite double, but spells -0 as "0". */
function floatText(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Is the string valid Unicode (no lone surrogate, which UTF-8 cannot carry)? */
function wellFormed(s: string): boolean {
  return new TextDecoder().decode(new TextEncoder().encode(s)) === s;
}

/**
 * The stored form of a default for a column of `type`, or `SchemaChangeRefusedError` when the
 * type takes no default or the value does not fit it exactly. Integer kinds take a bigint or a
 * safe-integer number (the stored integer: days for date32, the unit for timestamps); floats a number.
 *
 * @example
 * ```ts
 * encodeDefault(new Int64(), 2n ** 63n - 1n, 'n'); // "9223372036854775807"
 * encodeDefault(new Float64(), -0, 'x');           // "-0"
 * encodeDefault(new Float32(), 0.1, 'x');          // throws: 0.1 is not a float32 value
 * ```
 */
export function encodeDefault(type: DataType, value: DefaultValue, column: string): string | boolean {
  const kind = KINDS.get(type.typeId);
  const refuse = (reason: string, todo = `Give a default that ${String(type)} holds exactly`) =>
    new SchemaChangeRefusedError(`add-column ${column}`, reason, todo, { column, type: String(type), value: String(value) });
  if (kind === undefined) throw refuse(`a column of type ${String(type)} takes no default (defaults exist for integers, floats, dates, times, timestamps, durations, strings and booleans)`, 'Add the column without a default (it reads as null in older data)');
  const why = ENCODE_PROBLEM[kind](type, value);
  if (why !== undefined) throw refuse(why, why.includes('surrogate') ? 'Give a well-formed string' : undefined);
  if (kind === 'int') return String(BigInt(value as number | bigint));
  return kind === 'float' ? floatText(value as number) : (value as string | boolean);
}

/** Why a value is no exact default of a type of each kind (undefined: it is). */
const ENCODE_PROBLEM: Record<Kind, (type: DataType, value: DefaultValue) => string | undefined> = {
  int: (type, value) => {
    const n = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
    if (n === undefined) return `the default ${describe(value)} is not an integer (a number must be a safe integer; give a larger one as a bigint), in the type's unit`;
    return fitInt(type, n) === undefined ? `the default ${n} is outside the range of ${String(type)}` : undefined;
  },
  float: (type, value) => {
    if (typeof value !== 'number') return `the default ${describe(value)} is not a number`;
    return fitsFloat(type, value) ? undefined : `the default ${value} is not a value of ${String(type)} (it would be rounded)`;
  },
  utf8: (_type, value) => {
    if (typeof value !== 'string') return `the default ${describe(value)} is not a string`;
    return wellFormed(value) ? undefined : 'the default string holds a lone surrogate, which UTF-8 cannot store';
  },
  bool: (_type, value) => (typeof value === 'boolean' ? undefined : `the default ${describe(value)} is not a boolean`),
};

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : `${String(v)} (${typeof v})`;
}

/**
 * A stored default back as its value: a bigint for integer kinds (in the type's unit), a number
 * for floats, the string or the boolean. A stored form that does not fit `type` exactly (a damaged
 * or edited schema record) is a `CorruptEntryError`, never a misread value.
 *
 * @example
 * ```ts
 * decodeDefault(new DateDay(), '-12'); // -12n (days)
 * decodeDefault(new Float64(), '-0');  // -0
 * ```
 */
export function decodeDefault(type: DataType, stored: string | boolean): DefaultValue {
  const kind = KINDS.get(type.typeId);
  const bad = (why: string) => new CorruptEntryError('(schema record)', `the default ${JSON.stringify(stored)} of a ${String(type)} column ${why}; restore the base manifest`);
  if (kind === undefined) throw bad('is stored for a type that takes no default');
  if (kind === 'bool') {
    if (typeof stored !== 'boolean') throw bad('is not a boolean');
    return stored;
  }
  if (typeof stored !== 'string') throw bad('is not a string');
  if (kind === 'utf8') {
    if (!wellFormed(stored)) throw bad('is not well-formed Unicode');
    return stored;
  }
  if (kind === 'float') {
    const v = Number(stored);
    // only the text encodeDefault writes: anything else ("1.50", " 1", "") is not a stored default
    if (floatText(v) !== stored || !fitsFloat(type, v)) throw bad('is not a value of the type written as encodeDefault writes it');
    return v;
  }
  const n = canonicalInt(stored);
  if (n === undefined || fitInt(type, n) === undefined) throw bad('is not a decimal integer in the range of the type');
  return n;
}

/** The integer a canonical decimal string spells ("-12", not "012", "+1", "0x1" or ""). */
function canonicalInt(text: string): bigint | undefined {
  try {
    const n = BigInt(text);
    return String(n) === text ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A column of `length` copies of a stored default (no nulls), built exactly from typed arrays.
 * Throws `CorruptEntryError` for a stored form that does not fit `type` (see {@link decodeDefault}).
 *
 * @example
 * ```ts
 * const data = defaultData(new TimestampNanosecond(), '1714521600123456789', batch.numRows);
 * ```
 */
export function defaultData(type: DataType, stored: string | boolean, length: number): Data {
  const value = decodeDefault(type, stored);
  if (typeof value === 'boolean') {
    const bits = new Uint8Array(Math.ceil(length / 8)).fill(value ? 0xff : 0);
    return makeData({ type, length, nullCount: 0, data: bits } as never) as Data;
  }
  if (typeof value === 'string') return textData(type, value, length);
  const values = new (type.ArrayType as new (n: number) => IntArray)(length);
  const isHalf = type.typeId === Type.Float && (type as unknown as { precision: number }).precision === 0;
  const raw = typeof value === 'number' ? (isHalf ? util.float64ToUint16(value) : value) : fitInt(type, value)!;
  values.fill(raw as never);
  return makeData({ type, length, nullCount: 0, data: values } as never) as Data;
}

/** `length` copies of one string: the UTF-8 bytes repeated, offsets every `bytes.length`. */
function textData(type: DataType, text: string, length: number): Data {
  const bytes = new TextEncoder().encode(text);
  const large = type.typeId === Type.LargeUtf8;
  const total = bytes.length * length;
  if (!large && total > 2 ** 31 - 1) {
    throw new CorruptEntryError('(schema record)', `the default of a Utf8 column repeated ${length} times is ${total} bytes, beyond Utf8's 2 GiB per batch; read in smaller batches`);
  }
  const data = new Uint8Array(total);
  const offsets = large ? new BigInt64Array(length + 1) : new Int32Array(length + 1);
  for (let i = 0; i < length; i++) {
    data.set(bytes, i * bytes.length);
    offsets[i + 1] = (large ? BigInt((i + 1) * bytes.length) : (i + 1) * bytes.length) as never;
  }
  return makeData({ type, length, nullCount: 0, valueOffsets: offsets, data } as never) as Data;
}
