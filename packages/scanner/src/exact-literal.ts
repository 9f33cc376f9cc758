/**
 * Exact comparison of a literal (a filter value or a lookup key) with the values
 * a numeric column can hold: integers, floats, dates, times, timestamps and
 * durations (DESIGN.md "Errors": a value is taken exactly, never wrapped or rounded).
 *
 * A literal is first placed among the type's values (`Point`), with BigInt
 * arithmetic for integers and time units (a `Date` is its milliseconds times the
 * unit's factor). A comparison then becomes an equivalent one against a value the
 * column can store (`Bound`): a bound beyond the type's range accepts every value
 * or none, a bound between two representable values becomes the right inclusive or
 * exclusive bound (`gt(0.1)` on float32 is `ge(fround(0.1))`, `lt(1.5 s)` on
 * timestamp[s] is `le(1 s)`), and an equality with a value the type cannot hold
 * matches nothing. Filter evaluation and key pruning both use the `Bound`, so
 * they agree by construction.
 *
 * Floats follow key order (docs/decisions.md "Keys"): `-0` equals `0`, every NaN
 * is one value above +Infinity. On an integer domain NaN therefore sits above
 * every value, like +Infinity.
 */
import { Type, type DataType } from 'apache-arrow';
import type { CompareOp } from './filter.js';

/**
 * A comparison restated against a value of the column's own storage: every
 * non-null value passes (`all`), none does (`none`), or `value <op> bound.value`
 * with `value` a number or bigint as the column's typed array holds it.
 *
 * @example
 * ```ts
 * exactCompare(new Int32(), 'lt', 2 ** 40); // { kind: 'all' }
 * exactCompare(new Uint32(), 'gt', -1);     // { kind: 'all' }
 * exactCompare(new Float32(), 'gt', 0.1);   // { kind: 'cmp', op: 'ge', value: Math.fround(0.1) }
 * ```
 */
export type Bound =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'cmp'; readonly op: CompareOp; readonly value: number | bigint };

/** Where a literal sits among a type's values. */
type Point =
  /** Integer domains, in the stored unit: the literal's floor, and whether it is that integer. */
  | { readonly kind: 'int'; readonly floor: bigint; readonly exact: boolean }
  /** Floats: a representable value next to the literal, and sign(value − literal). */
  | { readonly kind: 'float'; readonly value: number; readonly side: number }
  /** Beyond every value of the type (NaN on an integer domain: above). */
  | { readonly kind: 'inf'; readonly sign: 1 | -1 };

type Expected = { readonly expected: string };

interface IntDomain {
  readonly min: bigint;
  readonly max: bigint;
  readonly big: boolean;
  /** Stored units per millisecond as [numerator, denominator], for `Date` literals (undefined: no Dates). */
  readonly perMs?: readonly [bigint, bigint];
}

const RANGES = new Map<unknown, [bigint, bigint]>([
  [Int8Array, [-(2n ** 7n), 2n ** 7n - 1n]], [Uint8Array, [0n, 2n ** 8n - 1n]],
  [Int16Array, [-(2n ** 15n), 2n ** 15n - 1n]], [Uint16Array, [0n, 2n ** 16n - 1n]],
  [Int32Array, [-(2n ** 31n), 2n ** 31n - 1n]], [Uint32Array, [0n, 2n ** 32n - 1n]],
  [BigInt64Array, [-(2n ** 63n), 2n ** 63n - 1n]], [BigUint64Array, [0n, 2n ** 64n - 1n]],
]);

// TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND: stored units per millisecond
const PER_MS: readonly (readonly [bigint, bigint])[] = [[1n, 1000n], [1n, 1n], [1000n, 1n], [1_000_000n, 1n]];
const MS_PER_DAY = 86_400_000n;

/**
 * Whether `exactCompare` / `exactKey` handle this type (integers, float32/64,
 * dates, times, timestamps, durations); other types keep their own coercion.
 *
 * @example
 * ```ts
 * isExactNumeric(new TimestampNanosecond()); // true
 * ```
 */
export function isExactNumeric(type: DataType): boolean {
  return intDomain(type) !== undefined || floatBits(type) !== undefined;
}

function intDomain(type: DataType): IntDomain | undefined {
  const range = RANGES.get(type.ArrayType);
  if (!range) return undefined;
  const big = range[1] > 2n ** 32n;
  const unit = (type as unknown as { unit: number }).unit;
  switch (type.typeId) {
    case Type.Int: case Type.Duration: return { min: range[0], max: range[1], big };
    case Type.Date: return { min: range[0], max: range[1], big, perMs: unit === 0 ? [1n, MS_PER_DAY] : [1n, 1n] };
    case Type.Timestamp: case Type.Time: return { min: range[0], max: range[1], big, perMs: PER_MS[unit] };
    default: return undefined;
  }
}

function floatBits(type: DataType): 32 | 64 | undefined {
  if (type.typeId !== Type.Float) return undefined;
  const p = (type as unknown as { precision: number }).precision;
  return p === 1 ? 32 : p === 2 ? 64 : undefined;
}

/**
 * `column <op> v` restated against a value the column can store. Throws
 * `TypeError` for a type `isExactNumeric` refuses; `{ expected }` for a literal of the wrong kind.
 *
 * @example
 * ```ts
 * exactCompare(new TimestampSecond(), 'lt', new Date(1500)); // { kind: 'cmp', op: 'le', value: 1n }
 * ```
 */
export function exactCompare(type: DataType, op: CompareOp, v: unknown): Bound | Expected {
  const p = pointOf(type, v);
  if ('expected' in p) return p;
  if (p.kind === 'inf') return beyond(op, p.sign);
  if (p.kind === 'float') return floatBound(op, p);
  return intBound(intDomain(type)!, op, p);
}

