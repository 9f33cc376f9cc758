/**
 * Gathering rows from several batches into new columns (Arrow JS has no `take`
 * kernel). Fixed-width, boolean and variable-width columns are copied with typed
 * arrays; other types fall back to an Arrow builder. Used by flush (sorted,
 * deduplicated output) and by scans (rows that survive dedup and filters).
 */
import { MapRow, StructRow, Type, Vector, makeBuilder, makeData, makeVector, type Data, type DataType, type RecordBatch } from 'apache-arrow';

/** Rows to gather: row i comes from `batches[batchOf[i]]` at `rowOf[i]`; `batchOf[i] = -1` makes a null. */
export interface RowSelection {
  readonly count: number;
  readonly batchOf: Int32Array;
  readonly rowOf: Int32Array;
}

/**
 * Gathers column `col` of the selected rows into one Data. `type` is the output type
 * (a source batch lacking the column, or a -1 batch, yields nulls).
 *
 * @example
 * ```ts
 * declare const b0: RecordBatch, b1: RecordBatch;
 * const type = table.schema.fields[0].type;
 * const data = gatherColumn([b0, b1], 'id', type, { count: 2, batchOf: Int32Array.of(1, 0), rowOf: Int32Array.of(5, 0) });
 * ```
 */
export function gatherColumn(batches: readonly RecordBatch[], col: string, type: DataType, sel: RowSelection): Data {
  return gatherData(batches.map((b) => columnData(b, col)), type, sel);
}

/**
 * As {@link gatherColumn}, from one `Data` per source (undefined: the source yields nulls),
 * for columns whose name differs between sources (the merge's `_ft_seq_` state columns).
 *
 * @example
 * ```ts
 * declare const seqOfBatch0: Data; // one column of batch 0; batch 1 has none
 * const type = seqOfBatch0.type;
 * const data = gatherData([seqOfBatch0, undefined], type, { count: 1, batchOf: Int32Array.of(0), rowOf: Int32Array.of(3) });
 * ```
 */
export function gatherData(sources: (Data | undefined)[], type: DataType, sel: RowSelection): Data {
  if (isFixed(type)) return gatherFixed(sources, type, sel);
  if (type.typeId === Type.Bool) return gatherBool(sources, type, sel);
  if (type.typeId === Type.Utf8 || type.typeId === Type.Binary) return gatherVar(sources, type, sel);
  return gatherGeneric(sources, type, sel);
}

function columnData(b: RecordBatch, col: string): Data | undefined {
  const idx = b.schema.fields.findIndex((f) => f.name === col);
  if (idx < 0) return undefined;
  const v = b.getChildAt(idx)!;
  if (v.data.length !== 1) throw new Error(`column ${col} must be a single chunk`);
  return v.data[0];
}

function isFixed(t: DataType): boolean {
  return [Type.Int, Type.Float, Type.Date, Type.Timestamp, Type.Time, Type.Duration].includes(t.typeId);
}

function validity(sources: (Data | undefined)[], sel: RowSelection): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((sel.count + 7) >> 3);
  // no source holds a null and no row is a null row: nothing to look up per row
  if (sources.every((d) => d && d.nullCount === 0) && !sel.batchOf.includes(-1)) return { bitmap, nullCount: 0 };
  // per source, hoisted out of the loop: its bitmap (undefined: every row valid) and bit offset
  const bits = sources.map((d) => (d && d.nullCount !== 0 && d.nullBitmap && d.nullBitmap.length !== 0 ? d.nullBitmap : undefined));
  const offsets = sources.map((d) => d?.offset ?? 0);
  let nullCount = 0;
  for (let i = 0; i < sel.count; i++) {
    const b = sel.batchOf[i];
    let valid = b >= 0 && sources[b] !== undefined;
    if (valid && bits[b]) {
      const j = offsets[b] + sel.rowOf[i];
      valid = ((bits[b]![j >> 3] >> (j & 7)) & 1) === 1;
    }
    if (valid) bitmap[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  }
  return { bitmap, nullCount };
}

function stride(d: Data): number {
  return d.stride ?? 1;
}

