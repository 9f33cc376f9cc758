/**
 * Values in and out of the CLI. In: text cells (CSV) and JSON values (JSONL) become
 * values of a column's Arrow type. Out: Arrow cells become JSON values and text.
 *
 * Conventions (documented in the README's CLI section):
 * - 64-bit integers: JSON numbers when they fit a double exactly, else strings of digits;
 * - dates `YYYY-MM-DD`, timestamps ISO-8601 (`2024-05-01T12:00:00.000Z`); in input also epoch milliseconds;
 * - binary: base64;
 * - CSV: an empty unquoted cell is null, `""` is the empty string.
 */
import { Type, type DataType, type Vector } from 'apache-arrow';

/** A value that does not fit its column; `expected` says what would. */
export class ConvertError extends Error {
  constructor(readonly expected: string, readonly got: unknown) {
    super(`expected ${expected}, got ${describeValue(got)}`);
  }
}

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') return JSON.stringify(v)?.slice(0, 40) ?? String(v);
  return String(v);
}

const INT_TEXT = /^[+-]?\d+$/;

function intRange(type: DataType): [bigint, bigint] {
  const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
  const bits = BigInt(bitWidth);
  return isSigned ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

/**
 * A converter from an input value (a string from CSV, or any JSON/Arrow value) to
 * what `vectorFromArray(values, type)` takes. Throws {@link ConvertError}.
 */
export function converterFor(type: DataType): (v: unknown) => unknown {
  switch (type.typeId) {
    case Type.Int: {
      const [min, max] = intRange(type);
      const big = (type as unknown as { bitWidth: number }).bitWidth === 64;
      const what = `an integer in [${min}, ${max}]`;
      return (v) => {
        if (v === null || v === undefined) return null;
        let n: bigint;
        if (typeof v === 'bigint') n = v;
        else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
        else if (typeof v === 'string' && INT_TEXT.test(v.trim())) n = BigInt(v.trim());
        else throw new ConvertError(what, v);
        if (n < min || n > max) throw new ConvertError(what, v);
        return big ? n : Number(n);
      };
    }
    case Type.Float:
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number') return v;
        if (typeof v === 'bigint') return Number(v);
        if (typeof v === 'string') {
          const t = v.trim();
          const n = /^[+-]?inf(inity)?$/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(t) ? NaN : t === '' ? NaN : Number(t);
          if (!Number.isNaN(n) || /^nan$/i.test(t)) return n;
        }
        throw new ConvertError('a number', v);
      };
    case Type.Bool:
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'boolean') return v;
        if (v === 0 || v === 1) return v === 1;
        if (typeof v === 'string') {
          const t = v.trim().toLowerCase();
          if (['true', 't', '1', 'yes', 'y'].includes(t)) return true;
          if (['false', 'f', '0', 'no', 'n'].includes(t)) return false;
        }
        throw new ConvertError('true or false', v);
      };
    case Type.Utf8: case Type.LargeUtf8:
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'string') return v;
        throw new ConvertError('a string', v);
      };
    case Type.Binary: case Type.LargeBinary:
      return (v) => {
        if (v === null || v === undefined) return null;
        if (v instanceof Uint8Array) return v;
        if (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0) return new Uint8Array(Buffer.from(v, 'base64'));
        throw new ConvertError('base64 bytes', v);
      };
    case Type.Date: case Type.Timestamp:
      // apache-arrow's builders take a Date (or epoch milliseconds) for every date and timestamp unit
      return (v) => {
        if (v === null || v === undefined) return null;
        if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
        if (typeof v === 'number' && Number.isFinite(v)) return new Date(v);
        if (typeof v === 'bigint') return new Date(Number(v));
        if (typeof v === 'string') {
          const t = v.trim();
          const d = INT_TEXT.test(t) ? new Date(Number(t)) : new Date(t);
          if (!Number.isNaN(d.getTime())) return d;
        }
        throw new ConvertError('a date/time (ISO-8601 like 2024-05-01T12:00:00Z, or epoch milliseconds)', v);
      };
    default:
      return (v) => {
        if (typeof v === 'string') throw new ConvertError(`a ${String(type)} value (text input does not support this type; use Parquet or Arrow input)`, v);
        return v ?? null;
      };
  }
}

const MS_PER = [1000n, 1n, 1n, 1n]; // second → ms multiplier
const SUB_MS = [1n, 1n, 1000n, 1_000_000n]; // raw units per ms for us / ns

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** ISO-8601 of a raw timestamp value, exact to its unit. */
export function timestampIso(raw: bigint, unit: number): string {
  if (unit <= 1) return new Date(Number(raw * MS_PER[unit])).toISOString();
  const per = SUB_MS[unit];
  const ms = floorDiv(raw, per);
  const frac = (raw - ms * per).toString().padStart(unit === 2 ? 3 : 6, '0');
  return new Date(Number(ms)).toISOString().replace('Z', `${frac}Z`);
}

/**
 * A reader of one output column as JSON-friendly values: numbers, strings,
 * booleans, null (see the module conventions).
 */
export function jsonCells(vector: Vector, type: DataType): (i: number) => unknown {
  switch (type.typeId) {
    case Type.Int:
      return (i) => {
        const v = vector.get(i) as number | bigint | null;
        if (typeof v !== 'bigint') return v;
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      };
    case Type.Float:
      return (i) => {
        const v = vector.get(i) as number | null;
        return v === null || Number.isFinite(v) ? v : String(v);
      };
    case Type.Date: {
      const day = (type as unknown as { unit: number }).unit === 0;
      return (i) => {
        const v = vector.get(i) as number | null;
        if (v === null) return null;
        const iso = new Date(v).toISOString();
        return day ? iso.slice(0, 10) : iso;
      };
    }
    case Type.Timestamp: {
      const unit = (type as unknown as { unit: number }).unit;
      return (i) => {
        if (!vector.isValid(i)) return null;
        const raw = rawAt(vector, i);
        return raw === undefined ? new Date(vector.get(i) as number).toISOString() : timestampIso(raw, unit);
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
      return (i) => {
        const v = vector.get(i) as { toJSON?: () => unknown } | null;
        return v === null ? null : JSON.parse(JSON.stringify(v?.toJSON ? v.toJSON() : v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
      };
  }
}

/** The raw stored integer of a 64-bit temporal cell (exact), found in the vector's chunks. */
function rawAt(vector: Vector, i: number): bigint | undefined {
  let at = i;
  for (const d of vector.data) {
    if (at < d.length) {
      const values = d.values as unknown;
      if (values instanceof BigInt64Array) return values[d.offset + at];
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
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A JSON-friendly value as a CSV field: null → empty, the empty string → `""`, quoted when needed. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (s === '' || /[",\r\n]/.test(s) || s !== s.trim()) return `"${s.replace(/"/g, '""')}"`;
  return s;
}
