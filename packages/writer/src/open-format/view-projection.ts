/**
 * The SELECT list that reads a data file of one schema version as the columns of the
 * schema version viewed (docs/format.md "Schema versions"), by field id:
 *
 * - a column the file has under another name is renamed (`"old" AS "new"`);
 * - a column whose type may have been widened since is cast exactly (sql-values.ts
 *   `widened`; an unchanged type casts to itself);
 * - a column the file's version lacks reads as its default, else a typed NULL;
 * - a column the viewed version dropped is not selected;
 * - the state columns `_ft_seq_<c>` / `_ft_sum_<c>` follow their column's id the same way
 *   (a missing one: NULL of its type — no version of the older data provided it).
 *
 * Files of the viewed version itself are read as they are, except where DuckDB would read a
 * value as another (`asStored`; the view fails there rather than answer differently):
 * - a `timestamp[s]` or `date64` column goes through a cast to its DuckDB type: a file
 *   holding a value beyond ±2^63 ms, or a date64 that is not a midnight, stores that column
 *   as a bare INT64 (core's parquet-types.ts), which the cast refuses, instead of the view
 *   returning the column as BIGINT;
 * - a `timestamp[us|ns]` or date column holding the largest or smallest value DuckDB's type
 *   holds (±(2^63 − 1) units, ±(2^31 − 1) days) fails the query: DuckDB reads those as
 *   ±infinity. Files of older schema versions get the same checks after their widening.
 */
import { SEQUENCE_COLUMN_PREFIX, mergePolicyOf, storedNames } from '@freshtier/core';
import { TimeUnit, Type, Utf8, type DataType } from 'apache-arrow';
import { duckdbType } from './duckdb-types.js';
import { ident, literal } from './sql-text.js';
import { defaultLiteral, typedNull, widened } from './sql-values.js';
import type { ViewTable } from './view-schema.js';

/** The prefix of the exact-sum state columns (core's SUM_COLUMN_PREFIX, which core does not export). */
const SUM_COLUMN_PREFIX = '_ft_sum_';

/**
 * The table columns, then the state columns (`_ft_seq_<c>`, then `_ft_sum_<c>`, as
 * `stateFields` orders them), of a file of schema version `version` (`path`: a file of
 * it, named if the table version does not know that schema version).
 *
 * @example
 * ```ts
 * projectedColumns(vt, 0, 'base/data/u.parquet'); // ['"id"', '"name" AS "title"', 'CAST("n" AS BIGINT) AS "n"', "CAST('1.5' AS DOUBLE) AS \"score\""]
 * ```
 */
export function projectedColumns(vt: ViewTable, version: number, path: string): string[] {
  const ts = vt.state;
  const policy = mergePolicyOf(vt);
  const fields = vt.schema.fields;
  const stateNames = [
    ...policy.tracked.map((i) => ({ i, prefix: SEQUENCE_COLUMN_PREFIX, type: fields[policy.sequenceIndex].type })),
    ...policy.summed.map((i) => ({ i, prefix: SUM_COLUMN_PREFIX, type: new Utf8() as DataType })),
  ];
  if (version === ts.version) return [...fields.map((f) => asStored(ident(f.name), f.type, f.name)), ...stateNames.map((s) => asStored(ident(s.prefix + fields[s.i].name), s.type, s.prefix + fields[s.i].name))];
  const stored = new Map([...storedNames(ts, version, path)].map(([name, id]) => [id, name]));
  // key columns and the sequence field are never widened: read as stored
  const fixed = new Set([...vt.primaryKey, ...(vt.mergeSpec.sequenceField === undefined ? [] : [vt.mergeSpec.sequenceField])]);
  const data = fields.map((f, i) => {
    const old = stored.get(ts.fields[i].id);
    const dflt = ts.fields[i].default;
    const read = (name: string) => asStored(fixed.has(f.name) ? ident(name) : widened(ident(name), f.type), f.type);
    const expr = old !== undefined ? read(old) : dflt !== undefined ? defaultLiteral(f.type, dflt, f.name) : typedNull(f.type);
    return `${expr} AS ${ident(f.name)}`;
  });
  const state = stateNames.map(({ i, prefix, type }) => {
    const old = stored.get(ts.fields[i].id);
    return `${old !== undefined ? asStored(ident(prefix + old), type) : typedNull(type)} AS ${ident(prefix + fields[i].name)}`;
  });
  return [...data, ...state];
}

/** `expr` as read from a file (see the module doc), named `as` if given. */
function asStored(expr: string, type: DataType, as?: string): string {
  const unit = (type as unknown as { unit?: number }).unit;
  let read = expr;
  const stored = (type.typeId === Type.Timestamp && unit === TimeUnit.SECOND) || (type.typeId === Type.Date && unit === 1);
  if (stored) read = `CAST(${expr} AS ${duckdbType(type)})`;
  if (type.typeId === Type.Date || (type.typeId === Type.Timestamp && unit! >= TimeUnit.MICROSECOND)) {
    const why = `freshtier: a value of ${expr} is the largest or smallest its type holds, which DuckDB reads as infinity; read this table with freshtier`;
    read = `CASE WHEN isinf(${read}) THEN error(${literal(why)}) ELSE ${read} END`;
  }
  if (read === expr || as === undefined) return read;
  return `${read} AS ${ident(as)}`;
}
