/**
 * One memtable batch's encoded primary keys, read where they already are.
 *
 * A memtable keeps one copy of each key (issue 16). Most tables key on one integer, date,
 * timestamp, utf8 or binary column, and then the encoded key (pk-encoding.ts) is a plain
 * function of the Arrow column the batch holds anyway: an integer's bytes reversed with the
 * sign bit flipped, a string's bytes as they are. For those the memtable keeps no key bytes
 * at all and reads the column ({@link ColumnKeys}); every other key (several columns, floats,
 * bool, large strings) keeps the `EncodedKeys` the write path made ({@link StoredKeys}).
 *
 * Which one a batch gets is decided by comparing, row by row, what the column would give
 * with the keys `encodeKeys` made (`rowKeysOf`): a column is used only if it gives every
 * row's key byte for byte, so reading it is exact by construction, whatever the column's
 * type, slicing or host byte order.
 */
import { Type, type Data, type RecordBatch } from 'apache-arrow';
import { hashKey } from '../keys/key-hash.js';
import type { EncodedKeys } from '../keys/pk-encoding.js';

/**
 * Where a batch's keys are read from, as plain data (crosses to the flush worker): column
 * `column` of the batch (`width` > 0: an integer of that many bytes, `flip` its sign bit;
 * `width` 0: the bytes of a string or binary column), or `stored` encoded keys.
 *
 * @example
 * ```ts
 * const spec: KeySpec = { column: 0, width: 8, flip: 0x80 }; // an Int64 key in the batch's first column
 * ```
 */
export type KeySpec = ColumnSpec | { readonly stored: EncodedKeys };

/**
 * Keys read from a column of the batch (see {@link KeySpec}).
 *
 * @example
 * ```ts
 * const utf8: ColumnSpec = { column: 2, width: 0, flip: 0 }; // the bytes of a utf8 key in column 2
 * ```
 */
export interface ColumnSpec {
  readonly column: number;
  readonly width: number;
  readonly flip: number;
}

/**
 * One batch's keys: row r's encoded key, without a copy per row.
 *
 * @example
 * ```ts
 * const rk = rowKeysOf(batch, encodeKeys(batch, ['id']));
 * rk.equals(0, keys.bytes, keys.offsets[0], keys.offsets[1]); // true
 * ```
 */
export interface RowKeys {
  readonly spec: KeySpec;
  /** Memory the keys take beyond the batch's Arrow buffers (stored keys only). */
  readonly ownBytes: number;
  /** Whether row r's key is `bytes[s, e)`. */
  equals(r: number, bytes: Uint8Array, s: number, e: number): boolean;
  /** `hashKey` of every row's key, into `out[0, rows)` (one loop: growing the key index re-hashes whole batches). */
  hashAll(out: Uint32Array): void;
  /** Length of row r's key. */
  width(r: number): number;
  /** Writes row r's key at `out[p...]`; returns where it ends. */
  write(r: number, out: Uint8Array, p: number): number;
  /** Every row's key, as `encodeKeys` gives them (a fresh copy unless stored). */
  encoded(): EncodedKeys;
  /**
   * Copies the keys of rows `ords[i] - base` for i in `[from, to)` to `out` as entries i:
   * with `out.offsets` null, sets `offsets[i + 1] = offsets[i] + width`; else writes the bytes
   * at `offsets[i]`. One call per batch, not per key (memtable-entries.ts).
   */
  copyRows(ords: Int32Array, from: number, to: number, base: number, offsets: Uint32Array, arena: Uint8Array | null): void;
}

/** `copyRows` through `width` and `write`, for any keys. */
function copyRowsOf(rk: RowKeys, ords: Int32Array, from: number, to: number, base: number, offsets: Uint32Array, arena: Uint8Array | null): void {
  if (!arena) for (let i = from; i < to; i++) offsets[i + 1] = offsets[i] + rk.width(ords[i] - base);
  else for (let i = from; i < to; i++) rk.write(ords[i] - base, arena, offsets[i]);
}

const scratch = new Uint8Array(8);

/** An integer-like column: key r is value r's bytes, most significant first, sign bit flipped. */
class IntKeys implements RowKeys {
  readonly ownBytes = 0;
  constructor(readonly spec: ColumnSpec, private readonly src: Uint8Array, private readonly n: number) {}

