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
 * Files of the viewed version itself are read as they are.
 */
import { SEQUENCE_COLUMN_PREFIX, mergePolicyOf, storedNames } from '@freshtier/core';
import { Utf8, type DataType } from 'apache-arrow';
import { ident } from './sql-text.js';
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
  if (version === ts.version) return [...fields.map((f) => ident(f.name)), ...stateNames.map((s) => ident(s.prefix + fields[s.i].name))];
  const stored = new Map([...storedNames(ts, version, path)].map(([name, id]) => [id, name]));
  // key columns and the sequence field are never widened: read as stored
  const fixed = new Set([...vt.primaryKey, ...(vt.mergeSpec.sequenceField === undefined ? [] : [vt.mergeSpec.sequenceField])]);
  const data = fields.map((f, i) => {
    const old = stored.get(ts.fields[i].id);
    const dflt = ts.fields[i].default;
    const read = (name: string) => (fixed.has(f.name) ? ident(name) : widened(ident(name), f.type));
    const expr = old !== undefined ? read(old) : dflt !== undefined ? defaultLiteral(f.type, dflt, f.name) : typedNull(f.type);
    return `${expr} AS ${ident(f.name)}`;
  });
  const state = stateNames.map(({ i, prefix, type }) => {
    const old = stored.get(ts.fields[i].id);
    return `${old !== undefined ? ident(prefix + old) : typedNull(type)} AS ${ident(prefix + fields[i].name)}`;
  });
  return [...data, ...state];
}
