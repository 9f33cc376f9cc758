/**
 * Primary-key constraints implied by a filter, used to prune early (DESIGN.md
 * invariant 4: "primary-key predicates may prune early").
 *
 * Only top-level conjuncts on a single-column key are used (`eq`, `in`, `lt`,
 * `le`, `gt`, `ge`): every row the filter accepts then satisfies the constraint,
 * so a file or row group whose keys cannot satisfy it holds no accepted row, and
 * a key outside it is never returned — whatever other sources hold for it. That
 * makes pruning safe for dedup too: keys outside the constraint need no entry in
 * the fresh index. Numeric literals are first restated against a value the key
 * type can hold (exact-literal.ts, the same `Bound` filter evaluation uses): a
 * bound beyond the type's range constrains nothing or excludes everything, a
 * bound between two values becomes the right inclusive/exclusive one, and an
 * equality with a value the type cannot hold allows no key — the literal is never
 * wrapped or rounded into the key's typed array.
 */
import { compareBytes, encodeKeys, findKey, type KeyIndex, type KeyRange, type Table } from '@freshtier/core';
import { RecordBatch, Schema, Struct, makeData, type DataType } from 'apache-arrow';
import { exactCompare, isExactNumeric } from './exact-literal.js';
import type { CompareOp, Filter, FilterValue } from './filter.js';
import { coerceValue, rawData } from './key-input.js';

/**
 * Encoded-key bounds every accepted row satisfies.
 *
 * @example
 * ```ts
 * const c = keyConstraintOf(col('id').in([1n, 5n]), table); // { points: [enc(1), enc(5)] }
 * ```
 */
export interface KeyConstraint {
  /** Sorted, unique: the key must be one of these (absent: any key within the bounds). */
  readonly points?: readonly Uint8Array[];
  readonly lo?: Uint8Array;
  readonly loInclusive?: boolean;
  readonly hi?: Uint8Array;
  readonly hiInclusive?: boolean;
}

/**
 * The key constraint of a filter, or undefined when it constrains nothing.
 *
 * @example
 * ```ts
 * keyConstraintOf(and(col('id').ge(10n), col('id').lt(20n)), table);
 * ```
 */
export function keyConstraintOf(filter: Filter | undefined, table: Table): KeyConstraint | undefined {
  if (!filter || table.primaryKey.length !== 1) return undefined;
  const key = table.primaryKey[0];
  const field = table.schema.fields.find((f) => f.name === key)!;
  const enc = encoder(table, key);
  let c: KeyConstraint | undefined;
  for (const f of conjuncts(filter)) {
    if ((f.kind === 'compare' || f.kind === 'in') && f.column === key) c = applyConjunct(c ?? {}, f, field.type, enc) ?? c;
  }
  return c?.points ? { points: c.points.filter((p) => withinBounds(c!, p, 0, p.length)) } : c;
}

/** A key comparison restated against a storable value (see exact-literal.ts); undefined: a literal of the wrong kind. */
type KeyBound = { kind: 'all' } | { kind: 'none' } | { kind: 'cmp'; op: CompareOp; value: unknown };

function keyBound(type: DataType, op: CompareOp, v: FilterValue): KeyBound | undefined {
  if (isExactNumeric(type)) {
    const b = exactCompare(type, op, v);
    return 'expected' in b ? undefined : b;
  }
  const c = coerceValue(type, v);
  return 'value' in c && c.value !== null ? { kind: 'cmp', op, value: c.value } : undefined;
}

/** Narrows `c` by one key conjunct, or undefined when the conjunct cannot prune (e.g. `ne`, a bound beyond every key). */
function applyConjunct(c: KeyConstraint, f: Extract<Filter, { kind: 'compare' | 'in' }>, type: DataType, enc: (raw: unknown) => Uint8Array): KeyConstraint | undefined {
  if (f.kind === 'in') {
    const bounds = f.values.map((v) => keyBound(type, 'eq', v));
    if (bounds.some((b) => !b)) return undefined;
    const pts = bounds.flatMap((b) => (b!.kind === 'cmp' ? [enc(b!.value)] : [])); // a value the key cannot hold matches no key
    return { ...c, points: intersect(c.points, pts) };
  }
  const b = keyBound(type, f.op, f.value);
  if (!b || b.kind === 'all') return undefined;
  if (b.kind === 'none') return { points: [] }; // no key can satisfy it
  return b.op === 'ne' ? undefined : narrow(c, b.op, enc(b.value));
}

function conjuncts(f: Filter): Filter[] {
  return f.kind === 'and' ? f.filters.flatMap(conjuncts) : [f];
}

