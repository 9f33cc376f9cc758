/**
 * The DuckDB type a column of a freshtier data file reads as (its Parquet logical type,
 * docs/format.md "Data files"): used where the view must name types itself, for a table
 * with no data file yet.
 */
import { Type, type DataType } from 'apache-arrow';

const INTS: Record<string, string> = {
  'true,8': 'TINYINT', 'true,16': 'SMALLINT', 'true,32': 'INTEGER', 'true,64': 'BIGINT',
  'false,8': 'UTINYINT', 'false,16': 'USMALLINT', 'false,32': 'UINTEGER', 'false,64': 'UBIGINT',
};
/**
 * DuckDB reads Parquet milli- and microsecond timestamps as TIMESTAMP (µs); seconds are stored as
 * milliseconds, and nanoseconds with a time zone as nanoseconds without one (TIMESTAMPTZ holds µs).
 */
const TIMESTAMPS = ['TIMESTAMP', 'TIMESTAMP', 'TIMESTAMP', 'TIMESTAMP_NS'];

/**
 * The DuckDB type name for an Arrow type, or undefined when there is none here.
 *
 * @example
 * ```ts
 * duckdbType(new Int64());               // 'BIGINT'
 * duckdbType(new TimestampMillisecond()); // 'TIMESTAMP'
 * ```
 */
export function duckdbType(t: DataType): string | undefined {
  const x = t as unknown as { isSigned?: boolean; bitWidth?: number; precision?: number; scale?: number; unit?: number; timezone?: string | null };
  switch (t.typeId) {
    case Type.Int: return INTS[`${x.isSigned},${x.bitWidth}`];
    case Type.Float: return x.precision === 2 ? 'DOUBLE' : 'FLOAT';
    case Type.Bool: return 'BOOLEAN';
    case Type.Utf8: case Type.LargeUtf8: return 'VARCHAR';
    case Type.Binary: case Type.LargeBinary: return 'BLOB';
    case Type.Date: return 'DATE';
    case Type.Timestamp: return x.timezone && x.unit !== 3 ? 'TIMESTAMPTZ' : TIMESTAMPS[x.unit!];
    case Type.Time: return x.unit === 3 ? 'TIME_NS' : 'TIME';
    case Type.Decimal: return `DECIMAL(${x.precision}, ${x.scale})`;
    case Type.Duration: return 'BIGINT'; // stored as a bare INT64 count of units (docs/format.md §6.3)
    default: return undefined;
  }
}
