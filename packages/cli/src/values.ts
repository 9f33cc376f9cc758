/**
 * Values in and out of the CLI. In: text cells (CSV) and JSON values (JSONL, parsed
 * losslessly by json-line.ts) become values of a column's Arrow type, exactly or not
 * at all. Out: Arrow cells become JSON values and text.
 *
 * Conventions (documented in the README's CLI section):
 * - integers: JSON numbers (any size: the source text is read exactly, `1e3` and `10.0`
 *   are integers, `1.5` is refused) or strings of digits;
 * - floats: the nearest value of the column's type to the decimal text (float64: what
 *   `JSON.parse` gives; float32: rounded from the text, see float-values.ts); a finite
 *   text beyond the type's range is refused, not stored as infinity;
 * - dates `YYYY-MM-DD`, timestamps ISO-8601 (`2024-05-01T12:00:00.000Z`), exact to the
 *   column's unit (see iso-time.ts); in input also epoch milliseconds;
 * - bool: `true`/`false` (CSV text also t/f, yes/no, y/n, 1/0), or a JSON number exactly 0 or 1;
 * - binary: canonical base64 (the one text of its bytes: `AB==` is refused, not read as `AA==`);
 * - other types (float16, decimal, time, nested, dictionary) have no exact text form:
 *   text input refuses them ({@link textInputExact});
 * - CSV: an empty unquoted cell is null, `""` is the empty string.
 */
import { Type, type DataType, type Vector } from 'apache-arrow';
import { FloatRangeError, floatFromText } from './float-values.js';
import { formatDate, type TimeUnitCode } from './iso-time.js';
import { formatInstant } from './iso-time-format.js';
import { JsonNumber, exactInteger } from './json-line.js';
import { exactJson, numberText } from './json-out.js';
import { StoredTemporal, TemporalError, temporalConverter } from './temporal-values.js';

/**
 * A value that does not fit its column; `expected` says what would, `reason` why this one does not.
 *
 * @example
 * ```ts
 * new ConvertError('an integer in [0, 255]', 256, 'out of range').message; // 'expected an integer in [0, 255], got 256 (out of range)'
 * ```
 */
export class ConvertError extends Error {
  constructor(readonly expected: string, readonly got: unknown, readonly reason?: string) {
    super(`expected ${expected}, got ${describeValue(got)}${reason ? ` (${reason})` : ''}`);
  }
}

/**
 * A short description of an input value for messages.
 *
 * @example
 * ```ts
 * describeValue('x'.repeat(50)); // '"xxxx…"' (cut at 40 characters)
 * ```
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}`;
  if (v instanceof JsonNumber) return v.text.length > 40 ? v.text.slice(0, 40) + '…' : v.text;
  if (v instanceof StoredTemporal) return `${v.raw}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) return describeValue(Object.fromEntries(v));
  if (v !== null && typeof v === 'object') return JSON.stringify(v)?.slice(0, 40) ?? String(v);
  return String(v);
}

const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function intRange(type: DataType): [bigint, bigint] {
  const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
  const bits = BigInt(bitWidth);
  return isSigned ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

/** The exact integer in `v`, `undefined` if `v` is not a number at all, or why it is not an integer. */
function integerOf(v: unknown): bigint | undefined | { reason: string } {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : { reason: 'not an integer' };
  if (v instanceof JsonNumber) {
    const n = exactInteger(v.text);
    return n === undefined ? { reason: 'not an integer: it has a fraction' } : n === 'too large' ? { reason: 'out of range' } : n;
  }
  if (typeof v === 'string' && INT_TEXT.test(v.trim())) return BigInt(v.trim());
  // a decimal with a fraction is a number, but not an integer: say so (text like "1e3" stays refused, unexplained)
  if (typeof v === 'string' && FLOAT_TEXT.test(v.trim()) && exactInteger(v.trim()) === undefined) return { reason: 'not an integer: it has a fraction' };
  return undefined;
}

function intConverter(type: DataType): (v: unknown) => unknown {
  const [min, max] = intRange(type);
  const big = (type as unknown as { bitWidth: number }).bitWidth === 64;
  const what = `an integer in [${min}, ${max}]`;
  return (v) => {
    if (v === null || v === undefined) return null;
    const n = integerOf(v);
    if (n === undefined) throw new ConvertError(what, v);
    if (typeof n !== 'bigint') throw new ConvertError(what, v, n.reason);
    if (n < min || n > max) throw new ConvertError(what, v, 'out of range');
    return big ? n : Number(n);
  };
}

