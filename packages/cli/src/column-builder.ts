/**
 * Text input (CSV, JSON Lines) turned into Arrow columns: each cell is converted as it
 * is read, with its column's converter (values.ts: exact or refused), straight into the
 * column's Arrow buffers — typed arrays for numbers, dates and timestamps, a bitmap for
 * booleans, offsets and UTF-8 bytes for strings — instead of through apache-arrow's
 * per-value builders ({@link ColumnAppender}). Other types go through {@link columnData}.
 */
import { Type, makeData, type Data, type DataType, type Field } from 'apache-arrow';
import { columnData } from './column-data.js';
import { JsonNumber } from './json-line.js';
import { Utf8Cells } from './utf8-cells.js';
import { ConvertError } from './values.js';

/**
 * A cell its column refused: `row` (0-based, in the batch), and what is wrong —
 * a null in a column that is not nullable, or a value that does not convert.
 *
 * @example
 * ```ts
 * try { buildColumn(field, cells, convert); } catch (e) { if (e instanceof CellProblem) console.log(e.row); }
 * ```
 */
export class CellProblem extends Error {
  constructor(readonly row: number, readonly field: Field, readonly raw: unknown, readonly error?: ConvertError) {
    super(error ? error.message : `row ${row}: null in a column that is not nullable`);
    this.name = 'CellProblem';
  }
}

/** The fixed-width types written into a typed array of `type.ArrayType` (float16 excluded: its array holds bits). */
function typedArrayColumn(type: DataType): boolean {
  if (type.typeId === Type.Int || type.typeId === Type.Date || type.typeId === Type.Timestamp) return true;
  return type.typeId === Type.Float && (type as unknown as { precision: number }).precision > 0;
}

/**
 * One column of `field` from its raw cells (`undefined` = absent, `null` = null), each
 * converted by `convert`: what {@link ColumnAppender} builds when given them in order.
 * Throws the first {@link CellProblem}.
 *
 * @example
 * ```ts
 * const data = buildColumn(field, ['1', null, '3'], converterFor(field.type));
 * ```
 */
export function buildColumn(field: Field, cells: readonly unknown[], convert: (v: unknown) => unknown): Data {
  const column = new ColumnAppender(field, convert, Math.max(cells.length, 1));
  for (let r = 0; r < cells.length; r++) column.put(r, cells[r]);
  if (column.problem) throw column.problem;
  return column.take(cells.length);
}

/** How a column keeps its converted cells until {@link ColumnAppender.take}. */
type Kind = 'typed' | 'bool' | 'utf8' | 'values';

function kindOf(type: DataType): Kind {
  if (typedArrayColumn(type)) return 'typed';
  if (type.typeId === Type.Bool) return 'bool';
  return type.typeId === Type.Utf8 ? 'utf8' : 'values';
}

type Numbers = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

/**
 * One column of a text input's current batch, converted as its cells arrive: each cell
 * goes through the column's converter (values.ts: exact or refused) straight into the
 * column's buffers — a typed array for numbers, dates and timestamps, bits for booleans,
 * UTF-8 bytes a group of rows at a time (utf8-cells.ts), values for other types ({@link columnData}).
 * Converting at once, instead of keeping every raw cell of the batch until it is taken,
 * lets each line's parsed values die young (they were most of a text append's garbage).
 *
 * The first refused cell is kept as {@link problem} (rows are given in order, so it is the
 * column's earliest); rows after it are not converted, as the batch holding it is refused.
 *
 * @example
 * ```ts
 * const column = new ColumnAppender(new Field('age', new Int32(), true), converterFor(new Int32()));
 * column.put(0, '31');
 * column.put(2, null); // row 1 was not given: absent, so null in a nullable column
 * const data = column.take(3); // Int32 data [31, null, null]; nothing is carried
 * ```
 */
export class ColumnAppender {
  private readonly kind: Kind;
  /** A typed column of 64-bit integers (its cells are bigints). */
  private readonly big: boolean;
  private readonly small: ((cell: unknown, r: number) => boolean) | undefined;
  private data: Numbers | undefined;
  private bits: Uint8Array | undefined;
  private texts: Utf8Cells | undefined;
  private values: unknown[] | undefined;
  private valid: Uint8Array;
  private capacity: number;
  private nulls = 0;
  /** Rows given so far (absent ones included). */
  length = 0;
  /** The earliest refused cell, if any. */
  problem: CellProblem | undefined;

