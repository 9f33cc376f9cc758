/**
 * Primary-key encoding. Every key (one or several columns) becomes a byte
 * string whose unsigned byte order equals the key order, so one comparison and
 * one hash serve every key type, and flushed files can be sorted by key.
 * Work is done over whole Arrow columns into one flat buffer: no per-row objects.
 *
 * Encodings (each column in turn):
 * - signed integers, dates, timestamps: big-endian with the sign bit flipped;
 * - unsigned integers: big-endian;
 * - floats: IEEE bits, sign-flipped for order; `-0` is encoded as `0` and every NaN
 *   as one canonical NaN, so they are one key each (documented in docs/keys.md);
 * - bool: one byte;
 * - utf8 / binary: the bytes, with 0x00 escaped as 0x00 0xFF and a 0x00 0x01
 *   terminator when another column follows (keeps the encoding prefix-free).
 *
 * Folder `keys/`: primary keys as bytes — this encoding, hashing (key-hash.ts), the
 * key → row map of memtables (key-map.ts), sorting (key-sort.ts) and the key ranges
 * of data files (key-range.ts).
 */
import { Type, type Data, type DataType, type RecordBatch, type Schema } from 'apache-arrow';
import { NullPrimaryKeyError, SchemaMismatchError } from '../errors.js';