/** Encodes one raw stored value of the key column (a value the column can hold). */
function encoder(table: Table, key: string): (raw: unknown) => Uint8Array {
  const field = table.schema.fields.find((f) => f.name === key)!;
  const schema = new Schema([field]);
  return (raw) => {
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children: [rawData(field.type, [raw])] }));
    const k = encodeKeys(batch, [key]);
    return k.bytes.slice(k.offsets[0], k.offsets[1]);
  };
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  return compareBytes(a, 0, a.length, b, 0, b.length);
}

function intersect(prev: readonly Uint8Array[] | undefined, next: Uint8Array[]): Uint8Array[] {
  const sorted = [...next].sort(cmp).filter((k, i, a) => i === 0 || cmp(a[i - 1], k) !== 0);
  return prev ? sorted.filter((k) => prev.some((p) => cmp(p, k) === 0)) : sorted;
}

function narrow(c: KeyConstraint, op: string, k: Uint8Array): KeyConstraint {
  const incl = op === 'eq' || op === 'ge' || op === 'le';
  let out = { ...c };
  if (op === 'eq' || op === 'gt' || op === 'ge') {
    const d = c.lo ? cmp(k, c.lo) : 1;
    if (d > 0 || (d === 0 && !incl)) out = { ...out, lo: k, loInclusive: incl };
  }
  if (op === 'eq' || op === 'lt' || op === 'le') {
    const d = c.hi ? cmp(k, c.hi) : -1;
    if (d < 0 || (d === 0 && !incl)) out = { ...out, hi: k, hiInclusive: incl };
  }
  return out;
}

function withinBounds(c: KeyConstraint, bytes: Uint8Array, s: number, e: number): boolean {
  if (c.lo) {
    const d = compareBytes(bytes, s, e, c.lo, 0, c.lo.length);
    if (d < 0 || (d === 0 && !c.loInclusive)) return false;
  }
  if (c.hi) {
    const d = compareBytes(bytes, s, e, c.hi, 0, c.hi.length);
    if (d > 0 || (d === 0 && !c.hiInclusive)) return false;
  }
  return true;
}

/**
 * Whether key `bytes[s, e)` satisfies the constraint.
 *
 * @example
 * ```ts
 * if (!keyAllowed(c, keys.bytes, keys.offsets[i], keys.offsets[i + 1])) continue;
 * ```
 */
export function keyAllowed(c: KeyConstraint, bytes: Uint8Array, s: number, e: number): boolean {
  const pts = c.points;
  if (!pts) return withinBounds(c, bytes, s, e);
  const at = firstWhere(pts.length, (i) => compareBytes(pts[i], 0, pts[i].length, bytes, s, e) >= 0);
  return at < pts.length && compareBytes(pts[at], 0, pts[at].length, bytes, s, e) === 0;
}

/**
 * Whether a file with key range `range` may hold an allowed key (no range: maybe).
 *
 * @example
 * ```ts
 * const files = baseFiles.filter((f) => fileMayMatch(c, keyRangeOf(f)));
 * ```
 */
export function fileMayMatch(c: KeyConstraint, range: KeyRange | undefined): boolean {
  if (!range) return true;
  if (c.points) return c.points.some((p) => cmp(range.min, p) <= 0 && cmp(p, range.max) <= 0);
  if (c.lo && (cmp(range.max, c.lo) < 0 || (cmp(range.max, c.lo) === 0 && !c.loInclusive))) return false;
  if (c.hi && (cmp(range.min, c.hi) > 0 || (cmp(range.min, c.hi) === 0 && !c.hiInclusive))) return false;
  return true;
}

/**
 * Positions of a key index whose keys satisfy the constraint, ascending.
 *
 * @example
 * ```ts
 * for (const pos of indexPositions(index, c)) rowGroups.add(Math.floor(index.rows[pos] / rowGroupSize));
 * ```
 */
export function indexPositions(index: KeyIndex, c: KeyConstraint): number[] {
  if (c.points) return c.points.map((p) => findKey(index, p, 0, p.length)).filter((p) => p >= 0);
  const key = (pos: number): [Uint8Array, number, number] => [index.keyBytes, index.keyOffsets[pos], index.keyOffsets[pos + 1]];
  const from = c.lo ? firstWhere(index.count, (pos) => withinBounds({ lo: c.lo, loInclusive: c.loInclusive }, ...key(pos))) : 0;
  const to = c.hi ? firstWhere(index.count, (pos) => !withinBounds({ hi: c.hi, hiInclusive: c.hiInclusive }, ...key(pos))) : index.count;
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** First position in [0, n) where a monotone (false…true) predicate holds, or n. */
function firstWhere(n: number, pred: (pos: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
