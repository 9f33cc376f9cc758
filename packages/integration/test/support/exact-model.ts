/**
 * A plain model of "compare a stored key with a literal, as mathematics says",
 * for the exact-literal property test: one `KeyCase` per key type (its stored
 * keys, edge values included) and the exact sign of (stored − literal), computed
 * with BigInt and JS's exact mixed number/bigint comparisons — independently of
 * the scanner's exact-literal.ts. Floats follow key order: -0 = 0, NaN = NaN,
 * NaN above every number (and, on integer columns, above every value).
 *
 * @example
 * ```ts
 * const c = KEY_CASES.find((k) => k.name === 'int32')!;
 * signOf(c, 5, 2 ** 40); // -1
 * ```
 */
import {
  DateDay, DateMillisecond, Float32, Float64, Int8, Int16, Int32, Int64, TimestampMicrosecond, TimestampMillisecond,
  TimeNanosecond, TimeSecond, TimestampNanosecond, TimestampSecond, Uint8, Uint16, Uint32, Uint64, Utf8, type DataType,
} from 'apache-arrow';

/** One key type under test. */
export interface KeyCase {
  readonly name: string;
  readonly type: DataType;
  readonly kind: 'int' | 'float' | 'utf8';
  /** 64-bit storage (values are bigints). */
  readonly big: boolean;
  /** Stored units per millisecond [num, den] for temporal types. */
  readonly perMs?: readonly [bigint, bigint];
  /** Distinct raw stored keys. */
  readonly stored: readonly unknown[];
}

const MS = 1_714_521_600_123n; // 2024-05-01T00:00:00.123Z

function intCase(name: string, type: DataType, bits: number, signed: boolean, perMs?: readonly [bigint, bigint]): KeyCase {
  const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
  const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
  const picks = [min, min + 1n, -1000n, -1n, 0n, 1n, 2n, 1000n, max - 1n, max];
  if (perMs) picks.push(...[-1n, 0n, 1n].map((d) => (MS * perMs[0]) / perMs[1] + d));
  const inRange = [...new Set(picks.filter((v) => v >= min && v <= max))];
  const big = bits === 64;
  return { name, type, kind: 'int', big, perMs, stored: inRange.map((v) => (big ? v : Number(v))) };
}

const F32 = [-Infinity, -3.4028234663852886e38, -1.5, -0, Math.fround(0.1), 1, 16777217 - 1, 2 ** 31, 1.401298464324817e-45, 3.4028234663852886e38, Infinity, NaN];
const F64 = [-Infinity, -Number.MAX_VALUE, -1.5, -0, 0.1, 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 5e-324, Number.MAX_VALUE, Infinity, NaN];

/** Every key type: int8..int64, uint8..uint64, float32/64, date32/64, timestamp s/ms/us/ns, time32/64, utf8 (control). */
export const KEY_CASES: readonly KeyCase[] = [
  intCase('int8', new Int8(), 8, true), intCase('int16', new Int16(), 16, true),
  intCase('int32', new Int32(), 32, true), intCase('int64', new Int64(), 64, true),
  intCase('uint8', new Uint8(), 8, false), intCase('uint16', new Uint16(), 16, false),
  intCase('uint32', new Uint32(), 32, false), intCase('uint64', new Uint64(), 64, false),
  { name: 'float32', type: new Float32(), kind: 'float', big: false, stored: F32 },
  { name: 'float64', type: new Float64(), kind: 'float', big: false, stored: F64 },
  intCase('date32', new DateDay(), 32, true, [1n, 86_400_000n]),
  intCase('date64', new DateMillisecond(), 64, true, [1n, 1n]),
  intCase('timestamp[s]', new TimestampSecond(), 64, true, [1n, 1000n]),
  intCase('timestamp[ms]', new TimestampMillisecond(), 64, true, [1n, 1n]),
  intCase('timestamp[us]', new TimestampMicrosecond(), 64, true, [1000n, 1n]),
  intCase('timestamp[ns]', new TimestampNanosecond(), 64, true, [1_000_000n, 1n]),
  intCase('time32[s]', new TimeSecond(), 32, true, [1n, 1000n]), intCase('time64[ns]', new TimeNanosecond(), 64, true, [1_000_000n, 1n]),
  { name: 'utf8', type: new Utf8(), kind: 'utf8', big: false, stored: ['', 'a', 'ab', 'b', 'Z', 'é', '\u0000x', '😀', 'zz'] },
];

/**
 * Whether the column takes a literal of this JS kind (else a typed error): the
 * documented rule, incl. "a number beyond ±2^53 on 64-bit storage is refused".
 */
export function validLiteral(c: KeyCase, v: unknown): boolean {
  if (c.kind === 'utf8') return typeof v === 'string';
  if (c.kind === 'float') return typeof v === 'number' || typeof v === 'bigint';
  if (typeof v === 'bigint') return true;
  if (typeof v === 'number') return !(c.big && Number.isFinite(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER);
  return v instanceof Date && c.perMs !== undefined && !Number.isNaN(v.getTime());
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** sign(stored − literal), exactly; the literal is valid for the case. */
export function signOf(c: KeyCase, stored: unknown, lit: unknown): number {
  if (c.kind === 'utf8') return Math.sign(Buffer.compare(utf8(stored as string), utf8(lit as string)));
  if (lit instanceof Date) {
    const [num, den] = c.perMs!;
    const a = BigInt(stored as number | bigint) * den;
    const b = BigInt(lit.getTime()) * num;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const s = stored as number | bigint;
  const l = lit as number | bigint;
  const sNaN = typeof s === 'number' && Number.isNaN(s);
  const lNaN = typeof l === 'number' && Number.isNaN(l);
  if (sNaN || lNaN) return Number(sNaN) - Number(lNaN);
  return s < l ? -1 : s > l ? 1 : 0; // number/bigint relations compare mathematical values
}

/** One random predicate on the key. */
export type Query =
  | { op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'; lits: [unknown] }
  | { op: 'in'; lits: unknown[] }
  | { op: 'between'; lits: [unknown, unknown] };

/** Whether a stored key passes the query in the model. */
export function passes(c: KeyCase, q: Query, stored: unknown): boolean {
  const s = (i: number) => signOf(c, stored, q.lits[i]);
  switch (q.op) {
    case 'eq': return s(0) === 0;
    case 'ne': return s(0) !== 0;
    case 'lt': return s(0) < 0;
    case 'le': return s(0) <= 0;
    case 'gt': return s(0) > 0;
    case 'ge': return s(0) >= 0;
    case 'in': return q.lits.some((_, i) => s(i) === 0);
    case 'between': return s(0) >= 0 && s(1) <= 0;
  }
}
