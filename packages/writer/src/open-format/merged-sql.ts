/**
 * The view bodies of the engines whose files carry stored state (every table but
 * `deduplicate` without a sequence field): they merge a key's stored states exactly as
 * freshtier's merge does (docs/merge-engines.md "Stored state"):
 *
 * 1. `cut`/`live`: per key, the newest generation whose row is a tombstone or has
 *    `_ft_cut` set ends the history; the live rows are that cut row and newer ones, or
 *    those after the tombstone (a key with none is absent). Base files are generation -1.
 * 2. `merged`: the live rows grouped by key, each column by its rule (`columnExpr`).
 *    Pick engines (`deduplicate` with a sequence field, `first-row`) take every column
 *    from one row: the newest (deduplicate) or oldest (first-row) by the sequence field
 *    when there is one, ties — and without one, always — by generation. (Not
 *    `row_number() … = 1`: DuckDB 1.5 rewrites that filter into `arg_min` over a struct,
 *    which turns a -0 into +0.) `sum` and `count` add the exact `_ft_sum_<c>`
 *    decimal strings as HUGEINT and the answer must fit the column type, else the query
 *    fails with DuckDB's `error()` naming AGGREGATE_OVERFLOW (as a scan fails), never
 *    wrapped. A stored partial sum is within HUGEINT's ±1.7·10³⁸ for any table that
 *    could exist (it takes 2^63 versions of the largest UInt64); past it DuckDB's cast or sum fails too.
 *
 * "Position" order is the generation: a keyed table's data file holds one row per key,
 * so within a shard a key's rows differ in generation (the batch coordinate's first part).
 */
import { aggregateFunctionOf, mergePolicyOf } from '@freshtier/core';
import type { Field } from 'apache-arrow';
import type { ViewTable } from './view-schema.js';
import { duckdbType } from './duckdb-types.js';
import { ident, isFloat, literal, orderedFirst, totalOrder } from './sql-text.js';

/** What the bodies read of the table at the schema version viewed (a {@link ViewTable}). */
type MergeView = Pick<ViewTable, 'schema' | 'primaryKey' | 'mergeSpec' | 'doc'>;

/** The generation column every branch of the view's `stored` relation carries. */
export const GEN = '_ft_generation';
const CUT_AT = '_ft_cut_at';
const TOTAL = '_ft_total_';

/**
 * The PARTITION BY / GROUP BY list of the table's key. A float key partitions by
 * `k + 0.0`: the same keys (freshtier encodes -0 as 0 and every NaN as one NaN, DuckDB
 * compares them so too), but DuckDB puts a -0 it partitions on directly out as +0.
 *
 * @example
 * ```ts
 * keyList(viewTable(ts)); // '"id"'
 * ```
 */
export function keyList(table: MergeView): string {
  return table.primaryKey.map((name) => (isFloat(fieldOf(table, name).type) ? `${ident(name)} + 0.0` : ident(name))).join(', ');
}

/**
 * The body (after the `stored` relation) of the view of a table with stored state.
 *
 * @example
 * ```ts
 * const body = mergedBody(viewTable(ts)); // ', cut AS (…), live AS (…) … SELECT … FROM merged'
 * ```
 */
export function mergedBody(table: MergeView): string {
  const live = [
    `, cut AS (`,
    `  SELECT *, max(CASE WHEN _ft_tombstone OR _ft_cut THEN ${GEN} END) OVER (PARTITION BY ${keyList(table)}) AS ${CUT_AT} FROM stored`,
    `), live AS (`,
    `  SELECT * FROM cut WHERE ${GEN} >= coalesce(${CUT_AT}, -1) AND NOT _ft_tombstone`,
    `)`,
  ];
  return [...live, ...combineBody(table)].join('\n');
}

/** Per key, each column by its rule over the live rows (a pick engine: every column from the winner). */
function combineBody(table: MergeView): string[] {
  const { summed: sums, counted } = mergePolicyOf(table);
  const summed = new Set(sums);
  const exprs = table.schema.fields.map((f, i) => (summed.has(i) ? `${columnExpr(table, f)} AS ${ident(TOTAL + f.name)}` : `${columnExpr(table, f)} AS ${ident(f.name)}`));
  const out = table.schema.fields.map((f, i) => (summed.has(i) ? `${checkedSum(f, counted.includes(i) ? 'count' : 'sum')} AS ${ident(f.name)}` : ident(f.name)));
  return [
    `, merged AS (`,
    `  SELECT ${exprs.join(',\n    ')}`,
    `  FROM live GROUP BY ${keyList(table)}`,
    `)`,
    `SELECT ${out.join(', ')} FROM merged`,
  ];
}

