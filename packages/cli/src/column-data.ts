/**
 * Arrow column data from converted input values. apache-arrow's builders take dates
 * and timestamps as milliseconds (a `Date` or a number, multiplied by 1,000,000 for a
 * `timestamp[ns]` in floating point), so they cannot carry microseconds or
 * nanoseconds exactly: temporal columns are built here from their raw integers.
 */
import { Type, makeData, vectorFromArray, type Data, type DataType } from 'apache-arrow';

/**
 * One column of `type` from values as the converters give them (see values.ts):
 * raw integers for dates and timestamps, `null` for nulls.
 *
 * @example
 * ```ts
 * columnData(new TimestampNanosecond(), [1n, null]); // values BigInt64Array [1n, 0n], one null
 * ```
 */
export function columnData(type: DataType, values: readonly unknown[]): Data {
  if (type.typeId !== Type.Timestamp && type.typeId !== Type.Date) return vectorFromArray(values as unknown[], type).data[0];
  const length = values.length;
  const data = new (type.ArrayType as new (n: number) => BigInt64Array | Int32Array)(length);
  const nullBitmap = new Uint8Array(((length + 63) >> 6) << 3); // 64-bit padded, like Arrow's own
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) return void nullCount++;
    nullBitmap[i >> 3] |= 1 << (i & 7);
    if (data instanceof BigInt64Array) data[i] = BigInt(v as bigint);
    else data[i] = Number(v);
  });
  return makeData({ type: type as never, length, nullCount, nullBitmap: nullCount > 0 ? nullBitmap : undefined, data: data as never });
}