/** Encoded keys of n rows: key i is `bytes[offsets[i], offsets[i+1])`. */
export interface EncodedKeys {
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

const FIXED_WIDTH: Partial<Record<Type, number>> = {
  [Type.Int]: 0, [Type.Float]: 0, [Type.Date]: 0, [Type.Timestamp]: 8, [Type.Time]: 0, [Type.Bool]: 1,
};

/**
 * Throws unless every key column exists in `schema` with a type freshtier can key on.
 *
 * @example
 * ```ts
 * assertKeyColumns(schema, ['tenant', 'id']);
 * ```
 */
export function assertKeyColumns(schema: Schema, keyColumns: readonly string[]): void {
  for (const name of keyColumns) {
    const f = schema.fields.find((x) => x.name === name);
    if (!f) throw new SchemaMismatchError(`primary-key column "${name}" is not in the schema`, { column: name });
    const halfFloat = f.typeId === Type.Float && (f.type as unknown as { precision: number }).precision === 0;
    if (halfFloat || (!(f.typeId in FIXED_WIDTH) && !isVarWidth(f.type))) {
      throw new SchemaMismatchError(`primary-key column "${name}" has type ${String(f.type)}; keys must be integers, floats, bool, dates, timestamps, utf8 or binary`, { column: name });
    }
  }
}

function isVarWidth(t: DataType): boolean {
  return t.typeId === Type.Utf8 || t.typeId === Type.Binary || t.typeId === Type.LargeUtf8 || t.typeId === Type.LargeBinary;
}

function fixedWidth(t: DataType): number {
  if (t.typeId === Type.Bool) return 1;
  if (t.typeId === Type.Timestamp) return 8;
  const bits = (t as unknown as { bitWidth?: number }).bitWidth;
  if (typeof bits === 'number') return bits / 8;
  if (t.typeId === Type.Float) return (t as unknown as { precision: number }).precision === 2 ? 8 : 4;
  if (t.typeId === Type.Date) return (t as unknown as { unit: number }).unit === 0 ? 4 : 8;
  throw new SchemaMismatchError(`unsupported key type ${String(t)}`);
}

/**
 * Encodes the key columns of `batch`. Throws `NullPrimaryKeyError` on a null key and
 * `SchemaMismatchError` on a missing key column, before anything is stored.
 *
 * @example
 * ```ts
 * const keys = encodeKeys(batch, ['id']);
 * const first = keys.bytes.subarray(keys.offsets[0], keys.offsets[1]);
 * ```
 */
export function encodeKeys(batch: RecordBatch, keyColumns: readonly string[]): EncodedKeys {
  const n = batch.numRows;
  const cols = keyColumns.map((name) => keyData(batch, name));
  const widths = cols.map((d, i) => columnWidths(d, n, i === cols.length - 1));
  const offsets = new Uint32Array(n + 1);
  // the fixed widths once; per row only the variable ones (an indexed loop: no iterator per row)
  let fixed = 0;
  const varying: Uint32Array[] = [];
  for (const cw of widths) {
    if (typeof cw === 'number') fixed += cw;
    else varying.push(cw);
  }
  for (let r = 0; r < n; r++) {
    let w = fixed;
    for (let c = 0; c < varying.length; c++) w += varying[c][r];
    offsets[r + 1] = offsets[r] + w;
  }
  const bytes = new Uint8Array(offsets[n]);
  const cursor = offsets.slice(0, n);
  cols.forEach((d, i) => writeColumn(d, n, bytes, cursor, i === cols.length - 1));
  return { count: n, bytes, offsets };
}

function keyData(batch: RecordBatch, name: string): Data {
  const idx = batch.schema.fields.findIndex((f) => f.name === name);
  if (idx < 0) throw new SchemaMismatchError(`the batch has no primary-key column "${name}"`, { column: name });
  const vec = batch.getChildAt(idx)!;
  if (vec.data.length !== 1) throw new SchemaMismatchError(`key column "${name}" must be a single chunk`);
  const d = vec.data[0];
  if (d.nullCount > 0) {
    for (let r = 0; r < d.length; r++) if (!d.getValid(r)) throw new NullPrimaryKeyError(name, r);
  }
  return d;
}

function columnWidths(d: Data, n: number, last: boolean): number | Uint32Array {
  if (!isVarWidth(d.type)) return fixedWidth(d.type);
  const w = new Uint32Array(n);
  // Arrow JS slices `valueOffsets` and fixed-width `values` with the Data; `d.offset` only
  // applies to bitmaps (validity, bool values). So row r is at index r, not d.offset + r.
  const offs = d.valueOffsets as Int32Array | BigInt64Array;
  const vals = d.values as Uint8Array;
  for (let r = 0; r < n; r++) {
    const s = Number(offs[r]);
    const e = Number(offs[r + 1]);
    let zeros = 0;
    if (!last) for (let k = s; k < e; k++) if (vals[k] === 0) zeros++;
    w[r] = e - s + (last ? 0 : zeros + 2);
  }
  return w;
}

function writeColumn(d: Data, n: number, out: Uint8Array, cursor: Uint32Array, last: boolean): void {
  if (isVarWidth(d.type)) return writeVar(d, n, out, cursor, last);
  if (d.type.typeId === Type.Bool) return writeBool(d, n, out, cursor);
  if (d.type.typeId === Type.Float) return writeFloat(d, n, out, cursor);
  writeInt(d, n, out, cursor);
}

function writeVar(d: Data, n: number, out: Uint8Array, cursor: Uint32Array, last: boolean): void {
  const offs = d.valueOffsets as Int32Array | BigInt64Array;
  const vals = d.values as Uint8Array;
  for (let r = 0; r < n; r++) {
    const s = Number(offs[r]); // valueOffsets are already sliced (see columnWidths)
    const e = Number(offs[r + 1]);
    let p = cursor[r];
    if (last) {
      out.set(vals.subarray(s, e), p);
      p += e - s;
    } else {
      for (let k = s; k < e; k++) {
        out[p++] = vals[k];
        if (vals[k] === 0) out[p++] = 0xff;
      }
      out[p++] = 0;
      out[p++] = 1;
    }
    cursor[r] = p;
  }
}

function writeBool(d: Data, n: number, out: Uint8Array, cursor: Uint32Array): void {
  const bits = d.values as Uint8Array;
  for (let r = 0; r < n; r++) {
    const i = d.offset + r;
    out[cursor[r]++] = (bits[i >> 3] >> (i & 7)) & 1;
  }
}

function writeInt(d: Data, n: number, out: Uint8Array, cursor: Uint32Array): void {
  const w = fixedWidth(d.type);
  const signed = (d.type as unknown as { isSigned?: boolean }).isSigned ?? true;
  const vals = d.values as ArrayLike<number | bigint> & ArrayBufferView;
  if (LITTLE_ENDIAN && vals.byteLength >= n * w) return writeIntBytes(vals, w, signed, n, out, cursor);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let r = 0; r < n; r++) {
    const p = cursor[r];
    const v = vals[r]; // values are already sliced (see columnWidths)
    if (w === 8) dv.setBigUint64(p, BigInt.asUintN(64, BigInt(v) + (signed ? 1n << 63n : 0n)));
    else if (w === 4) dv.setUint32(p, ((Number(v) + (signed ? 0x80000000 : 0)) >>> 0));
    else if (w === 2) dv.setUint16(p, (Number(v) + (signed ? 0x8000 : 0)) & 0xffff);
    else out[p] = (Number(v) + (signed ? 0x80 : 0)) & 0xff;
    cursor[r] = p + w;
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * writeInt without per-row BigInt or Number conversions (64-bit values would allocate
 * three BigInts per row): on a little-endian host each value's bytes are copied in
 * reverse (big-endian), the sign bit flipped for signed types. Same bytes as the generic path.
 */
function writeIntBytes(vals: ArrayBufferView, w: number, signed: boolean, n: number, out: Uint8Array, cursor: Uint32Array): void {
  const src = new Uint8Array(vals.buffer, vals.byteOffset, n * w); // values are already sliced (see columnWidths)
  const flip = signed ? 0x80 : 0;
  for (let r = 0; r < n; r++) {
    const p = cursor[r];
    const q = r * w + w - 1; // the most significant byte of value r
    out[p] = src[q] ^ flip;
    for (let k = 1; k < w; k++) out[p + k] = src[q - k];
    cursor[r] = p + w;
  }
}

function writeFloat(d: Data, n: number, out: Uint8Array, cursor: Uint32Array): void {
  const w = fixedWidth(d.type);
  const vals = d.values as Float64Array | Float32Array | Uint16Array;
  const scratch = new DataView(new ArrayBuffer(8));
  for (let r = 0; r < n; r++) {
    let v = Number(vals[r]); // values are already sliced (see columnWidths)
    if (v === 0) v = 0; // -0 and 0 are one key
    if (Number.isNaN(v)) v = NaN; // every NaN payload is one key
    if (w === 8) scratch.setFloat64(0, v);
    else scratch.setFloat32(0, v);
    const neg = (scratch.getUint8(0) & 0x80) !== 0;
    for (let k = 0; k < w; k++) {
      const b = scratch.getUint8(k);
      out[cursor[r] + k] = neg ? ~b & 0xff : k === 0 ? b ^ 0x80 : b;
    }
    cursor[r] += w;
  }
}

/** Lexicographic unsigned comparison of two byte ranges. */
export function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i] - b[bs + i];
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/** Key i of `keys` as a copy (for messages and manifests). */
export function keyAt(keys: EncodedKeys, i: number): Uint8Array {
  return keys.bytes.slice(keys.offsets[i], keys.offsets[i + 1]);
}

/** Hex of an encoded key, as stored in manifests (`pkMin`, `pkMax`). */
export function keyToHex(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}
