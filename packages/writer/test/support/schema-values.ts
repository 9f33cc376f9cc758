/**
 * Column kinds and values for the schema-evolution tests (issue 17): random values of every
 * kind a test column can have, the Arrow batches that carry them, and one canonical text per
 * value so two reads compare exactly (bigints stay bigints, -0 stays -0, NaN and null differ).
 *
 * A value's canonical form does not change when its column is widened: integers are bigints
 * whatever their width, dates and timestamps are epoch milliseconds (as Arrow JS reads both),
 * floats are the float32 value itself, strings stay strings. So a model row written before a
 * widening reads the same after it, as the contract says a widened column must.
 *
 * @example
 * ```ts
 * const v = randomValue(rng, 'int8', true);            // a bigint in -128..127, or null
 * const b = batchOf([['id', arrowType('int64'), [1n]], ['a', arrowType('int8'), [arrowInput('int8', v)]]]);
 * expect(canon(readValue('int8', b.getChildAt(1)!.get(0)))).toBe(canon(v));
 * ```
 */
import { Bool, DateDay, Float32, Float64, Int16, Int32, Int64, Int8, LargeUtf8, TimestampMillisecond, Utf8, type DataType } from 'apache-arrow';

/** The kinds of test column. */
export type Kind = 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'date32' | 'timestamp' | 'utf8' | 'large_utf8' | 'bool';

/** A model value: bigint (integers), number (floats; dates and timestamps as epoch ms), string, boolean or null. */
export type Value = bigint | number | string | boolean | null;

/** A seeded source of randomness (reliability/src/data.ts `prng`). */
export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

const DAY_MS = 86_400_000;

/** The Arrow type of a kind. */
export function arrowType(kind: Kind): DataType {
  switch (kind) {
    case 'int8': return new Int8();
    case 'int16': return new Int16();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'date32': return new DateDay();
    case 'timestamp': return new TimestampMillisecond();
    case 'utf8': return new Utf8();
    case 'large_utf8': return new LargeUtf8();
    case 'bool': return new Bool();
  }
}

/** The widenings the contract allows on the test kinds (one step each). */
export const WIDER: Partial<Record<Kind, Kind>> = { int8: 'int16', int16: 'int32', int32: 'int64', float32: 'float64', date32: 'timestamp', utf8: 'large_utf8' };

const INT_RANGE: Record<'int8' | 'int16' | 'int32' | 'int64', bigint> = { int8: 1n << 7n, int16: 1n << 15n, int32: 1n << 31n, int64: 1n << 63n };
const F32 = [-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, Math.fround(0.1), Math.fround(-3.4e38), Math.fround(1e-45)];
const F64 = [-0, 0, Number.NaN, Number.NEGATIVE_INFINITY, 0.1, 1e308, -5e-324, 2 ** 53 + 2];
const STRINGS = ['', 'a', 'é', '😀x', 'line\nbreak', ' spaced '];

/** A random value of `kind` (null sometimes when `nullable`), edges of the type's range included. */
export function randomValue(rng: Rng, kind: Kind, nullable: boolean): Value {
  if (nullable && rng.chance(0.2)) return null;
  switch (kind) {
    case 'int8': case 'int16': case 'int32': case 'int64': {
      const r = INT_RANGE[kind];
      const edges = [-r, r - 1n, 0n, -1n];
      return rng.chance(0.3) ? rng.pick(edges) : BigInt(rng.int(-1_000_000, 1_000_000)) % r;
    }
    case 'float32': return rng.chance(0.5) ? rng.pick(F32) : Math.fround((rng.next() - 0.5) * 1e6);
    case 'float64': return rng.chance(0.5) ? rng.pick(F64) : (rng.next() - 0.5) * 1e12;
    case 'date32': return rng.int(-100_000, 100_000) * DAY_MS;
    case 'timestamp': return rng.int(-1e13, 1e13);
    case 'utf8': case 'large_utf8': return rng.chance(0.5) ? rng.pick(STRINGS) : `k${rng.int(0, 1000)}`;
    case 'bool': return rng.chance(0.5);
  }
}

/** What `vectorFromArray(…, arrowType(kind))` takes for a model value. */
export function arrowInput(kind: Kind, v: Value): unknown {
  if (v === null) return null;
  if (kind === 'int8' || kind === 'int16' || kind === 'int32') return Number(v);
  return v; // int64: bigint; date32 / timestamp: epoch ms (Arrow's DateDay setter divides by a day)
}

/** The model value of what Arrow JS read from a column of `kind`. */
export function readValue(kind: Kind, raw: unknown): Value {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case 'int8': case 'int16': case 'int32':
      // a narrow integer must read as a number, int64 as a bigint: anything else is kept as is, and so differs
      return typeof raw === 'number' ? BigInt(raw) : `unexpected ${typeof raw} ${String(raw)}`;
    case 'int64':
      return typeof raw === 'bigint' ? raw : `unexpected ${typeof raw} ${String(raw)}`;
    default:
      return raw as Value;
  }
}

/** One exact text per value: `12n`, `-0`, `NaN`, `"s"`, `true`, `null`. */
export function canon(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** A default of `kind` in the form `evolveSchema` takes, and the model value it reads as. */
export function randomDefault(rng: Rng, kind: Kind): { given: bigint | number | string | boolean; value: Value } {
  const value = randomValue(rng, kind, false)!;
  switch (kind) {
    case 'int8': case 'int16': case 'int32': return { given: Number(value), value };
    case 'date32': return { given: (value as number) / DAY_MS, value }; // days, the type's unit
    default: return { given: value as bigint | number | string | boolean, value };
  }
}
