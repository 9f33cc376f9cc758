/**
 * Input files of `freshtier append`: Parquet, Arrow IPC, CSV/TSV and JSON Lines,
 * read as record batches already in the table's schema (columns in table order,
 * types converted exactly, nulls checked), so every problem is reported with a row
 * or line number before the writer sees the batch. An input that lacks some of the
 * table's columns is refused unless `allowMissingColumns` (input-errors.ts).
 *
 * Parquet and Arrow files are decoded in memory (parquet-wasm decodes whole files);
 * CSV and JSON Lines are streamed and converted column by column (text-input.ts).
 * `delete` reads the key columns only ({@link inputTarget}).
 */
import { readFile, stat } from 'node:fs/promises';
import { batchByteSize, readParquetFile, sameType, type Table } from '@freshtier/core';
import { Schema, Type, tableFromIPC, type Data, type Field, type RecordBatch, type Table as ArrowTable, type Vector } from 'apache-arrow';
import { columnData } from './column-data.js';
import { InputRejectedError, UsageError } from './errors.js';
import { missingColumns, missingColumnsError, nullCellHint, rowError, valueHint, type MissingColumnsPolicy } from './input-errors.js';
import type { TimeUnitCode } from './iso-time.js';
import { StoredTemporal } from './temporal-values.js';
import { readJsonl } from './jsonl-input.js';
import { assemble, readCsv, type InputTarget } from './text-input.js';
import { ConvertError, converterFor, describeValue } from './values.js';

export type InputFormat = 'parquet' | 'arrow' | 'csv' | 'tsv' | 'jsonl';
export const INPUT_FORMATS: readonly InputFormat[] = ['parquet', 'arrow', 'csv', 'tsv', 'jsonl'];

const EXTENSIONS: Record<string, InputFormat> = {
  parquet: 'parquet', pq: 'parquet', arrow: 'arrow', arrows: 'arrow', ipc: 'arrow', feather: 'arrow',
  csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl',
};

