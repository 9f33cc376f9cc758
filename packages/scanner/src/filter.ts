/**
 * Row filters: a small typed expression API, evaluated vectorised over a whole
 * batch into a selection.
 *
 * Filters are plain data (`{ kind: 'compare', column, op, value }` …) built with
 * `col('age').gt(30)`, `and(…)`, `or(…)`, `not(…)`, so they can be logged and
 * inspected. Nulls follow SQL's three-valued logic: a comparison with a null is
 * unknown, `not(unknown)` is unknown, and only rows that are definitely true pass.
 *
 * A scan applies the filter AFTER dedup (DESIGN.md invariant 4): it is evaluated
 * on the newest version of each key only, so an older version can never
 * resurface because the newest one fails. Primary-key conjuncts additionally
 * prune files early (see key-constraint.ts), which never changes the result.
 *
 * Literal types follow the column: a `number` or `bigint` for integers and
 * floats (64-bit integers: a `bigint`, or a number within ±2^53), strings for
 * utf8 (compared by UTF-8 bytes, i.e. code point order), `Uint8Array` for binary,
 * booleans, and `Date` (or a number/bigint in the stored unit) for dates and
 * timestamps. Numeric literals compare exactly, as mathematics says, whether or
 * not the column's type can hold them (exact-literal.ts): `lt(2 ** 40)` on an
 * Int32 column holds for every value, `eq(0.1)` on a Float32 column for none.
 * Floats follow key order: `-0` equals `0`, NaN equals NaN and is above +Infinity.
 */
import { InvalidOptionsError } from '@freshtier/core';
import type { DataType, RecordBatch, Schema } from 'apache-arrow';
import { exactCompare, isExactNumeric, type Bound } from './exact-literal.js';
import { T, U, access, columnData, compareBound, compareColumn, inColumn, isNullColumn, kleeneAnd, kleeneOr } from './filter-eval.js';
import { coerceValue } from './key-input.js';

/**
 * A comparison operator.
 *
 * @example
 * ```ts
 * const op: CompareOp = 'ge'; // { kind: 'compare', column: 'age', op, value: 18 }
 * ```
 */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/**
 * A literal a filter compares with (its JS type must suit the column's type).
 *
 * @example
 * ```ts
 * const v: FilterValue = 42n; // for an Int64 column
 * ```
 */
export type FilterValue = number | bigint | string | boolean | Date | Uint8Array;

/**
 * A filter expression.
 *
 * @example
 * ```ts
 * const f: Filter = and(col('age').ge(18), or(col('country').in(['FR', 'DE']), col('vip').eq(true)));
 * ```
 */
export type Filter =
  | { readonly kind: 'compare'; readonly column: string; readonly op: CompareOp; readonly value: FilterValue }
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly FilterValue[] }
  | { readonly kind: 'isNull'; readonly column: string }
  | { readonly kind: 'and' | 'or'; readonly filters: readonly Filter[] }
  | { readonly kind: 'not'; readonly filter: Filter };

/**
 * A column in a filter expression; its methods build predicates.
 *
 * @example
 * ```ts
 * col('age').gt(30); col('id').in([1n, 2n]); col('email').isNull();
 * ```
 */
export class ColumnRef {
  constructor(readonly name: string) {}
  eq(value: FilterValue): Filter { return this.cmp('eq', value); }
  ne(value: FilterValue): Filter { return this.cmp('ne', value); }
  lt(value: FilterValue): Filter { return this.cmp('lt', value); }
  le(value: FilterValue): Filter { return this.cmp('le', value); }
  gt(value: FilterValue): Filter { return this.cmp('gt', value); }
  ge(value: FilterValue): Filter { return this.cmp('ge', value); }
  in(values: readonly FilterValue[]): Filter { return { kind: 'in', column: this.name, values: [...values] }; }
  isNull(): Filter { return { kind: 'isNull', column: this.name }; }
  isNotNull(): Filter { return not(this.isNull()); }
  private cmp(op: CompareOp, value: FilterValue): Filter { return { kind: 'compare', column: this.name, op, value }; }
}

/**
 * Refers to a column of the table.
 *
 * @example
 * ```ts
 * scanner.scan({ filter: col('age').gt(30) });
 * ```
 */
export function col(name: string): ColumnRef {
  return new ColumnRef(name);
}

/**
 * True where every filter is true.
 *
 * @example
 * ```ts
 * and(col('a').gt(1), col('b').lt(5));
 * ```
 */
export function and(...filters: Filter[]): Filter {
  return { kind: 'and', filters };
}

/**
 * True where any filter is true.
 *
 * @example
 * ```ts
 * or(col('a').eq(1), col('a').isNull());
 * ```
 */
export function or(...filters: Filter[]): Filter {
  return { kind: 'or', filters };
}

/**
 * True where the filter is false (unknown stays unknown).
 *
 * @example
 * ```ts
 * not(col('status').eq('deleted'));
 * ```
 */
export function not(filter: Filter): Filter {
  return { kind: 'not', filter };
}

type Node = (batch: RecordBatch) => Uint8Array;

