/**
 * Column names freshtier refuses (DESIGN.md "Errors": a column name is taken exactly
 * or refused). Two rules:
 * - the prefix `_ft_` is reserved: flushed generation files carry system columns
 *   (`_ft_batch`, `_ft_tombstone`) beside the table's, so a user column of that name
 *   would be read as one of them (a user `_ft_tombstone` hid every row whose value was true);
 * - a name appears once: a schema with two fields of one name never flushed, and a batch
 *   holding a column twice had one copy silently ignored.
 * Table creation (an option: `InvalidOptionsError`) and every batch entry point (put,
 * delete keys, ingest, lookup keys: `SchemaMismatchError`) check them before anything is written.
 */
import { SchemaMismatchError } from '../errors.js';

/**
 * The prefix of freshtier's system columns; no table column may start with it.
 *
 * @example
 * ```ts
 * '_ft_tombstone'.startsWith(SYSTEM_COLUMN_PREFIX); // true
 * ```
 */
export const SYSTEM_COLUMN_PREFIX = '_ft_';

/**
 * One refused name: where it is in the list and why.
 *
 * @example
 * ```ts
 * const p: ColumnNameProblem = { index: 1, name: 'id', message: '"id" is named twice (also at 0)' };
 * ```
 */
export interface ColumnNameProblem {
  readonly index: number;
  readonly name: string;
  readonly message: string;
}

/**
 * The refused names of a list of column names, in list order: reserved ones (unless
 * `reserved: false`, for lookup keys, whose extra columns are ignored) and repeats.
 *
 * @example
 * ```ts
 * columnNameProblems(['id', '_ft_x', 'id']); // two problems: index 1 (reserved), index 2 (repeat)
 * ```
 */
export function columnNameProblems(names: readonly string[], opts: { reserved?: boolean } = {}): ColumnNameProblem[] {
  const out: ColumnNameProblem[] = [];
  const first = new Map<string, number>();
  names.forEach((name, index) => {
    if (!isWellFormed(name)) {
      out.push({ index, name, message: `${JSON.stringify(name)} holds a lone UTF-16 surrogate, which no stored schema can keep (UTF-8 would turn it into U+FFFD); use well-formed Unicode` });
    }
    if (name === '__proto__') {
      out.push({ index, name, message: '"__proto__" cannot name a column: JSON documents (the merge options) cannot keep it as a key; rename the column' });
    }
    if (opts.reserved !== false && name.startsWith(SYSTEM_COLUMN_PREFIX)) {
      out.push({ index, name, message: `"${name}" starts with "${SYSTEM_COLUMN_PREFIX}", the prefix reserved for freshtier's system columns; rename the column` });
    }
    const at = first.get(name);
    if (at === undefined) first.set(name, index);
    else out.push({ index, name, message: `"${name}" is named twice (columns ${at} and ${index}); give every column its own name` });
  });
  return out;
}

/**
 * Throws `SchemaMismatchError` if a batch's column names hold a reserved name or a
 * repeat (`what` says whose columns, e.g. `'put batch'`). Nothing was written yet.
 *
 * @example
 * ```ts
 * assertBatchColumnNames(batch.schema.fields.map((f) => f.name), 'put batch');
 * ```
 */
export function assertBatchColumnNames(names: readonly string[], what: string, opts: { reserved?: boolean } = {}): void {
  const problems = columnNameProblems(names, opts);
  if (problems.length === 0) return;
  const columns = [...new Set(problems.map((p) => p.name))];
  throw new SchemaMismatchError(`${what}: ${problems.map((p) => p.message).join('; ')}`, { columns });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Is `text` well-formed Unicode (no lone UTF-16 surrogate)? Names and zones are stored as UTF-8,
 * which cannot hold a lone surrogate: it would come back as U+FFFD, another name.
 *
 * @example
 * ```ts
 * isWellFormed('caf\u00e9'); // true
 * isWellFormed('a\ud800'); // false
 * ```
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