/** The format of an input file, from `--input-format` or its extension. */
export function inputFormatOf(path: string, override?: string): InputFormat {
  if (override !== undefined) {
    if (!(INPUT_FORMATS as readonly string[]).includes(override)) throw new UsageError(`unknown --input-format "${override}"`, `use one of ${INPUT_FORMATS.join(', ')}`);
    return override as InputFormat;
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  const f = ext ? EXTENSIONS[ext] : undefined;
  if (!f) throw new UsageError(`cannot tell the format of ${path} from its extension`, `name it .parquet, .arrow, .csv, .tsv or .jsonl, or pass --input-format <${INPUT_FORMATS.join('|')}>`);
  return f;
}

/** A readable input: its size for progress, and its batches (may be read more than once). */
export interface InputSource {
  readonly format: InputFormat;
  /** Total work for progress: bytes (CSV/JSONL) or rows (Parquet/Arrow). */
  readonly total: number;
  readonly unit: 'bytes' | 'rows';
  /** The file's size on disk. */
  readonly fileBytes: number;
  read(onProgress?: (done: number) => void): AsyncIterable<RecordBatch>;
}

/**
 * Options of {@link openInput}.
 *
 * @example
 * ```ts
 * const o: OpenInputOptions = { batchRows: 50_000, allowMissingColumns: false };
 * ```
 */
export interface OpenInputOptions {
  format?: string;
  batchRows: number;
  /** Store null in nullable columns the input lacks (refused by default). */
  allowMissingColumns?: boolean;
  /** Read only the primary-key columns (`delete`); the table's other columns may be in the file and are skipped. */
  keysOnly?: boolean;
}

/**
 * What an input is read into: all the table's columns (append), or its key columns (delete).
 *
 * @example
 * ```ts
 * const target = inputTarget(table, { batchRows: 50_000, keysOnly: true });
 * target.schema.fields.map((f) => f.name); // ['id']
 * ```
 */
export function inputTarget(table: Table, options: OpenInputOptions): InputTarget {
  const keys = options.keysOnly === true;
  const fields = keys ? table.primaryKey.map((k) => table.schema.fields.find((f) => f.name === k)!) : table.schema.fields;
  const policy: MissingColumnsPolicy = {
    allowMissing: !keys && options.allowMissingColumns === true,
    upsert: !table.appendOnly,
    partialUpdate: table.mergeSpec.mergeEngine === 'partial-update',
    deleting: keys,
  };
  const skipped = keys ? table.schema.fields.filter((f) => !table.primaryKey.includes(f.name)).map((f) => f.name) : [];
  return { schema: keys ? new Schema(fields) : table.schema, skipped, primaryKey: table.primaryKey, policy };
}

/**
 * Opens an input file for `table`; a missing file is a {@link UsageError}, content
 * the table cannot take an {@link InputRejectedError} (thrown while reading).
 *
 * @example
 * ```ts
 * const input = await openInput('rows.csv', table, { batchRows: 50_000 });
 * for await (const batch of input.read()) console.log(batch.numRows);
 * ```
 */
export async function openInput(path: string, table: Table, options: OpenInputOptions): Promise<InputSource> {
  const format = inputFormatOf(path, options.format);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
    size = s.size;
  } catch (e) {
    throw new UsageError(`cannot read input file ${path}: ${(e as Error).message}`, 'check the path');
  }
  const target = inputTarget(table, options);
  if (format === 'csv' || format === 'tsv' || format === 'jsonl') {
    const text = { batchRows: options.batchRows, target };
    return rereadFromMemory({
      format, total: size, unit: 'bytes', fileBytes: size,
      read: (onProgress) => (format === 'jsonl' ? readJsonl(path, text, onProgress) : readCsv(path, format === 'tsv' ? '\t' : ',', text, onProgress)),
    });
  }
  const bytes = await readFile(path);
  let data: ArrowTable;
  try {
    data = format === 'parquet' ? readParquetFile(bytes, path) : tableFromIPC(bytes);
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause ?? e;
    throw new InputRejectedError(`${path} is not a readable ${format === 'parquet' ? 'Parquet' : 'Arrow IPC'} file: ${(cause as Error).message ?? String(cause)}`, `check the file, or pass --input-format if its extension is misleading; nothing was written`);
  }
  let converted: RecordBatch[] | undefined;
  return {
    format, total: data.numRows, unit: 'rows', fileBytes: size,
    async *read(onProgress) {
      converted ??= convertTable(data, target, path, options.batchRows);
      let done = 0;
      for (const b of converted) {
        yield b;
        onProgress?.((done += b.numRows));
      }
    },
  };
}

/** Converted batches an input keeps after its first complete read, so the next read does not parse the text again. */
const REREAD_CACHE_BYTES = 64 << 20;

/**
 * A text input whose first complete read is kept, when its batches take at most
 * {@link REREAD_CACHE_BYTES}, and replayed by later reads: `append` reads a file twice
 * (the check, then the load), and parsing is most of a small file's cost. A larger
 * input is parsed again, so memory stays bounded whatever the file's size.
 */
function rereadFromMemory(input: InputSource): InputSource {
  let kept: RecordBatch[] | undefined;
  return {
    ...input,
    async *read(onProgress) {
      if (kept) {
        for (const b of kept) yield b;
        onProgress?.(input.total);
        return;
      }
      let batches: RecordBatch[] | undefined = [];
      let bytes = 0;
      for await (const b of input.read(onProgress)) {
        if (batches && (bytes += batchByteSize(b)) <= REREAD_CACHE_BYTES) batches.push(b);
        else batches = undefined;
        yield b;
      }
      kept = batches;
    },
  };
}