  equals(r: number, bytes: Uint8Array, s: number, e: number): boolean {
    const w = this.spec.width;
    if (e - s !== w) return false;
    const src = this.src;
    const q = r * w + w - 1;
    if (bytes[s] !== (src[q] ^ this.spec.flip)) return false;
    for (let k = 1; k < w; k++) if (bytes[s + k] !== src[q - k]) return false;
    return true;
  }

  hashAll(out: Uint32Array): void {
    for (let r = 0; r < this.n; r++) out[r] = hashKey(scratch, 0, this.write(r, scratch, 0));
  }

  width(): number {
    return this.spec.width;
  }

  write(r: number, out: Uint8Array, p: number): number {
    const w = this.spec.width;
    const src = this.src;
    const q = r * w + w - 1;
    out[p] = src[q] ^ this.spec.flip;
    for (let k = 1; k < w; k++) out[p + k] = src[q - k];
    return p + w;
  }

  encoded(): EncodedKeys {
    return encodeAll(this, this.n);
  }

  copyRows(ords: Int32Array, from: number, to: number, base: number, offsets: Uint32Array, arena: Uint8Array | null): void {
    const w = this.spec.width;
    if (!arena) for (let i = from; i < to; i++) offsets[i + 1] = offsets[i] + w;
    else {
      const { src, spec } = this;
      for (let i = from; i < to; i++) {
        const q = (ords[i] - base) * w + w - 1;
        const p = offsets[i];
        arena[p] = src[q] ^ spec.flip;
        for (let k = 1; k < w; k++) arena[p + k] = src[q - k];
      }
    }
  }
}

/** A utf8 or binary column (32-bit offsets): key r is value r's bytes. */
class BytesKeys implements RowKeys {
  readonly ownBytes = 0;
  constructor(readonly spec: ColumnSpec, private readonly offs: Int32Array, private readonly vals: Uint8Array, private readonly n: number) {}

  equals(r: number, bytes: Uint8Array, s: number, e: number): boolean {
    const a = this.offs[r];
    const len = this.offs[r + 1] - a;
    if (e - s !== len) return false;
    const vals = this.vals;
    for (let k = 0; k < len; k++) if (bytes[s + k] !== vals[a + k]) return false;
    return true;
  }

  hashAll(out: Uint32Array): void {
    const { offs, vals } = this;
    for (let r = 0; r < this.n; r++) out[r] = hashKey(vals, offs[r], offs[r + 1]);
  }

  width(r: number): number {
    return this.offs[r + 1] - this.offs[r];
  }

  write(r: number, out: Uint8Array, p: number): number {
    const vals = this.vals;
    for (let k = this.offs[r]; k < this.offs[r + 1]; k++) out[p++] = vals[k];
    return p;
  }

  encoded(): EncodedKeys {
    return encodeAll(this, this.n);
  }

  copyRows(ords: Int32Array, from: number, to: number, base: number, offsets: Uint32Array, arena: Uint8Array | null): void {
    copyRowsOf(this, ords, from, to, base, offsets, arena);
  }
}

/** Keys kept as `encodeKeys` made them. */
class StoredKeys implements RowKeys {
  readonly spec: KeySpec;
  readonly ownBytes: number;
  constructor(private readonly keys: EncodedKeys) {
    this.spec = { stored: keys };
    this.ownBytes = keys.bytes.byteLength + keys.offsets.byteLength;
  }

  equals(r: number, bytes: Uint8Array, s: number, e: number): boolean {
    const { bytes: kb, offsets } = this.keys;
    const a = offsets[r];
    if (offsets[r + 1] - a !== e - s) return false;
    for (let k = 0; k < e - s; k++) if (kb[a + k] !== bytes[s + k]) return false;
    return true;
  }

  hashAll(out: Uint32Array): void {
    const { bytes, offsets, count } = this.keys;
    for (let r = 0; r < count; r++) out[r] = hashKey(bytes, offsets[r], offsets[r + 1]);
  }

  width(r: number): number {
    return this.keys.offsets[r + 1] - this.keys.offsets[r];
  }

  write(r: number, out: Uint8Array, p: number): number {
    const { bytes, offsets } = this.keys;
    for (let k = offsets[r]; k < offsets[r + 1]; k++) out[p++] = bytes[k];
    return p;
  }

