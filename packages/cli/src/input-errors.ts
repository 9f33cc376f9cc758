/**
 * The refusals every input format shares: a row whose cell does not fit, and an
 * input that names only some of the table's columns. Each is an
 * {@link InputRejectedError} (exit code 2) that says what to do.
 */
import { Type, type DataType, type Field, type Schema } from 'apache-arrow';
import { InputRejectedError } from './errors.js';
import { describeValue, type ConvertError } from './values.js';

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
  /** The table merges with `partial-update`: a null keeps the stored value instead of overwriting it. */
  readonly partialUpdate?: boolean;
  /** The input holds the keys of a delete: it needs every primary-key column, nothing else. */
  readonly deleting?: boolean;
}

/**
 * A row (or line) whose column `field` cannot take its value; `where` is "line 4" or "row 7".
 * `hint` says what would fix it (see {@link nullCellHint} and {@link valueHint}).
 *
 * @example
 * ```ts
 * throw rowError('a.csv', 'line 4', field, 'expected an integer …', valueHint(field, e));
 * ```
 */
export function rowError(path: string, where: string, field: Field, detail: string, hint: string): InputRejectedError {
  return new InputRejectedError(`${path} ${where}: column "${field.name}" ${detail}`, `${hint}; nothing was written`, { column: field.name, where });
}

/**
 * What to do about a null in a column that is not nullable: give the row a value. A key
 * column can never be nullable; for another column, a new table could declare it so.
 *
 * @example
 * ```ts
 * nullCellHint(field, ['id']); // 'every row needs a value in each primary-key column: …'
 * ```
 */
export function nullCellHint(field: Field, primaryKey: readonly string[]): string {
  if (primaryKey.includes(field.name)) return 'every row needs a value in each primary-key column: give that row its key, or leave the row out of the file';
  return `give that row a value for "${field.name}" (the table declares the column not nullable; only a new table with the column nullable would take nulls)`;
}

/**
 * What to do about a value its column's type cannot hold exactly (a {@link ConvertError}
 * from values.ts): a wider or finer column where one would hold it, else the form the
 * column takes. Never "make the column nullable": that does not help a wrong value.
 *
 * @example
 * ```ts
 * valueHint(int8Field, new ConvertError('an integer in [-128, 127]', 300, 'out of range'));
 * // 'Int8 cannot hold that value: correct it, or widen the column first (stored values stay as they are): freshtier alter <table> widen-column n int64'
 * ```
 */
export function valueHint(field: Field, e: ConvertError): string {
  const reason = e.reason ?? '';
  const type = field.type;
  if (/out of range|beyond the largest|outside what/.test(reason)) {
    const negative = /^"?\s*-/.test(describeValue(e.got));
    const widen = wideningTo(type, negative);
    if (widen) return `${String(type)} cannot hold that value: correct it, or widen the column first (stored values stay as they are): freshtier alter <table> widen-column ${field.name} ${widen}`;
    const wider = widerType(type, negative);
    return `${String(type)} cannot hold that value: correct it${wider ? `, or load the data into a new table whose "${field.name}" column is ${wider}` : ''}`;
  }
  if (/finer than the column's unit|fraction digits, finer/.test(reason)) {
    return `round the value in the input, or load the data into a new table whose "${field.name}" column has a finer unit (timestamp[us] or timestamp[ns])`;
  }
  if (/has no time zone/.test(reason)) return 'add "Z" (UTC) or an offset like +02:00 to the value: the column holds instants';
  if (/not an integer|has a fraction/.test(reason) && type.typeId === Type.Int) {
    return `"${field.name}" holds whole numbers: correct the value, or load the data into a new table whose column is float64`;
  }
  if (/lone surrogate/.test(reason)) return 'write the character itself, or both halves of its surrogate pair (e.g. \\ud83d\\ude00)';
  return `write the value as ${e.expected}`;
}

/** The schema-file name of a type `freshtier alter … widen-column` can widen `type` to that holds the value, if one exists. */
function wideningTo(type: DataType, negative: boolean): string | undefined {
  if (type.typeId === Type.Int) {
    const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
    if (bitWidth >= 64) return undefined;
    return isSigned || negative ? 'int64' : 'uint64';
  }
  if (type.typeId === Type.Float && (type as unknown as { precision: number }).precision < 2) return 'float64';
  return undefined;
}

/** A type that holds more than `type` does, by name (for hints), if one exists. */
function widerType(type: DataType, negative: boolean): string | undefined {
  if (type.typeId === Type.Int) {
    const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
    if (!isSigned && negative) return 'int64 (a signed type)';
    if (bitWidth < 64) return isSigned ? 'int64' : 'uint64';
    return isSigned ? 'uint64 (for values up to 2^64-1) or float64 (rounded)' : 'float64 (rounded)';
  }
  if (type.typeId === Type.Float && (type as unknown as { precision: number }).precision < 2) return 'float64';
  if (type.typeId === Type.Timestamp) return 'a coarser unit (timestamp[ms] or timestamp[s] reach further in time)';
  if (type.typeId === Type.Date) return 'date32';
  return undefined;
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
  if (policy.deleting) {
    const keys = schema.fields.map((f) => `"${f.name}"`).join(', ');
    return new InputRejectedError(`${path} ${what}: no value for primary-key column(s) ${missing.map((m) => `"${m}"`).join(', ')}`,
      `a delete names each row by its whole primary key (${keys}): give the file those columns (other columns of the table may be there too and are ignored); nothing was deleted`, { missing });
  }
  const required = missing.filter((n) => !schema.fields.find((f) => f.name === n)!.nullable);
  const list = missing.map((m) => `"${m}"`).join(', ');
  const detail = `${path} ${what}: no value for column(s) ${list}${required.length ? ` (${required.map((r) => `"${r}"`).join(', ')} not nullable)` : ''}`;
  const loss = policy.partialUpdate
    ? 'on this partial-update table a null keeps what the stored row of each key holds, so appending it would change only the columns it has'
    : policy.upsert
      ? 'appending it would set those columns to null in every row it writes, overwriting what the stored row of each key holds there'
      : 'appending it would store null in those columns';
  const ways = required.length
    ? `add the column(s) to the input (${explicitNull} is a null)`
    : `add the column(s) to the input (${explicitNull} is a null), or pass --allow-missing-columns to ${policy.partialUpdate ? 'do that' : 'store null in them'}`;
  const partial = policy.upsert && !policy.partialUpdate ? '; to update only some columns of existing rows, use a partial-update table (`freshtier init … --merge-engine partial-update`) with --allow-missing-columns' : '';
  return new InputRejectedError(detail, `${loss}: ${ways}${partial}; nothing was written`, { missing });
}
