/**
 * Text input (CSV, JSON Lines) turned into Arrow columns one column at a time: the
 * cells of a batch are gathered per column, then each column is converted with its
 * type's converter (values.ts: exact or refused) straight into its Arrow buffers —
 * typed arrays for numbers, dates and timestamps, a bitmap for booleans, offsets and
 * UTF-8 bytes for strings — instead of through apache-arrow's per-value builders.
 * Other types go through {@link columnData}.
 */
import { Type, makeData, type Data, type DataType, type Field } from 'apache-arrow';
import { columnData } from './column-data.js';
import { JsonNumber } from './json-line.js';
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
 * One column of `field` from its raw cells (`undefined` = absent, `null` = null),
 * each converted by `convert`. Rows from `limit` on are not looked at when a problem
 * before it is already known (callers pass the first bad row of earlier columns).
 * Throws the first {@link CellProblem}.
 *
 * @example
 * ```ts
 * const data = buildColumn(field, ['1', null, '3'], converterFor(field.type));
 * ```
 */
export function buildColumn(field: Field, cells: readonly unknown[], convert: (v: unknown) => unknown, limit = cells.length): Data {
  const { type } = field;
  const length = cells.length;
  const valid = new Uint8Array(((length + 63) >> 6) << 3); // 64-bit padded, like Arrow's own
  let nulls = 0;
  const cellAt = (r: number): unknown => {
    let v: unknown;
    try {
      v = convert(cells[r]);
    } catch (e) {
      if (e instanceof ConvertError) throw new CellProblem(r, field, cells[r], e);
      throw e;
    }
    if (v === null || v === undefined) {
      if (!field.nullable) throw new CellProblem(r, field, cells[r]);
      nulls++;
      return null;
    }
    valid[r >> 3] |= 1 << (r & 7);
    return v;
  };
  const end = Math.min(length, limit);
  const bitmap = () => (nulls > 0 ? valid : undefined);
  if (typedArrayColumn(type)) {
    const data = new (type.ArrayType as new (n: number) => Int32Array | BigInt64Array | Float64Array)(length);
    const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
    const small = type.typeId === Type.Int ? smallIntegers(type, data) : undefined;
    for (let r = 0; r < end; r++) {
      if (small?.(cells[r], r)) {
        valid[r >> 3] |= 1 << (r & 7);
        continue;
      }
      const v = cellAt(r);
      if (v !== null) (data as unknown as unknown[])[r] = big ? BigInt(v as bigint) : Number(v);
    }
    return makeData({ type: type as never, length, nullCount: nulls, nullBitmap: bitmap(), data: data as never });
  }
  if (type.typeId === Type.Bool) {
    const bits = new Uint8Array(valid.length);
    for (let r = 0; r < end; r++) if (cellAt(r) === true) bits[r >> 3] |= 1 << (r & 7);
    return makeData({ type: type as never, length, nullCount: nulls, nullBitmap: bitmap(), data: bits });
  }
  if (type.typeId === Type.Utf8) {
    const texts = new Array<string>(length);
    for (let r = 0; r < end; r++) texts[r] = (cellAt(r) as string | null) ?? '';
    const { offsets, bytes } = utf8Column(texts, end);
    return makeData({ type: type as never, length, nullCount: nulls, nullBitmap: bitmap(), valueOffsets: offsets, data: bytes });
  }
  const values = new Array<unknown>(length);
  for (let r = 0; r < end; r++) values[r] = cellAt(r);
  return columnData(type, values);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * The common case of an integer cell, without the converter's BigInt: text (a CSV cell, or
 * a JSON number's source) of at most 15 digits, plainly written (`-` and digits only),
 * within the column's range. Stores it in row `r` of `data` and returns true; anything
 * else returns false and takes the converter's path (which refuses or reads it exactly).
 */
function smallIntegers(type: DataType, data: ArrayLike<unknown>): ((cell: unknown, r: number) => boolean) | undefined {
  const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
  const min = isSigned ? -(2 ** (bitWidth - 1)) : 0;
  const max = bitWidth === 64 ? Number.MAX_SAFE_INTEGER : isSigned ? 2 ** (bitWidth - 1) - 1 : 2 ** bitWidth - 1;
  const words = bitWidth === 64 ? new Int32Array((data as BigInt64Array).buffer) : undefined;
  if (words && !LITTLE_ENDIAN) return undefined;
  const out = data as unknown as number[];
  return (cell, r) => {
    const text = typeof cell === 'string' ? cell : cell instanceof JsonNumber ? cell.text : undefined;
    if (text === undefined || text.length === 0 || text.length > 15 || !PLAIN_INTEGER.test(text)) return false;
    const n = Number(text);
    if (n < min || n > max) return false;
    if (!words) out[r] = n;
    else {
      words[2 * r] = n % 4294967296; // low word (two's complement: Int32Array wraps it)
      words[2 * r + 1] = Math.floor(n / 4294967296);
    }
    return true;
  };
}

const PLAIN_INTEGER = /^-?\d+$/;

/** Offsets and UTF-8 bytes of `texts` (the first `count`; the rest empty). */
function utf8Column(texts: readonly string[], count: number): { offsets: Int32Array; bytes: Uint8Array } {
  const offsets = new Int32Array(texts.length + 1);
  let chars = 0;
  for (let r = 0; r < count; r++) offsets[r + 1] = chars += texts[r].length;
  offsets.fill(chars, count + 1);
  const all = texts.length === count ? texts.join('') : texts.slice(0, count).join('');
  if (isAscii(all)) {
    // one byte per character: the UTF-8 bytes are the Latin-1 ones
    const bytes = new Uint8Array(all.length);
    Buffer.from(bytes.buffer).write(all, 'latin1');
    return { offsets, bytes };
  }
  // otherwise string by string (joining could pair surrogate halves of neighbours)
  let at = 0;
  for (let r = 0; r < count; r++) offsets[r + 1] = at += Buffer.byteLength(texts[r], 'utf8');
  offsets.fill(at, count + 1);
  const bytes = new Uint8Array(at);
  const view = Buffer.from(bytes.buffer);
  for (let r = 0; r < count; r++) view.write(texts[r], offsets[r], 'utf8');
  return { offsets, bytes };
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;

function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}
