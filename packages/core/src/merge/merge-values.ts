/**
 * Reading the values the merge compares and adds, straight from Arrow `Data` (no
 * Vector or JS object per value), and the total orders it compares them in.
 *
 * Orders are total and the same in every tier, so "the smallest" or "the newest" is
 * one version whatever way a key's versions are split into tiers:
 * - numbers and times by value; floats with -0 below +0 and NaN above everything
 *   (every NaN equal); 64-bit values as BigInt, never rounded;
 * - strings and binaries by their bytes (unsigned, shorter first on a tie).
 */
import { Precision, Type, type Data, type DataType, type Field, type RecordBatch } from 'apache-arrow';
import { CUT_COLUMN, SEQUENCE_COLUMN_PREFIX, SUM_COLUMN_PREFIX } from './merge-state-columns.js';

/** A number, a BigInt (64-bit values) or bytes (strings, binaries). */
export type Value = number | bigint | Uint8Array;

/**
 * One batch's columns by table field index, plus the state columns of a stored state.
 *
 * @example
 * ```ts
 * const cols = resolver.of(batch);
 * const v = cols.cols[2]; // Data of the table's third column, or undefined
 * ```
 */
export interface BatchColumns {
  /** Data of each table field, undefined where the batch lacks it (a tombstone's non-key columns). */
  readonly cols: (Data | undefined)[];
  /** `_ft_seq_<name>` of each table field: present in stored states of tables that track it. */
  readonly colSeq: (Data | undefined)[];
  /** `_ft_sum_<name>` of each table field: the exact sum a stored state of a `sum`/`count` column keeps. */
  readonly colSum: (Data | undefined)[];
  /** `_ft_cut`, present in stored states of tables whose merge is not newest-decides. */
  readonly cut: Data | undefined;
}

/**
 * Finds a batch's columns by table field index, once per batch (a weak cache).
 *
 * @example
 * ```ts
 * const resolver = new ColumnResolver(table.schema.fields);
 * if (resolver.isCut(batch, row)) stopMergingOlder();
 * ```
 */
export class ColumnResolver {
  private readonly cache = new WeakMap<RecordBatch, BatchColumns>();

  constructor(private readonly fields: readonly Field[]) {}

  of(batch: RecordBatch): BatchColumns {
    let c = this.cache.get(batch);
    if (!c) this.cache.set(batch, (c = this.resolve(batch)));
    return c;
  }

  /** Whether the row is a stored state whose history a tombstone cut. */
  isCut(batch: RecordBatch, row: number): boolean {
    const d = this.of(batch).cut;
    return d !== undefined && isValid(d, row) && boolAt(d, row);
  }

  private resolve(batch: RecordBatch): BatchColumns {
    const at = new Map<string, Data>();
    batch.schema.fields.forEach((f, i) => at.set(f.name, batch.data.children[i]));
    return {
      cols: this.fields.map((f) => at.get(f.name)),
      colSeq: this.fields.map((f) => at.get(SEQUENCE_COLUMN_PREFIX + f.name)),
      colSum: this.fields.map((f) => at.get(SUM_COLUMN_PREFIX + f.name)),
      cut: at.get(CUT_COLUMN),
    };
  }
}

/**
 * Whether row `row` of `d` holds a value (a missing column holds none).
 *
 * @example
 * ```ts
 * if (isValid(cols.cols[2], row)) sum += intAt(cols.cols[2]!, row);
 * ```
 */
export function isValid(d: Data | undefined, row: number): boolean {
  if (!d) return false;
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return true;
  const i = d.offset + row;
  return ((d.nullBitmap[i >> 3] >> (i & 7)) & 1) === 1;
}

/**
 * The boolean at `row` (the value bit; check {@link isValid} first).
 *
 * @example
 * ```ts
 * boolAt(flags, 0); // true
 * ```
 */
export function boolAt(d: Data, row: number): boolean {
  const i = d.offset + row;
  return (((d.values as Uint8Array)[i >> 3] >> (i & 7)) & 1) === 1;
}

/**
 * The integer at `row` as a BigInt (exact for every width).
 *
 * @example
 * ```ts
 * intAt(int8Data, 0) + intAt(int64Data, 0); // bigint
 * ```
 */
export function intAt(d: Data, row: number): bigint {
  return BigInt((d.values as unknown as ArrayLike<number | bigint>)[row]);
}

/**
 * The exact integer a `_ft_sum_<column>` cell holds (a decimal string). Check {@link isValid} first.
 *
 * @example
 * ```ts
 * decimalAt(sumData, 0); // -170141183460469231731687303715884105728n
 * ```
 */
export function decimalAt(d: Data, row: number): bigint {
  return BigInt(new TextDecoder().decode(valueAt(d.type, d, row) as Uint8Array));
}

/**
 * The value at `row` for comparing: a number or BigInt (numbers, dates, times), or the
 * bytes of a string or binary. Check {@link isValid} first.
 *
 * @example
 * ```ts
 * compareValues(type, valueAt(type, a, i), valueAt(type, b, j));
 * ```
 */
export function valueAt(type: DataType, d: Data, row: number): Value {
  switch (type.typeId) {
    case Type.Utf8: case Type.Binary: case Type.LargeUtf8: case Type.LargeBinary: {
      const o = d.valueOffsets as unknown as ArrayLike<number | bigint>;
      return (d.values as Uint8Array).subarray(Number(o[row]), Number(o[row + 1]));
    }
    case Type.Float:
      if ((type as unknown as { precision: Precision }).precision === Precision.HALF) return halfToNumber((d.values as Uint16Array)[row]);
      return (d.values as Float32Array | Float64Array)[row];
    default:
      return (d.values as unknown as ArrayLike<number | bigint>)[row];
  }
}

/**
 * The total order of two values of one column (see the module doc): negative, 0, positive.
 *
 * @example
 * ```ts
 * compareValues(new Float64(), -0, 0); // -1
 * ```
 */
export function compareValues(a: Value, b: Value): number {
  if (a instanceof Uint8Array) return compareByteValues(a, b as Uint8Array);
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  const y = b as number | bigint;
  return a < y ? -1 : a > y ? 1 : 0;
}

function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return a === 0 ? Number(Object.is(b, -0)) - Number(Object.is(a, -0)) : 0; // -0 below +0
  return Number(Number.isNaN(a)) - Number(Number.isNaN(b)); // NaN above everything, NaN = NaN
}

function compareByteValues(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The range of an integer type, for exact sums: `[min, max]` as BigInts.
 *
 * @example
 * ```ts
 * integerRange(new Int8()); // [-128n, 127n]
 * ```
 */
export function integerRange(type: DataType): [bigint, bigint] {
  const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
  const w = BigInt(bitWidth);
  return isSigned ? [-(1n << (w - 1n)), (1n << (w - 1n)) - 1n] : [0n, (1n << w) - 1n];
}