function floatConverter(type: DataType): (v: unknown) => unknown {
  const p = (type as unknown as { precision: number }).precision;
  const precision = p === 1 ? 'float32' : p === 2 ? 'float64' : undefined; // float16: apache-arrow's builder rounds
  const fromText = (text: string, v: unknown): number => {
    if (!precision) return Number(text);
    try {
      return floatFromText(text, precision);
    } catch (e) {
      if (e instanceof FloatRangeError) throw new ConvertError('a number', v, e.message);
      throw e;
    }
  };
  return (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') {
      if (precision === 'float32' && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw new ConvertError('a number', v, 'is beyond the largest float32 (about 3.4e38)');
      return v;
    }
    if (typeof v === 'bigint') return fromText(v.toString(), v);
    if (v instanceof JsonNumber) return fromText(v.text, v);
    if (typeof v === 'string') {
      const t = v.trim();
      if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
      if (/^nan$/i.test(t)) return NaN;
      if (FLOAT_TEXT.test(t)) return fromText(t, v);
    }
    throw new ConvertError('a number', v);
  };
}

function boolConverter(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (v instanceof JsonNumber) return jsonBool(v);
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (['true', 't', '1', 'yes', 'y'].includes(t)) return true;
    if (['false', 'f', '0', 'no', 'n'].includes(t)) return false;
  }
  throw new ConvertError('true or false', v);
}

function textConverter(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new ConvertError('a string', v);
  // a lone surrogate (a JSON escape like \ud800 without its pair) has no UTF-8 form: encoding it stored U+FFFD
  if (!(v as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new ConvertError('a string of Unicode characters', v, 'it holds a lone surrogate escape (\\ud800-\\udfff without its pair), which UTF-8 cannot store');
  return v;
}

/** A JSON number as a bool: exactly 0 or 1 (`1.0`, `1e0` too), not a number that merely rounds to one as a double (`0.99999999999999999999`, `1e-400`). */
function jsonBool(v: JsonNumber): boolean {
  const n = exactInteger(v.text);
  if (n === 0n || n === 1n) return n === 1n;
  throw new ConvertError('true or false', v, 'a number must be exactly 0 or 1');
}

function binaryConverter(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw new ConvertError('base64 bytes', v);
  const bytes = Buffer.from(v, 'base64');
  // the decoder drops the unused low bits of the last character ("AB==" reads as "AA=="): only the one text of these bytes is exact
  if (bytes.toString('base64') !== v) throw new ConvertError('base64 bytes', v, `not canonical base64: the bytes it holds are written ${JSON.stringify(bytes.toString('base64'))}`);
  return new Uint8Array(bytes);
}

/** A JSON value of a nested column (list, struct …) as plain JS; an integer a double cannot hold is refused. */
function plainJson(v: unknown): unknown {
  if (v instanceof JsonNumber) {
    const n = v.toNumber();
    const exact = exactInteger(v.text);
    if (typeof exact === 'bigint' && BigInt(n) !== exact) throw new ConvertError('a number a double holds exactly (nested values are read as doubles)', v);
    return n;
  }
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plainJson(x)]));
  if (Array.isArray(v)) return v.map(plainJson);
  return v;
}

/**
 * Whether text input (CSV, JSON Lines) has an exact conversion into a column of `type`
 * (see the module conventions). Others — float16, decimal, time, nested and dictionary
 * types — were read through doubles and apache-arrow's builders, which rounded, wrapped,
 * dropped struct keys or crashed, so text input refuses them before reading a line.
 *
 * @example
 * ```ts
 * textInputExact(new Int64()); // true
 * textInputExact(new Float16()); // false
 * ```
 */
export function textInputExact(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Int: case Type.Bool: case Type.Utf8: case Type.LargeUtf8: case Type.Binary: case Type.LargeBinary: case Type.Date: case Type.Timestamp:
      return true;
    case Type.Float:
      return (type as unknown as { precision: number }).precision > 0; // float32, float64
    default:
      return false;
  }
}

/**
 * A converter from an input value (a string from CSV, a JSON value from JSONL, or an
 * Arrow cell) to what `columnData(type, values)` takes. Throws {@link ConvertError}.
 *
 * @example
 * ```ts
 * converterFor(new Int64())(new JsonNumber('9007199254740993')); // 9007199254740993n
 * ```
 */