  encoded(): EncodedKeys {
    return this.keys;
  }

  copyRows(ords: Int32Array, from: number, to: number, base: number, offsets: Uint32Array, arena: Uint8Array | null): void {
    copyRowsOf(this, ords, from, to, base, offsets, arena);
  }
}

function encodeAll(rk: RowKeys, n: number): EncodedKeys {
  const offsets = new Uint32Array(n + 1);
  for (let r = 0; r < n; r++) offsets[r + 1] = offsets[r] + rk.width(r);
  const bytes = new Uint8Array(offsets[n]);
  for (let r = 0; r < n; r++) rk.write(r, bytes, offsets[r]);
  return { count: n, bytes, offsets };
}

/**
 * The keys of `batch`, read from one of its columns where one gives exactly `keys` (the
 * batch's `encodeKeys`), else kept as `keys`. `hint`: the column the previous batch used,
 * tried first.
 *
 * @example
 * ```ts
 * const rk = rowKeysOf(batch, encodeKeys(batch, ['id']));
 * rk.spec; // { column: 0, width: 8, flip: 128 } for an Int64 `id` in column 0
 * ```
 */
export function rowKeysOf(batch: RecordBatch, keys: EncodedKeys, hint = -1): RowKeys {
  const n = batch.numRows;
  if (keys.count !== n || n === 0) return new StoredKeys(keys);
  const columns = batch.data.children;
  const order = hint >= 0 && hint < columns.length ? [hint, ...columns.keys()] : [...columns.keys()];
  for (const c of order) {
    const rk = columnKeys(columns[c], c, n, keys);
    if (rk && matchesEvery(rk, keys)) return rk;
  }
  return new StoredKeys(keys);
}

/**
 * The keys `spec` names in `batch` (no check: `spec` comes from `rowKeysOf` on the same
 * batch, e.g. in the flush worker, which gets the batch's buffers as they were).
 *
 * @example
 * ```ts
 * const again = rowKeysFromSpec(batch, rowKeysOf(batch, keys).spec);
 * ```
 */
export function rowKeysFromSpec(batch: RecordBatch, spec: KeySpec): RowKeys {
  if ('stored' in spec) return new StoredKeys(spec.stored);
  const d = batch.data.children[spec.column];
  const n = batch.numRows;
  if (spec.width > 0) return new IntKeys(spec, valueBytes(d, n * spec.width)!, n);
  return new BytesKeys(spec, d.valueOffsets as Int32Array, d.values as Uint8Array, n);
}

/** A candidate reader for column `c` (its shape fits the keys' first row), or undefined. */
function columnKeys(d: Data, c: number, n: number, keys: EncodedKeys): RowKeys | undefined {
  if (d.nullCount > 0) return undefined;
  const t = d.type.typeId;
  const w = keys.offsets[1] - keys.offsets[0];
  if (t === Type.Int || t === Type.Date || t === Type.Timestamp || t === Type.Time) {
    if (w !== 1 && w !== 2 && w !== 4 && w !== 8) return undefined;
    const src = valueBytes(d, n * w);
    if (!src) return undefined;
    const flip = keys.bytes[0] ^ src[w - 1]; // what the encoding did to the most significant byte
    return flip === 0 || flip === 0x80 ? new IntKeys({ column: c, width: w, flip }, src, n) : undefined;
  }
  if ((t === Type.Utf8 || t === Type.Binary) && d.valueOffsets instanceof Int32Array && d.values instanceof Uint8Array) {
    return new BytesKeys({ column: c, width: 0, flip: 0 }, d.valueOffsets, d.values, n);
  }
  return undefined;
}

/** Column values as bytes (Arrow JS slices `values` with the Data: row r is at r * width). */
function valueBytes(d: Data, length: number): Uint8Array | undefined {
  const v = d.values as ArrayBufferView | undefined;
  if (!v || v.byteLength < length) return undefined;
  return new Uint8Array(v.buffer, v.byteOffset, length);
}

/** Whether `rk` gives exactly `keys`, row by row (stops at the first difference). */
function matchesEvery(rk: RowKeys, keys: EncodedKeys): boolean {
  const { bytes, offsets } = keys;
  for (let r = 0; r < keys.count; r++) if (!rk.equals(r, bytes, offsets[r], offsets[r + 1])) return false;
  return true;
}