/** Parquet/Arrow input: match columns by name, convert types that differ, split into batches of at most `batchRows`. */
function convertTable(data: ArrowTable, target: InputTarget, path: string, batchRows: number): RecordBatch[] {
  const { schema, policy } = target;
  const names = data.schema.fields.map((f) => f.name);
  const extra = names.filter((n) => !schema.fields.some((f) => f.name === n) && !target.skipped.includes(n));
  if (extra.length) throw new InputRejectedError(`${path} has column(s) the table does not: ${extra.join(', ')}`, `the table's columns are ${[...schema.fields.map((f) => f.name), ...target.skipped].join(', ')}; drop the others from the file; nothing was written`);
  const missing = missingColumns(schema, (n) => names.includes(n), policy);
  if (missing) throw missingColumnsError(path, 'file', missing, schema, policy, 'a column of nulls');
  const out: RecordBatch[] = [];
  let rowBase = 0;
  for (const inBatch of data.batches) {
    for (let start = 0; start < inBatch.numRows; start += batchRows) {
      const b = inBatch.numRows <= batchRows ? inBatch : inBatch.slice(start, Math.min(inBatch.numRows, start + batchRows)); // whole, or one slice
      const children = schema.fields.map((field) => {
        const vec = b.getChild(field.name);
        // absent (allowed by --allow-missing-columns, nullable): a column of nulls
        return vec ? convertColumn(vec, field, path, rowBase + start, target.primaryKey) : columnData(field.type, new Array(b.numRows).fill(null));
      });
      out.push(assemble(schema, children, b.numRows));
    }
    rowBase += inBatch.numRows;
  }
  return out;
}

/** One input column as `field`'s type; `firstRow` numbers rows in errors (0-based). */
function convertColumn(vec: Vector, field: Field, path: string, firstRow: number, primaryKey: readonly string[]): Data {
  const reuse = sameType(vec.type, field.type) && vec.data.length === 1;
  const conv = converterFor(field.type);
  const cell = cellReader(vec);
  const values = reuse ? undefined : new Array<unknown>(vec.length);
  for (let r = 0; r < vec.length; r++) {
    const valid = vec.isValid(r);
    if (!valid && !field.nullable) throw rowError(path, `row ${firstRow + r + 1}`, field, 'is null but the column is not nullable', nullCellHint(field, primaryKey));
    if (!values) continue;
    try {
      values[r] = valid ? conv(cell(r)) : null;
    } catch (e) {
      if (e instanceof ConvertError) throw rowError(path, `row ${firstRow + r + 1}`, field, `has ${describeValue(e.got)} of type ${String(vec.type)}, which cannot become ${String(field.type)}${e.reason ? ` (${e.reason})` : ''}`, valueHint(field, e));
      throw e;
    }
  }
  return values ? columnData(field.type, values) : vec.data[0];
}

/**
 * How to read a cell of `vec` for conversion. Dates and timestamps are read as their
 * stored integers ({@link StoredTemporal}): `vec.get` gives milliseconds as a double,
 * which drops micro- and nanoseconds.
 */
function cellReader(vec: Vector): (r: number) => unknown {
  const t = vec.type as unknown as { typeId: Type; unit: number };
  if (t.typeId !== Type.Timestamp && t.typeId !== Type.Date) return (r) => vec.get(r);
  const unit = (t.typeId === Type.Timestamp ? t.unit : t.unit === 0 ? 0 : 1) as TimeUnitCode;
  const scale = t.typeId === Type.Date && t.unit === 0 ? 86_400n : 1n; // date32: days → seconds
  return (r) => new StoredTemporal(storedInteger(vec, r) * scale, unit);
}

function storedInteger(vec: Vector, r: number): bigint {
  let at = r;
  for (const d of vec.data) {
    if (at < d.length) return BigInt((d.values as BigInt64Array | Int32Array)[d.offset + at]);
    at -= d.length;
  }
  throw new RangeError(`row ${r} is beyond the column's ${vec.length} rows`);
}