function gatherFixed(sources: (Data | undefined)[], type: DataType, sel: RowSelection): Data {
  const proto = sources.find((s) => s)?.values ?? new (type.ArrayType as new (n: number) => ArrayLike<unknown>)(0);
  const st = sources.find((s) => s) ? stride(sources.find((s) => s)!) : 1;
  const out = new (proto.constructor as new (n: number) => { [i: number]: number | bigint })(sel.count * st);
  const rowBytes = st * (proto as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (rowBytes % 4 === 0) copyWords(sources, sel, out as unknown as ArrayBufferView, rowBytes / 4);
  else {
    for (let i = 0; i < sel.count; i++) {
      const d = sources[sel.batchOf[i]];
      if (!d || sel.batchOf[i] < 0) continue;
      const from = sel.rowOf[i] * st; // values are sliced with the Data: d.offset only applies to bitmaps
      for (let k = 0; k < st; k++) out[i * st + k] = (d.values as unknown as (number | bigint)[])[from + k];
    }
  }
  const { bitmap, nullCount } = validity(sources, sel);
  return makeData({ type: type as never, length: sel.count, nullCount, nullBitmap: nullCount ? bitmap : undefined, data: out as never });
}

/**
 * gatherFixed's copy for values of whole 32-bit words (int32/64, float32/64, dates, timestamps…):
 * copies the bits through Int32Array views. Reading a BigInt64Array element would allocate a
 * BigInt per row, and copying through numbers could canonicalise a float's NaN payload.
 */
function copyWords(sources: (Data | undefined)[], sel: RowSelection, out: ArrayBufferView, words: number): void {
  const dst = new Int32Array(out.buffer, out.byteOffset, out.byteLength >> 2);
  // (typed arrays of 4- and 8-byte elements always start at a multiple of 4)
  const views = sources.map((d) => {
    const v = d?.values as ArrayBufferView | undefined;
    return v ? new Int32Array(v.buffer, v.byteOffset, v.byteLength >> 2) : undefined;
  });
  for (let i = 0; i < sel.count; ) {
    const b = sel.batchOf[i];
    const src = b >= 0 ? views[b] : undefined;
    const run = runLength(sel, i);
    if (src) {
      const from = sel.rowOf[i] * words; // values are sliced with the Data: d.offset only applies to bitmaps
      const to = i * words;
      const n = run * words;
      if (run >= LONG_RUN) dst.set(src.subarray(from, from + n), to);
      else for (let k = 0; k < n; k++) dst[to + k] = src[from + k];
    }
    i += run;
  }
}

/** Runs at least this long are copied with one `set` (shorter ones element by element: a view per run costs more). */
const LONG_RUN = 16;

/** How many rows from `i` on are consecutive rows of one source (1 at least): they copy as one block. */
function runLength(sel: RowSelection, i: number): number {
  const b = sel.batchOf[i];
  const r = sel.rowOf[i];
  let j = i + 1;
  while (j < sel.count && sel.batchOf[j] === b && sel.rowOf[j] === r + (j - i)) j++;
  return j - i;
}

function gatherBool(sources: (Data | undefined)[], type: DataType, sel: RowSelection): Data {
  const out = new Uint8Array((sel.count + 7) >> 3);
  for (let i = 0; i < sel.count; i++) {
    const d = sources[sel.batchOf[i]];
    if (!d || sel.batchOf[i] < 0) continue;
    const j = d.offset + sel.rowOf[i];
    if ((d.values[j >> 3] >> (j & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
  }
  const { bitmap, nullCount } = validity(sources, sel);
  return makeData({ type: type as never, length: sel.count, nullCount, nullBitmap: nullCount ? bitmap : undefined, data: out });
}

function gatherVar(sources: (Data | undefined)[], type: DataType, sel: RowSelection): Data {
  // the sources' arrays, hoisted out of the Data objects once (not two property loads per row)
  const srcOffsets = sources.map((d) => d?.valueOffsets as Int32Array | undefined);
  const srcValues = sources.map((d) => d?.values as Uint8Array | undefined);
  const offsets = new Int32Array(sel.count + 1);
  for (let i = 0; i < sel.count; i++) {
    const b = sel.batchOf[i];
    const so = b >= 0 ? srcOffsets[b] : undefined;
    // valueOffsets are sliced with the Data (d.offset only applies to bitmaps)
    offsets[i + 1] = offsets[i] + (so ? so[sel.rowOf[i] + 1] - so[sel.rowOf[i]] : 0);
  }
  const bytes = new Uint8Array(offsets[sel.count]);
  for (let i = 0; i < sel.count; ) {
    const b = sel.batchOf[i];
    const run = runLength(sel, i); // consecutive rows of one source: their bytes are contiguous too
    const len = offsets[i + run] - offsets[i];
    i += run;
    if (b < 0 || len === 0 || !srcOffsets[b]) continue;
    const s = srcOffsets[b]![sel.rowOf[i - run]];
    const vals = srcValues[b]!;
    // short values byte by byte: `subarray` would allocate a view per row
    if (len <= 64) for (let k = 0, p = offsets[i - run]; k < len; k++) bytes[p + k] = vals[s + k];
    else bytes.set(vals.subarray(s, s + len), offsets[i - run]);
  }
  const { bitmap, nullCount } = validity(sources, sel);
  return makeData({ type: type as never, length: sel.count, nullCount, nullBitmap: nullCount ? bitmap : undefined, valueOffsets: offsets, data: bytes });
}

function gatherGeneric(sources: (Data | undefined)[], type: DataType, sel: RowSelection): Data {
  const vectors: (Vector | undefined)[] = sources.map((d) => (d ? makeVector(d) : undefined));
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (let i = 0; i < sel.count; i++) {
    const v = sel.batchOf[i] >= 0 ? vectors[sel.batchOf[i]] : undefined;
    builder.append(v ? toBuilderValue(v.get(sel.rowOf[i])) : null);
  }
  return builder.finish().flush();
}

/**
 * Arrow getters return list values as Vectors (also inside structs and maps), which Arrow's
 * builders cannot read back (they index `value[i]`, so every element became null/0): convert them
 * to plain arrays, recursively. The vectors come from `makeVector` above, so they are this copy's classes.
 */
function toBuilderValue(x: unknown): unknown {
  if (x instanceof Vector) return Array.from(x, toBuilderValue);
  if (x instanceof StructRow) return Object.fromEntries(Array.from(x as Iterable<[string, unknown]>, ([k, v]) => [k, toBuilderValue(v)]));
  if (x instanceof MapRow) return new Map(Array.from(x as Iterable<[unknown, unknown]>, ([k, v]) => [toBuilderValue(k), toBuilderValue(v)]));
  return x;
}