/**
 * A filter checked against a schema, ready to evaluate.
 *
 * @example
 * ```ts
 * const c = compileFilter(col('age').gt(30), table.schema);
 * const pass = c.evaluate(batch); // pass[i] === 1 where row i passes
 * ```
 */
export interface CompiledFilter {
  /** Columns the filter reads. */
  readonly columns: readonly string[];
  /** 1 where the row definitely passes, else 0. */
  evaluate(batch: RecordBatch): Uint8Array;
}

/**
 * Validates `filter` against `schema` (unknown column, literal of the wrong type →
 * `InvalidOptionsError`) and compiles it.
 *
 * @example
 * ```ts
 * const c = compileFilter(and(col('id').ge(10n), col('name').ne('x')), table.schema);
 * ```
 */
export function compileFilter(filter: Filter, schema: Schema): CompiledFilter {
  const columns = new Set<string>();
  const node = compile(filter, schema, columns, 'filter');
  return {
    columns: [...columns],
    evaluate(batch) {
      const r = node(batch);
      for (let i = 0; i < r.length; i++) r[i] = r[i] === T ? 1 : 0;
      return r;
    },
  };
}

function bad(path: string, message: string): InvalidOptionsError {
  return new InvalidOptionsError('filter', [{ path, message }]);
}

function compile(f: Filter, schema: Schema, columns: Set<string>, path: string): Node {
  if (!f || typeof f !== 'object') throw bad(path, 'not a filter; build one with col(name).eq(value), and(...), or(...), not(...)');
  if (f.kind === 'and' || f.kind === 'or') {
    if (!Array.isArray(f.filters) || f.filters.length === 0) throw bad(path, `${f.kind}() needs at least one filter`);
    const parts = f.filters.map((x, i) => compile(x, schema, columns, `${path}.${f.kind}.${i}`));
    const combine = f.kind === 'and' ? kleeneAnd : kleeneOr;
    return (b) => parts.map((p) => p(b)).reduce(combine);
  }
  if (f.kind === 'not') {
    const inner = compile(f.filter, schema, columns, `${path}.not`);
    return (b) => inner(b).map((v) => (v === U ? U : 1 - v));
  }
  return compileLeaf(f, schema, columns, path);
}

/** Predicates on one column: the literal is checked and coerced once, here. */
function compileLeaf(f: Filter, schema: Schema, columns: Set<string>, path: string): Node {
  if (f.kind === 'isNull') {
    fieldOf(schema, f.column, path, columns);
    return (b) => isNullColumn(columnData(b, f.column), b.numRows);
  }
  if (f.kind === 'compare') {
    const field = fieldOf(schema, f.column, path, columns);
    if (isExactNumeric(field.type)) {
      const bound = numericBound(field.type, f.op, f.value, f.column, `${path}.value`);
      return (b) => compareBound(columnData(b, f.column), b.numRows, bound);
    }
    const lit = literal(field.type, f.value, f.column, `${path}.value`);
    return (b) => compareColumn(columnData(b, f.column), b.numRows, f.op, lit);
  }
  if (f.kind === 'in') {
    const field = fieldOf(schema, f.column, path, columns);
    if (!Array.isArray(f.values)) throw bad(path, 'in() takes an array of values');
    const lits = f.values.flatMap((v, i) => {
      if (!isExactNumeric(field.type)) return [literal(field.type, v, f.column, `${path}.values.${i}`)];
      const b = numericBound(field.type, 'eq', v, f.column, `${path}.values.${i}`);
      return b.kind === 'cmp' ? [b.value] : []; // a value the column cannot hold equals no row
    });
    return (b) => inColumn(columnData(b, f.column), b.numRows, lits);
  }
  throw bad(path, `unknown filter kind "${(f as { kind?: unknown }).kind}"`);
}

function fieldOf(schema: Schema, name: string, path: string, columns: Set<string>) {
  const field = schema.fields.find((x) => x.name === name);
  if (!field) throw bad(`${path}.column`, `unknown column "${name}" (available: ${schema.fields.map((x) => x.name).join(', ')})`);
  columns.add(name);
  return field;
}

/** A comparison with a numeric column, restated exactly against a value the column can hold. */
function numericBound(type: DataType, op: CompareOp, v: unknown, column: string, path: string): Bound {
  if (v === null || v === undefined) throw bad(path, `compare "${column}" with a value; use col("${column}").isNull() for nulls`);
  const b = exactCompare(type, op, v);
  if ('expected' in b) throw bad(path, `column "${column}" is ${String(type)}: compare it with ${b.expected}`);
  return b;
}

/** A literal of a non-numeric column coerced to the raw value stored for its type. */
function literal(type: DataType, v: unknown, column: string, path: string): unknown {
  if (v === null || v === undefined) throw bad(path, `compare "${column}" with a value; use col("${column}").isNull() for nulls`);
  const c = coerceValue(type, v);
  if ('expected' in c) throw bad(path, `column "${column}" is ${String(type)}: compare it with ${c.expected}`);
  const value = 'value' in c ? c.value : undefined;
  if (access(type) === 'bytes') return typeof value === 'string' ? new TextEncoder().encode(value) : value;
  if (access(type) === 'bool') return value ? 1 : 0;
  return value instanceof Date ? value.getTime() : value;
}