/**
 * The stored value equal to key `v`, or `absent` when no value of the type equals
 * it (out of range, a fraction on an integer column, 0.1 on float32): such a key
 * matches nothing.
 *
 * @example
 * ```ts
 * exactKey(new Int32(), 2 ** 32 + 1); // { absent: true }
 * exactKey(new Int64(), 7);           // { value: 7n }
 * ```
 */
export function exactKey(type: DataType, v: unknown): { value: number | bigint } | { absent: true } | Expected {
  const b = exactCompare(type, 'eq', v);
  if ('expected' in b) return b;
  return b.kind === 'cmp' ? { value: b.value } : { absent: true };
}

function pointOf(type: DataType, v: unknown): Point | Expected {
  const bits = floatBits(type);
  if (bits) return floatPoint(bits, v);
  const d = intDomain(type);
  if (!d) throw new TypeError(`${String(type)} is not compared by exact-literal.ts`);
  return intPoint(d, v);
}

function intPoint(d: IntDomain, v: unknown): Point | Expected {
  if (v instanceof Date && d.perMs) return datePoint(v, d.perMs);
  if (typeof v === 'bigint') return { kind: 'int', floor: v, exact: true };
  if (typeof v !== 'number') return { expected: kindText(d) };
  if (Number.isNaN(v) || v === Infinity) return { kind: 'inf', sign: 1 };
  if (v === -Infinity) return { kind: 'inf', sign: -1 };
  // a number beyond ±2^53 on 64-bit storage may be an in-range integer already rounded (JSON.parse): refuse it
  if (d.big && Math.abs(v) > Number.MAX_SAFE_INTEGER) return { expected: kindText(d) };
  const floor = Math.floor(v);
  return { kind: 'int', floor: BigInt(floor), exact: floor === v };
}

function kindText(d: IntDomain): string {
  const num = d.big ? 'a bigint or an integral number (beyond ±2^53 a bigint: a larger number may already be rounded)' : 'a number or a bigint';
  return d.perMs ? `a Date, or ${num} in the column's unit` : num;
}

function datePoint(v: Date, [num, den]: readonly [bigint, bigint]): Point | Expected {
  const ms = v.getTime();
  if (Number.isNaN(ms)) return { expected: 'a valid Date (this one is an Invalid Date)' };
  const scaled = BigInt(ms) * num;
  const rem = scaled % den;
  const floor = scaled / den - (rem < 0n ? 1n : 0n); // BigInt division truncates; floor it
  return { kind: 'int', floor, exact: rem === 0n };
}

function floatPoint(bits: 32 | 64, v: unknown): Point | Expected {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { kind: 'float', value: NaN, side: 0 };
    const value = bits === 32 ? Math.fround(v) : v;
    // two distinct doubles never subtract to 0, so the sign is exact (±Infinity: equal, or the sign of value)
    return { kind: 'float', value: value === 0 ? 0 : value, side: value === v ? 0 : Math.sign(value - v) };
  }
  if (typeof v !== 'bigint') return { expected: 'a number or a bigint' };
  // rounding is monotone, so the result is one of the two floats around v: nothing lies between
  const value = bits === 32 ? Math.fround(Number(v)) : Number(v);
  return { kind: 'float', value, side: sideOf(value, v) };
}

/** sign(f − b), exactly. */
function sideOf(f: number, b: bigint): number {
  if (!Number.isFinite(f)) return Math.sign(f);
  const fl = BigInt(Math.floor(f));
  if (fl !== b) return fl > b ? 1 : -1;
  return Number.isInteger(f) ? 0 : 1;
}

function beyond(op: CompareOp, sign: 1 | -1): Bound {
  if (op === 'ne') return { kind: 'all' };
  if (op === 'eq') return { kind: 'none' };
  const below = op === 'lt' || op === 'le'; // values below the literal pass
  return { kind: below === sign > 0 ? 'all' : 'none' };
}

function floatBound(op: CompareOp, p: Extract<Point, { kind: 'float' }>): Bound {
  const { value, side } = p;
  if (op === 'eq' || op === 'ne') return side === 0 ? { kind: 'cmp', op, value } : { kind: op === 'eq' ? 'none' : 'all' };
  if (side === 0) return { kind: 'cmp', op, value };
  // no float lies strictly between the literal and `value`
  if (op === 'lt' || op === 'le') return { kind: 'cmp', op: side > 0 ? 'lt' : 'le', value };
  return { kind: 'cmp', op: side > 0 ? 'ge' : 'gt', value };
}

function intBound(d: IntDomain, op: CompareOp, p: Extract<Point, { kind: 'int' }>): Bound {
  const { floor, exact } = p;
  if (op === 'eq' || op === 'ne') {
    const holds = exact && floor >= d.min && floor <= d.max;
    return holds ? { kind: 'cmp', op, value: stored(d, floor) } : { kind: op === 'eq' ? 'none' : 'all' };
  }
  if (op === 'lt' || op === 'le') {
    const hi = op === 'lt' && exact ? floor - 1n : floor; // the largest integer that passes
    return hi < d.min ? { kind: 'none' } : hi >= d.max ? { kind: 'all' } : { kind: 'cmp', op: 'le', value: stored(d, hi) };
  }
  const lo = op === 'ge' && exact ? floor : floor + 1n; // the smallest integer that passes
  return lo > d.max ? { kind: 'none' } : lo <= d.min ? { kind: 'all' } : { kind: 'cmp', op: 'ge', value: stored(d, lo) };
}

function stored(d: IntDomain, v: bigint): number | bigint {
  return d.big ? v : Number(v);
}