export function converterFor(type: DataType): (v: unknown) => unknown {
  switch (type.typeId) {
    case Type.Int: return intConverter(type);
    case Type.Float: return floatConverter(type);
    case Type.Bool: return boolConverter;
    case Type.Utf8: case Type.LargeUtf8: return textConverter;
    case Type.Binary: case Type.LargeBinary: return binaryConverter;
    case Type.Date: case Type.Timestamp: {
      const convert = temporalConverter(type);
      return (v) => {
        try {
          return convert(v);
        } catch (e) {
          if (e instanceof TemporalError) throw new ConvertError(e.expected, e.got, e.reason);
          throw e;
        }
      };
    }
    default:
      return (v) => {
        if (typeof v === 'string') throw new ConvertError(`a ${String(type)} value (text input does not support this type; use Parquet or Arrow input)`, v);
        return plainJson(v) ?? null;
      };
  }
}

/**
 * ISO-8601 of a raw timestamp value, exact to its unit (at least 3 fraction digits).
 *
 * @example
 * ```ts
 * timestampIso(1714564800123456n, 2); // '2024-05-01T12:00:00.123456Z'
 * ```
 */
export function timestampIso(raw: bigint, unit: number): string {
  return formatInstant(raw, unit as TimeUnitCode);
}

/**
 * A reader of one output column as JSON-friendly values: numbers, bigints (int64 and
 * uint64, written as exact JSON numbers by json-out.ts), strings, booleans, null (see
 * the module conventions).
 *
 * @example
 * ```ts
 * jsonCells(batch.getChild('id')!, new Int64())(0); // 9223372036854775807n
 * ```
 */
export function jsonCells(vector: Vector, type: DataType): (i: number) => unknown {
  switch (type.typeId) {
    case Type.Int:
      // int64/uint64 stay bigints: written as exact JSON numbers whatever their size (json-out.ts)
      return (i) => vector.get(i) as number | bigint | null;
    case Type.Float:
      return (i) => {
        const v = vector.get(i) as number | null;
        return v === null || Number.isFinite(v) ? v : String(v);
      };
    case Type.Date: {
      const day = (type as unknown as { unit: number }).unit === 0;
      return (i) => {
        if (!vector.isValid(i)) return null;
        // date32 holds days, date64 milliseconds (at a midnight, but print what is stored)
        const raw = rawAt(vector, i) ?? BigInt(vector.get(i) as number);
        return day ? formatDate(raw) : formatInstant(raw, 1);
      };
    }
    case Type.Timestamp: {
      const unit = (type as unknown as { unit: number }).unit;
      return (i) => {
        if (!vector.isValid(i)) return null;
        const raw = rawAt(vector, i);
        return raw === undefined ? formatInstant(BigInt(vector.get(i) as number), 1) : timestampIso(raw, unit);
      };
    }
    case Type.Binary: case Type.LargeBinary:
      return (i) => {
        const v = vector.get(i) as Uint8Array | null;
        return v === null ? null : Buffer.from(v).toString('base64');
      };
    case Type.Utf8: case Type.LargeUtf8: case Type.Bool:
      return (i) => vector.get(i);
    default:
      return (i) => plainNested(vector.get(i));
  }
}

/** A nested cell (list, struct, map row …) as plain arrays and objects; bigints stay exact. */
function plainNested(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') return v;
  const j = typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
  if (j === null || typeof j !== 'object') return j;
  if (Array.isArray(j)) return j.map(plainNested);
  if (ArrayBuffer.isView(j)) return Array.from(j as unknown as ArrayLike<unknown>, plainNested);
  return Object.fromEntries(Object.entries(j as Record<string, unknown>).map(([k, x]) => [k, plainNested(x)]));
}

/** The raw stored integer of a temporal cell (exact), found in the vector's chunks. */
function rawAt(vector: Vector, i: number): bigint | undefined {
  let at = i;
  for (const d of vector.data) {
    if (at < d.length) {
      const values = d.values as unknown;
      if (values instanceof BigInt64Array) return values[d.offset + at];
      if (values instanceof Int32Array) return BigInt(values[d.offset + at]); // date32 days
      return undefined;
    }
    at -= d.length;
  }
  return undefined;
}

/** A JSON-friendly value as a short text cell for the `table` format. */
export function textCell(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  return typeof v === 'object' ? exactJson(v) : typeof v === 'number' ? numberText(v) : String(v);
}

/** A JSON-friendly value as a CSV field: null → empty, the empty string → `""`, quoted when needed. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? exactJson(v) : typeof v === 'number' ? numberText(v) : String(v);
  if (s === '' || /[",\r\n]/.test(s) || s !== s.trim()) return `"${s.replace(/"/g, '""')}"`;
  return s;
}
