/**
 * The type widenings a schema change takes (schema-change.ts): those whose every stored value
 * the wider type holds exactly, so readers cast old files on the fly (exact-cast.ts) and never
 * meet a value they must refuse:
 * - int8 → int16 → int32 → int64 (signed to any wider signed), uint to a wider uint or a wider
 *   signed int;
 * - float16 / float32 → float64;
 * - date32 → timestamp in seconds or milliseconds, date64 → timestamp in milliseconds (a date64
 *   need not be a whole second; finer units could overflow int64 for far dates), no zone or "UTC";
 * - utf8 → large_utf8, binary → large_binary.
 */
import { Type, type DataType } from 'apache-arrow';
import { sameType } from '../arrow/arrow-util.js';
import { decodeDefault, encodeDefault } from './schema-default.js';

/**
 * The widenings, as a sentence for refusals.
 *
 * @example
 * ```ts
 * throw new SchemaChangeRefusedError(change, reason, `Widen only ${WIDENINGS}`);
 * ```
 */
export const WIDENINGS = 'int8→int16→int32→int64, uint to a wider uint or signed int, float16/float32→float64, date32→timestamp[s or ms], date64→timestamp[ms] (no zone or "UTC"), utf8→large_utf8, binary→large_binary';

interface IntType { bitWidth: number; isSigned: boolean }
interface TimeType { unit: number; timezone?: string | null }

// DateUnit DAY, MILLISECOND and TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND in nanoseconds
const DATE_NS = [86_400_000_000_000n, 1_000_000n];
const TIME_NS = [1_000_000_000n, 1_000_000n, 1_000n, 1n];

function intWidening(from: IntType, to: IntType): string | undefined {
  if (to.bitWidth <= from.bitWidth) return `Int${to.bitWidth} is not wider than Int${from.bitWidth}: stored values may not fit`;
  if (from.isSigned && !to.isSigned) return 'an unsigned type cannot hold negative stored values';
  return undefined;
}

function dateWidening(from: TimeType, to: TimeType): string | undefined {
  const zone = to.timezone || null;
  if (zone !== null && zone !== 'UTC') return `a date is its UTC midnight, which the time zone ${zone} does not name as a wall-clock time; use no time zone or "UTC"`;
  if (to.unit > 1) return 'a timestamp finer than milliseconds cannot hold every stored date (int64 overflows); use seconds or milliseconds';
  if (from.unit === 1 && to.unit === 0) return 'a date64 value is in milliseconds and need not be a whole second; use milliseconds';
  return undefined;
}

/**
 * Why `from` does not widen to `to` (undefined: it does).
 *
 * @example
 * ```ts
 * wideningProblem(new Int32(), new Int64());  // undefined
 * wideningProblem(new Int64(), new Int32());  // 'Int32 is not wider than Int64: stored values may not fit'
 * ```
 */
export function wideningProblem(from: DataType, to: DataType): string | undefined {
  if (sameType(from, to)) return `the column is ${String(from)} already`;
  const pair = `${String(from)} does not widen to ${String(to)}`;
  switch (from.typeId) {
    case Type.Int: return to.typeId === Type.Int ? intWidening(from as unknown as IntType, to as unknown as IntType) : pair;
    case Type.Float: {
      const precision = (t: DataType) => (t as unknown as { precision: number }).precision;
      return to.typeId === Type.Float && precision(to) === 2 ? undefined : `${pair}: a float widens only to Float64`;
    }
    case Type.Date: return to.typeId === Type.Timestamp ? dateWidening(from as unknown as TimeType, to as unknown as TimeType) : `${pair}: a date widens only to a timestamp`;
    case Type.Utf8: return to.typeId === Type.LargeUtf8 ? undefined : pair;
    case Type.Binary: return to.typeId === Type.LargeBinary ? undefined : pair;
    default: return pair;
  }
}

/**
 * A column's stored default under its widened type: the same value (a date's default becomes
 * its midnight in the timestamp's unit). Only for pairs {@link wideningProblem} accepts.
 *
 * @example
 * ```ts
 * widenedDefault(new DateDay(), new TimestampSecond(), '2', 'd'); // "172800"
 * ```
 */
export function widenedDefault(from: DataType, to: DataType, stored: string | boolean, column: string): string | boolean {
  const value = decodeDefault(from, stored);
  if (from.typeId !== Type.Date) return encodeDefault(to, value, column);
  const days = value as bigint;
  // exact: the accepted pairs go from a coarser unit to a finer one (or the same)
  return encodeDefault(to, (days * DATE_NS[(from as unknown as TimeType).unit]) / TIME_NS[(to as unknown as TimeType).unit], column);
}
