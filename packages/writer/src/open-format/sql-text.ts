/**
 * SQL text pieces the latest-state view is built from: quoting, and the ORDER BY terms
 * that put a column's values in freshtier's total order (docs/merge-engines.md "Orders
 * are total") in DuckDB.
 *
 * DuckDB already orders most types as the merge does: integers, dates, times and
 * timestamps by value; strings and blobs by their bytes (the default binary collation);
 * NaN above every other float, all NaNs equal. Two things differ, both for floats: it
 * sorts -0 and +0 as equal, and a -0 it sorts or partitions on directly comes out as +0.
 * So a float is ordered by `x + 0.0` (the value stays untouched) and then by "is -0".
 */
import { Type, type DataType } from 'apache-arrow';

/**
 * A quoted SQL identifier.
 *
 * @example
 * ```ts
 * ident('my "col"'); // '"my ""col"""'
 * ```
 */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A quoted SQL string literal.
 *
 * @example
 * ```ts
 * literal("it's"); // "'it''s'"
 * ```
 */
export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Whether values of this type are floats (ordered and partitioned through `+ 0.0`).
 *
 * @example
 * ```ts
 * isFloat(new Float64()); // true
 * ```
 */
export function isFloat(t: DataType): boolean {
  return t.typeId === Type.Float;
}

/**
 * The ORDER BY terms that sort `expr` (of type `type`) ascending or descending in
 * freshtier's total order, with nulls lowest (a missing sequence value sorts first, as
 * the merge's `compareSeq` has it): -0 below +0, NaN above everything.
 *
 * @example
 * ```ts
 * totalOrder(new Float64(), '"seq"', 'DESC');
 * // ['"seq" + 0.0 DESC NULLS LAST', '("seq" = 0 AND signbit("seq")) ASC']
 * ```
 */
export function totalOrder(type: DataType, expr: string, dir: 'ASC' | 'DESC'): string[] {
  const nulls = dir === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST';
  if (!isFloat(type)) return [`${expr} ${dir} ${nulls}`];
  // "is -0" breaks the tie of -0 and +0 only (NaN = 0 is false): true sorts after false
  return [`${expr} + 0.0 ${dir} ${nulls}`, `(${expr} = 0 AND signbit(${expr})) ${dir === 'ASC' ? 'DESC' : 'ASC'}`];
}

/**
 * `first(expr ORDER BY order) [FILTER (WHERE filter)]`: the value of the first row in that
 * order. A float passes through as text (exact both ways in DuckDB, -0 and NaN included):
 * DuckDB 1.5's ordered aggregates turn a FLOAT -0 they buffer into +0.
 *
 * @example
 * ```ts
 * orderedFirst(new Float32(), '"v"', ['_ft_generation DESC']);
 * // 'CAST(first(CAST("v" AS VARCHAR) ORDER BY _ft_generation DESC) AS FLOAT)'
 * ```
 */
export function orderedFirst(type: DataType, expr: string, order: readonly string[], filter?: string): string {
  const where = filter === undefined ? '' : ` FILTER (WHERE ${filter})`;
  if (!isFloat(type)) return `first(${expr} ORDER BY ${order.join(', ')})${where}`;
  return `CAST(first(CAST(${expr} AS VARCHAR) ORDER BY ${order.join(', ')})${where} AS ${(type as unknown as { precision: number }).precision === 2 ? 'DOUBLE' : 'FLOAT'})`;
}