/**
 * A column's value from the live rows of a key (docs/merge-engines.md "The engines").
 *
 * @example
 * ```ts
 * columnExpr(vt, vt.schema.fields[2]); // 'first("v" ORDER BY "_ft_seq_v" DESC NULLS LAST, _ft_generation DESC) FILTER (WHERE "v" IS NOT NULL)'
 * ```
 */
export function columnExpr(table: MergeView, f: Field): string {
  const c = ident(f.name);
  const seq = sequenceField(table);
  const engine = table.mergeSpec.mergeEngine ?? 'deduplicate';
  if (engine === 'deduplicate' || engine === 'first-row') {
    // one order for every column, ties broken by generation (unique among a key's rows): one row's values
    const dir = engine === 'first-row' ? 'ASC' : 'DESC';
    return orderedFirst(f.type, c, [...(seq ? totalOrder(seq.type, ident(seq.name), dir) : []), `${GEN} ${dir}`]);
  }
  if (table.primaryKey.includes(f.name)) return orderedFirst(f.type, c, [`${GEN} DESC`]); // the newest row's key (a -0 stays -0)
  if (seq && f.name === seq.name) return orderedFirst(f.type, c, [...totalOrder(seq.type, c, 'DESC'), `${GEN} DESC`]);
  const fn = engine === 'aggregate' ? aggregateFunctionOf(table.mergeSpec, f.name) : 'last-non-null';
  switch (fn) {
    case 'last': return bySequence(table, f, 'DESC');
    case 'first': return bySequence(table, f, 'ASC');
    case 'last-non-null': return bySequence(table, f, 'DESC', `${c} IS NOT NULL`);
    case 'min': case 'max':
      // ties keep the oldest version; only floats have ties that differ (-0 and +0 are no tie here)
      if (!isFloat(f.type)) return `${fn}(${c})`;
      return orderedFirst(f.type, c, [...totalOrder(f.type, c, fn === 'min' ? 'ASC' : 'DESC'), `${GEN} ASC`], `${c} IS NOT NULL`);
    case 'bool_and': case 'bool_or': return `${fn}(${c})`;
    case 'sum': return `sum(CAST(${ident(`_ft_sum_${f.name}`)} AS HUGEINT))`;
    case 'count': return `coalesce(sum(CAST(${ident(`_ft_sum_${f.name}`)} AS HUGEINT)), 0)`;
  }
}

/**
 * The newest (`DESC`) or oldest (`ASC`) provider's value: by the sequence value that
 * provided the column (`_ft_seq_<c>`) when the table has a sequence field, ties and
 * otherwise by generation; `filter` skips rows (last-non-null: nulls).
 */
function bySequence(table: MergeView, f: Field, dir: 'ASC' | 'DESC', filter?: string): string {
  const seq = sequenceField(table);
  return orderedFirst(f.type, ident(f.name), [...(seq ? totalOrder(seq.type, ident(`_ft_seq_${f.name}`), dir) : []), `${GEN} ${dir}`], filter);
}

/** The exact total, cast to the column's type when it fits it; else the query fails (never wrapped). */
function checkedSum(f: Field, fn: 'sum' | 'count'): string {
  const t = ident(TOTAL + f.name);
  const [lo, hi] = integerRange(f);
  const what = literal(`AGGREGATE_OVERFLOW: the ${fn} of column "${f.name}" for one key is `);
  const why = literal(`, outside its type ${String(f.type)}. freshtier never wraps or clamps an aggregate: delete the key (a delete ends its history) or create the table with a wider integer column`);
  return `CASE WHEN ${t} IS NULL THEN NULL WHEN ${t} BETWEEN ${lo} AND ${hi} THEN CAST(${t} AS ${duckdbType(f.type)}) ELSE error(${what} || CAST(${t} AS VARCHAR) || ${why}) END`;
}

/** `[min, max]` of an integer column's type as HUGEINT literals. */
function integerRange(f: Field): [string, string] {
  const { bitWidth, isSigned } = f.type as unknown as { bitWidth: number; isSigned: boolean };
  const w = BigInt(bitWidth);
  const [lo, hi] = isSigned ? [-(1n << (w - 1n)), (1n << (w - 1n)) - 1n] : [0n, (1n << w) - 1n];
  return [`CAST('${lo}' AS HUGEINT)`, `CAST('${hi}' AS HUGEINT)`];
}

function sequenceField(table: MergeView): Field | undefined {
  const name = table.mergeSpec.sequenceField;
  return name === undefined ? undefined : fieldOf(table, name);
}

function fieldOf(table: MergeView, name: string): Field {
  return table.schema.fields.find((x) => x.name === name)!;
}