  constructor(readonly field: Field, private readonly convert: (v: unknown) => unknown, capacity = 1024) {
    this.kind = kindOf(field.type);
    this.big = this.kind === 'typed' && (field.type.ArrayType === BigInt64Array || field.type.ArrayType === BigUint64Array);
    this.capacity = capacity;
    this.valid = new Uint8Array(bitmapBytes(capacity));
    this.allocate(capacity);
    this.small = this.kind === 'typed' && field.type.typeId === Type.Int ? smallIntegers(field.type, () => this.data!) : undefined;
  }

  /** The cell of row `row` (counted from the batch's start); rows skipped since the last one are absent. */
  put(row: number, raw: unknown): void {
    while (this.length < row) this.cell(undefined);
    this.cell(raw);
  }

  /** Marks rows up to `rows` that were never given as absent. */
  pad(rows: number): void {
    while (this.length < rows) this.cell(undefined);
  }

  /** The first `count` rows as Arrow data; later rows stay, as rows 0… of the next batch. */
  take(count: number): Data {
    const out = this.build(count);
    this.keepFrom(count);
    return out;
  }

  private cell(raw: unknown): void {
    const r = this.length++;
    if (r === this.capacity) this.grow();
    this.convertCell(raw, r);
    if (this.texts && this.texts.length === r) this.texts.push(''); // a null, or a row not converted: every row has its text
  }

  private convertCell(raw: unknown, r: number): void {
    if (this.problem) return;
    if (this.small?.(raw, r)) {
      this.valid[r >> 3] |= 1 << (r & 7);
      return;
    }
    let v: unknown;
    try {
      v = this.convert(raw);
    } catch (e) {
      if (e instanceof ConvertError) return void (this.problem = new CellProblem(r, this.field, raw, e));
      throw e;
    }
    if (v === null || v === undefined) {
      if (!this.field.nullable) return void (this.problem = new CellProblem(r, this.field, raw));
      this.nulls++;
      if (this.kind === 'values') this.values![r] = null;
      return;
    }
    this.valid[r >> 3] |= 1 << (r & 7);
    this.store(r, v);
  }

  private store(r: number, v: unknown): void {
    switch (this.kind) {
      case 'typed': {
        if (this.big) (this.data as BigInt64Array)[r] = BigInt(v as bigint);
        else (this.data as Float64Array)[r] = Number(v);
        return;
      }
      case 'bool':
        if (v === true) this.bits![r >> 3] |= 1 << (r & 7);
        return;
      case 'utf8':
        this.texts!.push(v as string);
        return;
      default:
        this.values![r] = v;
    }
  }

  private allocate(capacity: number): void {
    const { type } = this.field;
    if (this.kind === 'typed') this.data = new (type.ArrayType as new (n: number) => Numbers)(capacity);
    else if (this.kind === 'bool') this.bits = new Uint8Array(bitmapBytes(capacity));
    else if (this.kind === 'utf8') this.texts ??= new Utf8Cells(); // it keeps its own rows from batch to batch
    else this.values = [];
  }

  private grow(): void {
    const old = { data: this.data, bits: this.bits, valid: this.valid };
    this.capacity *= 2;
    this.valid = new Uint8Array(bitmapBytes(this.capacity));
    this.valid.set(old.valid);
    if (this.kind === 'typed' || this.kind === 'bool') this.allocate(this.capacity); // strings and values are arrays that grow themselves
    if (this.kind === 'typed') this.data!.set(old.data as never);
    else if (this.kind === 'bool') this.bits!.set(old.bits!);
  }

  /** Arrow data of rows [0, count). */
  private build(count: number): Data {
    const { type } = this.field;
    const nullCount = this.nullsBefore(count);
    const nullBitmap = nullCount > 0 ? bitsOf(this.valid, 0, count) : undefined;
    switch (this.kind) {
      case 'typed':
        return makeData({ type: type as never, length: count, nullCount, nullBitmap, data: this.data!.slice(0, count) as never });
      case 'bool':
        return makeData({ type: type as never, length: count, nullCount, nullBitmap, data: bitsOf(this.bits!, 0, count) });
      case 'utf8': {
        const { offsets, bytes } = this.texts!.take(count);
        return makeData({ type: type as never, length: count, nullCount, nullBitmap, valueOffsets: offsets, data: bytes });
      }
      default:
        return columnData(type, this.values!.slice(0, count));
    }
  }

