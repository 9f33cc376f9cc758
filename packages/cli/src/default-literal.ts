/**
 * The `--default <literal>` of `freshtier alter <uri> add-column`: the value an added column
 * reads as in data written before it existed, taken exactly or refused (a {@link UsageError}).
 * A literal is read like a CSV cell of the column's type by `append` (values.ts): integers
 * exactly (BigInt), floats the nearest value of the type to the decimal text (or `NaN`,
 * `Infinity`, `-Infinity`, `-0`), booleans `true`/`false`, strings as they are. Dates and
 * timestamps only as ISO-8601 text (iso-time.ts's exact parser, never `new Date`): a bare
 * integer would be ambiguous between epoch milliseconds and the column's own unit.
 */
import { Type, type DataType } from 'apache-arrow';
import { UsageError } from './errors.js';
import { ConvertError, converterFor } from './values.js';

/** What `SchemaChange`'s `default` holds: the stored integer (BigInt), a double, a string or a boolean. */
export type DefaultValue = bigint | number | string | boolean;

const BARE_INTEGER = /^\s*[+-]?\d+\s*$/;

/**
 * The default value of a column of `type` written as `text` on the command line.
 * Integers, dates (days for date32, milliseconds for date64) and timestamps (the column's unit)
 * come back as the exact stored integer (a BigInt).
 *
 * @example
 * ```ts
 * defaultLiteral(new Int64(), 'n', '9007199254740993');       // 9007199254740993n
 * defaultLiteral(new DateDay(), 'd', '1970-01-02');            // 1n
 * defaultLiteral(new Float64(), 'x', '0.1');                   // 0.1
 * defaultLiteral(new Int8(), 'small', '300');                  // throws UsageError (out of range)
 * ```
 */
export function defaultLiteral(type: DataType, column: string, text: string): DefaultValue {
  const temporal = type.typeId === Type.Date || type.typeId === Type.Timestamp;
  const iso = `write the ${type.typeId === Type.Date ? 'date as YYYY-MM-DD' : 'instant as ISO-8601, like 2024-05-01T12:00:00Z'}`;
  if (temporal && BARE_INTEGER.test(text)) throw refused(column, type, text, 'is a bare integer, not a date or time', iso);
  if (!SUPPORTED.has(type.typeId)) {
    throw new UsageError(`--default: a ${String(type)} column takes no default`, 'add the column without --default (it then reads as null in older rows)');
  }
  let value: unknown;
  try {
    value = converterFor(type)(text);
  } catch (e) {
    // a temporal refusal's own `expected` mentions epoch milliseconds, which a default does not take
    if (e instanceof ConvertError && temporal) throw refused(column, type, text, e.reason ?? 'is not ISO-8601', iso);
    if (e instanceof ConvertError) throw refused(column, type, text, e.message, 'give a value the column holds exactly');
    throw e;
  }
  return storedForm(type, value);
}

const SUPPORTED: ReadonlySet<Type> = new Set([Type.Int, Type.Float, Type.Bool, Type.Utf8, Type.LargeUtf8, Type.Date, Type.Timestamp]);

/** What the converter gives, as `SchemaChange.default` takes it: every integer-stored type as a BigInt. */
function storedForm(type: DataType, value: unknown): DefaultValue {
  switch (type.typeId) {
    case Type.Int: case Type.Date: case Type.Timestamp:
      return BigInt(value as number | bigint);
    default:
      return value as DefaultValue;
  }
}

function refused(column: string, type: DataType, text: string, why: string, todo: string): UsageError {
  return new UsageError(`--default ${JSON.stringify(text)} for "${column}" (${String(type)}): ${why}`, `${todo}; nothing was changed`);
}
