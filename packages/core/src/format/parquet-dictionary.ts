/**
 * Which columns to write without Parquet dictionary encoding. The writer
 * (parquet-rs) dictionary-encodes every column by default and falls back to plain
 * encoding once a chunk's dictionary outgrows its page limit. For a column whose
 * values are (nearly) all distinct — a primary key, a float measurement, an id
 * string — that attempt is pure cost: building the dictionary takes most of the
 * write time (about 4x a plain write) and the file comes out *larger* (dictionary
 * page plus indices). Such columns are detected from a sample of the first row group
 * and written plain; every other column keeps the default. Both encodings are
 * standard Parquet: readers see the same values.
 */
import { Type, type RecordBatch, type Vector } from 'apache-arrow';

/** Rows sampled per column: all distinct in the sample means (nearly) unique within the row group. */
const SAMPLE = 1024;
/** Below this many rows in the first row group, the choice does not matter. */
const MIN_ROWS = 256;

const SAMPLED = new Set<Type>([Type.Int, Type.Float, Type.Date, Type.Timestamp, Type.Time, Type.Duration, Type.Utf8, Type.LargeUtf8, Type.Binary, Type.LargeBinary]);

/**
 * Names of the top-level columns of `batches` (one schema) whose sampled values in the
 * first row group (`rowGroupSize` rows) are all distinct: those gain nothing from a dictionary.
 *
 * @example
 * ```ts
 * for (const name of uniqueColumns(batches, 65_536)) props.setColumnDictionaryEnabled(name, false);
 * ```
 */
export function uniqueColumns(batches: readonly RecordBatch[], rowGroupSize: number): string[] {
  if (batches.length === 0) return [];
  const total = batches.reduce((n, b) => n + b.numRows, 0);
  const window = Math.min(rowGroupSize, total);
  if (window < MIN_ROWS) return [];
  const count = Math.min(SAMPLE, window);
  const step = window / count;
  const out: string[] = [];
  batches[0].schema.fields.forEach((field, col) => {
    if (!SAMPLED.has(field.typeId)) return; // nested, dictionary, bool, decimal…: keep the default
    const seen = new Set<unknown>();
    let b = 0;
    let base = 0; // first row of batches[b]
    for (let k = 0; k < count; k++) {
      const row = Math.floor(k * step);
      while (row >= base + batches[b].numRows) base += batches[b++].numRows;
      const v = (batches[b].getChildAt(col) as Vector | null)?.get(row - base);
      seen.add(v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1') : v);
      if (seen.size <= k) return; // a repeat: the dictionary may pay off
    }
    out.push(field.name);
  });
  return out;
}
