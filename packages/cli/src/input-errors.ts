/**
 * The refusals every input format shares: a row whose cell does not fit, and an
 * input that names only some of the table's columns. Each is an
 * {@link InputRejectedError} (exit code 2) that says what to do.
 */
import type { Field, Schema } from 'apache-arrow';
import { InputRejectedError } from './errors.js';

/**
 * What {@link missingColumnsError} needs to know about the append.
 *
 * @example
 * ```ts
 * const how: MissingColumnsPolicy = { allowMissing: false, upsert: true };
 * ```
 */
export interface MissingColumnsPolicy {
  /** `--allow-missing-columns`: store null in nullable columns the input lacks. */
  readonly allowMissing: boolean;
  /** The table has a primary key, so a row overwrites the stored row of its key. */
  readonly upsert: boolean;
}

/**
 * A row (or line) whose column `field` cannot take its value; `where` is "line 4" or "row 7".
 *
 * @example
 * ```ts
 * throw rowError('a.csv', 'line 4', field, 'expected an integer …');
 * ```
 */
export function rowError(path: string, where: string, field: Field, detail: string): InputRejectedError {
  return new InputRejectedError(`${path} ${where}: column "${field.name}" ${detail}`, 'fix that value (or make the column nullable in a new table); nothing was written', { column: field.name, where });
}

/**
 * The table's columns absent from `present`, or undefined when the input may go on:
 * every column present, or only nullable ones absent under `--allow-missing-columns`.
 *
 * @example
 * ```ts
 * missingColumns(schema, ['id', 'v'], { allowMissing: false, upsert: true }); // ['s']
 * ```
 */
export function missingColumns(schema: Schema, present: (name: string) => boolean, policy: MissingColumnsPolicy): string[] | undefined {
  const missing = schema.fields.filter((f) => !present(f.name));
  if (missing.length === 0) return undefined;
  if (policy.allowMissing && missing.every((f) => f.nullable)) return undefined;
  return missing.map((f) => f.name);
}

/**
 * The refusal of an input (`what`: "header", "line 3", "file") that lacks `missing` columns.
 * A partial input would store null in them, and on a keyed table overwrite what the
 * stored row of each key holds there: a silent loss, so it is refused by default.
 *
 * @example
 * ```ts
 * throw missingColumnsError('a.csv', 'header', ['s'], schema, policy);
 * ```
 */
export function missingColumnsError(path: string, what: string, missing: readonly string[], schema: Schema, policy: MissingColumnsPolicy, explicitNull = 'an empty cell'): InputRejectedError {
  const required = missing.filter((n) => !schema.fields.find((f) => f.name === n)!.nullable);
  const list = missing.map((m) => `"${m}"`).join(', ');
  const detail = `${path} ${what}: no value for column(s) ${list}${required.length ? ` (${required.map((r) => `"${r}"`).join(', ')} not nullable)` : ''}`;
  const loss = policy.upsert
    ? 'appending it would set those columns to null in every row it writes, overwriting what the stored row of each key holds there'
    : 'appending it would store null in those columns';
  const ways = required.length
    ? `add the column(s) to the input (${explicitNull} is a null)`
    : `add the column(s) to the input (${explicitNull} is a null), or pass --allow-missing-columns to store null in them`;
  const partial = policy.upsert ? '; to update only some columns of existing rows, a partial-update table will do it once that merge engine exists' : '';
  return new InputRejectedError(detail, `${loss}: ${ways}${partial}; nothing was written`, { missing });
}