  /** Nulls among rows [0, count): all of them when the batch is taken whole. */
  private nullsBefore(count: number): number {
    if (count === this.length) return this.nulls;
    let valid = 0;
    for (let r = 0; r < count; r++) valid += (this.valid[r >> 3] >> (r & 7)) & 1;
    return count - valid;
  }

  /** Drops rows [0, count): the rest become rows 0… (a problem among them moves with them). */
  private keepFrom(count: number): void {
    const rest = this.length - count;
    const nullsKept = this.nulls - this.nullsBefore(count);
    const old = { data: this.data, bits: this.bits, valid: this.valid, values: this.values };
    this.capacity = Math.max(this.capacity, 1);
    this.valid = bitsOf(old.valid, count, rest, this.capacity);
    this.allocate(this.capacity);
    if (this.kind === 'typed') this.data!.set(old.data!.subarray(count, this.length) as never);
    else if (this.kind === 'bool') this.bits = bitsOf(old.bits!, count, rest, this.capacity);
    else if (this.kind === 'values') this.values = old.values!.slice(count, this.length);
    this.length = rest;
    this.nulls = nullsKept;
    const p = this.problem;
    if (p) this.problem = p.row >= count ? new CellProblem(p.row - count, p.field, p.raw, p.error) : undefined;
  }
}

function bitmapBytes(rows: number): number {
  return ((rows + 63) >> 6) << 3; // 64-bit padded, like Arrow's own
}

/** Bits [from, from + count) of `bits` as a new bitmap starting at bit 0, sized for `capacity` rows. */
function bitsOf(bits: Uint8Array, from: number, count: number, capacity = count): Uint8Array {
  const out = new Uint8Array(bitmapBytes(Math.max(capacity, count)));
  if (from === 0) {
    out.set(bits.subarray(0, (count + 7) >> 3));
    if (count & 7) out[count >> 3] &= (1 << (count & 7)) - 1;
    return out;
  }
  for (let r = 0; r < count; r++) if ((bits[(from + r) >> 3] >> ((from + r) & 7)) & 1) out[r >> 3] |= 1 << (r & 7);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The common case of an integer cell, without the converter's BigInt: text (a CSV cell, or
 * a JSON number's source) of at most 15 digits, plainly written (`-` and digits only),
 * within the column's range. Stores it in row `r` of `data` and returns true; anything
 * else returns false and takes the converter's path (which refuses or reads it exactly).
 */
function smallIntegers(type: DataType, dataOf: () => Numbers): ((cell: unknown, r: number) => boolean) | undefined {
  const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
  const min = isSigned ? -(2 ** (bitWidth - 1)) : 0;
  const max = bitWidth === 64 ? Number.MAX_SAFE_INTEGER : isSigned ? 2 ** (bitWidth - 1) - 1 : 2 ** bitWidth - 1;
  if (bitWidth === 64 && !LITTLE_ENDIAN) return undefined;
  let data: Numbers | undefined;
  let words: Int32Array | undefined;
  return (cell, r) => {
    const text = typeof cell === 'string' ? cell : cell instanceof JsonNumber ? cell.text : undefined;
    if (text === undefined || text.length === 0 || text.length > 15 || !PLAIN_INTEGER.test(text)) return false;
    const n = Number(text);
    if (n < min || n > max) return false;
    if (data !== dataOf()) { // the column grew (or a batch was taken): a new array
      data = dataOf();
      words = bitWidth === 64 ? new Int32Array(data.buffer, data.byteOffset, data.length * 2) : undefined;
    }
    if (!words) data[r] = n;
    else {
      words[2 * r] = n % 4294967296; // low word (two's complement: Int32Array wraps it)
      words[2 * r + 1] = Math.floor(n / 4294967296);
    }
    return true;
  };
}

const PLAIN_INTEGER = /^-?\d+$/;
