/**
 * The vectorised kernels behind filters: each predicate runs as one tight loop
 * over a column's typed arrays (numbers, bigints, bits, UTF-8/binary bytes) into
 * a three-valued result per row — F (0), T (1) or U (2, unknown because of a
 * null) — combined with Kleene logic. Types without a fast path are read with
 * `Vector.get`. filter.ts compiles expressions onto these kernels.
 *
 * Numeric columns are compared with a `Bound` (exact-literal.ts): a value of the
 * column's own storage (number or bigint, as its typed array holds it), so the
 * comparison in the loop is exact. Floats follow key order (docs/decisions.md
 * "Keys"): `-0` equals `0`, NaN equals NaN and is above every other value.
 */
import { KeyMap, compareBytes } from '@freshtier/core';
import { Type, makeVector, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import type { Bound } from './exact-literal.js';
import type { CompareOp } from './filter.js';

/**
 * Three-valued results: false, true, unknown.
 *
 * @example
 * ```ts
 * const passes = result[i] === T; // U (null involved) does not pass
 * ```
 */
export const F = 0;
/** True (see {@link F}). */
export const T = 1;
/** Unknown (see {@link F}). */
export const U = 2;

/**
 * How a column's values are read: straight from a typed array, as bytes, as bits, or via `Vector.get`.
 *
 * @example
 * ```ts
 * access(new Utf8()); // 'bytes'
 * ```
 */
export function access(type: DataType): 'num' | 'bytes' | 'bool' | 'generic' {
  switch (type.typeId) {
    case Type.Int: case Type.Date: case Type.Timestamp: case Type.Time: case Type.Duration: return 'num';
    case Type.Float: return (type as unknown as { precision: number }).precision === 0 ? 'generic' : 'num';
    case Type.Utf8: case Type.Binary: return 'bytes';
    case Type.Bool: return 'bool';
    default: return 'generic';
  }
}

/**
 * The single chunk of a column (undefined when the batch lacks it).
 *
 * @example
 * ```ts
 * const ages = columnData(batch, 'age');
 * ```
 */
export function columnData(b: RecordBatch, name: string): Data | undefined {
  return b.getChild(name)?.data[0];
}

function withNulls(d: Data, out: Uint8Array): Uint8Array {
  if (d.nullCount === 0) return out;
  for (let i = 0; i < out.length; i++) if (!d.getValid(i)) out[i] = U;
  return out;
}

/**
 * T where null (a missing column is all nulls).
 *
 * @example
 * ```ts
 * const r = isNullColumn(columnData(batch, 'email'), batch.numRows);
 * ```
 */
export function isNullColumn(d: Data | undefined, n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (!d) return out.fill(T);
  if (d.nullCount > 0) for (let i = 0; i < n; i++) out[i] = d.getValid(i) ? F : T;
  return out;
}

/**
 * `column <op> bound` per row for a numeric column (see exact-literal.ts); nulls are U.
 *
 * @example
 * ```ts
 * const r = compareBound(columnData(batch, 'age'), batch.numRows, exactCompare(new Int32(), 'gt', 30));
 * ```
 */
export function compareBound(d: Data | undefined, n: number, b: Bound): Uint8Array {
  if (!d) return new Uint8Array(n).fill(U);
  const out = new Uint8Array(n);
  if (b.kind !== 'cmp') return withNulls(d, out.fill(b.kind === 'all' ? T : F));
  const values = d.values as unknown as ArrayLike<number>;
  if (d.type.typeId === Type.Float) compareFloats(values, d.offset, n, b.op, b.value as number, out);
  else compareValues(values, d.offset, n, b.op, b.value as number, out);
  return withNulls(d, out);
}

/** As compareValues, with NaN equal to NaN and above every other float (key order). */
function compareFloats(v: ArrayLike<number>, o: number, n: number, op: CompareOp, x: number, out: Uint8Array): void {
  if (Number.isNaN(x)) {
    const nanPasses = op === 'eq' || op === 'le' || op === 'ge';
    const otherPasses = op === 'ne' || op === 'lt' || op === 'le';
    for (let i = 0; i < n; i++) out[i] = (v[o + i] !== v[o + i] ? nanPasses : otherPasses) ? T : F;
    return;
  }
  compareValues(v, o, n, op, x, out); // NaN fails <, <=, === and passes !==, as key order says
  if (op === 'gt' || op === 'ge') for (let i = 0; i < n; i++) if (v[o + i] !== v[o + i]) out[i] = T;
}

/**
 * `column <op> literal` per row for a non-numeric column; nulls are U. The literal
 * is the raw stored value (UTF-8 bytes, 0/1 for booleans, the value `Vector.get` returns).
 *
 * @example
 * ```ts
 * const r = compareColumn(columnData(batch, 'name'), batch.numRows, 'gt', new TextEncoder().encode('m'));
 * ```
 */
export function compareColumn(d: Data | undefined, n: number, op: CompareOp, lit: unknown): Uint8Array {
  if (!d) return new Uint8Array(n).fill(U);
  const out = new Uint8Array(n);
  const kind = access(d.type);
  if (kind === 'bool') compareValues(bitValues(d, n), 0, n, op, lit as number, out);
  else if (kind === 'bytes') compareValues(byteSigns(d, n, lit as Uint8Array), 0, n, op, 0, out);
  else compareValues(genericSigns(d, n, lit), 0, n, op, 0, out);
  return withNulls(d, out);
}

/** One tight loop per operator; works for numbers and bigints alike. */
function compareValues(v: ArrayLike<number>, o: number, n: number, op: CompareOp, x: number, out: Uint8Array): void {
  switch (op) {
    case 'eq': for (let i = 0; i < n; i++) out[i] = v[o + i] === x ? T : F; break;
    case 'ne': for (let i = 0; i < n; i++) out[i] = v[o + i] !== x ? T : F; break;
    case 'lt': for (let i = 0; i < n; i++) out[i] = v[o + i] < x ? T : F; break;
    case 'le': for (let i = 0; i < n; i++) out[i] = v[o + i] <= x ? T : F; break;
    case 'gt': for (let i = 0; i < n; i++) out[i] = v[o + i] > x ? T : F; break;
    case 'ge': for (let i = 0; i < n; i++) out[i] = v[o + i] >= x ? T : F; break;
  }
}

function bitValues(d: Data, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const bits = d.values as Uint8Array;
  for (let i = 0; i < n; i++) out[i] = (bits[(d.offset + i) >> 3] >> ((d.offset + i) & 7)) & 1;
  return out;
}

/** Sign of (value − literal) per row for utf8/binary, by bytes. */
function byteSigns(d: Data, n: number, lit: Uint8Array): Int8Array {
  const out = new Int8Array(n);
  const offs = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  for (let i = 0; i < n; i++) out[i] = Math.sign(compareBytes(bytes, offs[d.offset + i], offs[d.offset + i + 1], lit, 0, lit.length));
  return out;
}

function genericSigns(d: Data, n: number, lit: unknown): Float64Array {
  const vec = makeVector(d);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = compareAny(vec.get(i), lit);
  return out;
}

/** Compares two JS values of one column (numbers, bigints, strings, Dates, bytes); NaN when incomparable. */
function compareAny(a: unknown, b: unknown): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (x instanceof Uint8Array && y instanceof Uint8Array) return Math.sign(compareBytes(x, 0, x.length, y, 0, y.length));
  if (x === null || x === undefined || y === null || y === undefined) return NaN;
  const xNaN = Number.isNaN(x);
  const yNaN = Number.isNaN(y);
  if (xNaN || yNaN) return Number(xNaN) - Number(yNaN); // NaN is one value, above every number (key order)
  // eslint-disable-next-line eqeqeq -- number vs bigint compare by value
  return (x as number) == (y as number) ? 0 : (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : NaN;
}

/**
 * `column in literals` per row; nulls are U.
 *
 * @example
 * ```ts
 * const r = inColumn(columnData(batch, 'id'), batch.numRows, [1n, 2n]);
 * ```
 */
export function inColumn(d: Data | undefined, n: number, lits: unknown[]): Uint8Array {
  if (!d) return new Uint8Array(n).fill(U);
  const out = new Uint8Array(n);
  const kind = access(d.type);
  if (kind === 'num' || kind === 'bool') {
    const set = new Set(lits);
    const v = kind === 'bool' ? bitValues(d, n) : (d.values as unknown as ArrayLike<number>);
    const o = kind === 'bool' ? 0 : d.offset;
    for (let i = 0; i < n; i++) out[i] = set.has(v[o + i]) ? T : F;
  } else if (kind === 'bytes') {
    inBytes(d, n, lits as Uint8Array[], out);
  } else {
    const vec = makeVector(d);
    for (let i = 0; i < n; i++) out[i] = lits.some((l) => compareAny(vec.get(i), l) === 0) ? T : F;
  }
  return withNulls(d, out);
}

function inBytes(d: Data, n: number, lits: Uint8Array[], out: Uint8Array): void {
  const set = new KeyMap(1, lits.length);
  for (const l of lits) set.upsert(l, 0, l.length);
  const offs = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  for (let i = 0; i < n; i++) out[i] = set.find(bytes, offs[d.offset + i], offs[d.offset + i + 1]) >= 0 ? T : F;
}

/**
 * Kleene AND, in place into `a`.
 *
 * @example
 * ```ts
 * kleeneAnd(Uint8Array.of(T, U), Uint8Array.of(U, F)); // [U, F]
 * ```
 */
export function kleeneAnd(a: Uint8Array, b: Uint8Array): Uint8Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i] === F || b[i] === F ? F : a[i] === U || b[i] === U ? U : T;
  return a;
}

/**
 * Kleene OR, in place into `a`.
 *
 * @example
 * ```ts
 * kleeneOr(Uint8Array.of(F, U), Uint8Array.of(U, T)); // [U, T]
 * ```
 */
export function kleeneOr(a: Uint8Array, b: Uint8Array): Uint8Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i] === T || b[i] === T ? T : a[i] === U || b[i] === U ? U : F;
  return a;
}
