/**
 * Input files of `freshtier append`: Parquet, Arrow IPC, CSV/TSV and JSON Lines,
 * read as record batches already in the table's schema (columns in table order,
 * types converted, nulls checked), so every problem is reported with a row or line
 * number before the writer sees the batch.
 *
 * Parquet and Arrow files are decoded in memory (parquet-wasm decodes whole files);
 * CSV and JSON Lines are streamed.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { readParquetFile, sameType, type Table } from '@freshtier/core';
import { RecordBatch, Struct, makeData, tableFromIPC, vectorFromArray, type Data, type Field, type Schema, type Table as ArrowTable } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse';
import { CliError, UsageError } from './errors.js';
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
  read(onProgress?: (done: number) => void): AsyncIterable<RecordBatch>;
}

/** Opens an input file for `table`; a missing file is a {@link UsageError}. */
export async function openInput(path: string, table: Table, options: { format?: string; batchRows: number }): Promise<InputSource> {
  const format = inputFormatOf(path, options.format);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
    size = s.size;
  } catch (e) {
    throw new UsageError(`cannot read input file ${path}: ${(e as Error).message}`, 'check the path');
  }
  const schema = table.schema;
  if (format === 'csv' || format === 'tsv' || format === 'jsonl') {
    return {
      format, total: size, unit: 'bytes',
      read: (onProgress) => (format === 'jsonl' ? readJsonl(path, schema, options.batchRows, onProgress) : readCsv(path, schema, format === 'tsv' ? '\t' : ',', options.batchRows, onProgress)),
    };
  }
  const bytes = await readFile(path);
  let data: ArrowTable;
  try {
    data = format === 'parquet' ? readParquetFile(bytes, path) : tableFromIPC(bytes);
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause ?? e;
    throw new CliError(`${path} is not a readable ${format === 'parquet' ? 'Parquet' : 'Arrow IPC'} file: ${(cause as Error).message ?? String(cause)}`, `check the file, or pass --input-format if its extension is misleading; nothing was written`);
  }
  let converted: RecordBatch[] | undefined;
  return {
    format, total: data.numRows, unit: 'rows',
    async *read(onProgress) {
      converted ??= convertTable(data, schema, path, options.batchRows);
      let done = 0;
      for (const b of converted) {
        yield b;
        onProgress?.((done += b.numRows));
      }
    },
  };
}

/** Parquet/Arrow input: match columns by name, convert types that differ, split into batches of at most `batchRows`. */
function convertTable(data: ArrowTable, schema: Schema, path: string, batchRows: number): RecordBatch[] {
  const names = data.schema.fields.map((f) => f.name);
  const extra = names.filter((n) => !schema.fields.some((f) => f.name === n));
  if (extra.length) throw new CliError(`${path} has column(s) the table does not: ${extra.join(', ')}`, `the table's columns are ${schema.fields.map((f) => f.name).join(', ')}; drop the others from the file; nothing was written`);
  const out: RecordBatch[] = [];
  let rowBase = 0;
  for (const inBatch of data.batches) {
    for (let start = 0; start < inBatch.numRows; start += batchRows) {
      const b = inBatch.numRows <= batchRows ? inBatch : inBatch.slice(start, Math.min(inBatch.numRows, start + batchRows)); // whole, or one slice
      const children = schema.fields.map((field) => {
        const idx = b.schema.fields.findIndex((f) => f.name === field.name);
        if (idx < 0) {
          if (!field.nullable) throw new CliError(`${path} has no column "${field.name}", which is not nullable`, 'add the column to the file; nothing was written');
          return vectorFromArray(new Array(b.numRows).fill(null), field.type).data[0];
        }
        const vec = b.getChildAt(idx)!;
        const conv = converterFor(field.type);
        const reuse = sameType(vec.type, field.type) && vec.data.length === 1;
        const values = reuse ? undefined : new Array<unknown>(b.numRows);
        for (let r = 0; r < b.numRows; r++) {
          const valid = vec.isValid(r);
          if (!valid && !field.nullable) throw rowError(path, `row ${rowBase + start + r + 1}`, field, 'is null but the column is not nullable');
          if (values) {
            try {
              values[r] = valid ? conv(vec.get(r)) : null;
            } catch (e) {
              if (e instanceof ConvertError) throw rowError(path, `row ${rowBase + start + r + 1}`, field, `has ${describeValue(e.got)} of type ${String(vec.type)}, which cannot become ${String(field.type)}`);
              throw e;
            }
          }
        }
        return values ? vectorFromArray(values, field.type).data[0] : vec.data[0];
      });
      out.push(assemble(schema, children, b.numRows));
    }
    rowBase += inBatch.numRows;
  }
  return out;
}

function assemble(schema: Schema, children: Data[], rows: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}

function rowError(path: string, where: string, field: Field, detail: string): CliError {
  return new CliError(`${path} ${where}: column "${field.name}" ${detail}`, 'fix that value (or make the column nullable in a new table); nothing was written');
}

/** Collects converted cells column by column and cuts batches. */
class BatchBuilder {
  private columns: unknown[][];
  private readonly converters: ((v: unknown) => unknown)[];
  rows = 0;
  constructor(private readonly schema: Schema, private readonly path: string) {
    this.columns = schema.fields.map(() => []);
    this.converters = schema.fields.map((f) => converterFor(f.type));
  }

  /** Adds one record (values by column index, undefined = absent); `where` names it in errors. */
  add(values: readonly unknown[], where: string): void {
    this.schema.fields.forEach((field, c) => {
      let v: unknown;
      try {
        v = this.converters[c](values[c]);
      } catch (e) {
        if (e instanceof ConvertError) throw rowError(this.path, where, field, `${e.message} (column type ${String(field.type)})`);
        throw e;
      }
      if (v === null && !field.nullable) throw rowError(this.path, where, field, `is ${values[c] === undefined ? 'missing' : 'empty/null'} but the column is not nullable`);
      this.columns[c].push(v);
    });
    this.rows++;
  }

  take(): RecordBatch {
    const children = this.schema.fields.map((f, c) => vectorFromArray(this.columns[c], f.type).data[0]);
    const batch = assemble(this.schema, children, this.rows);
    this.columns = this.schema.fields.map(() => []);
    this.rows = 0;
    return batch;
  }
}

async function* readCsv(path: string, schema: Schema, delimiter: string, batchRows: number, onProgress?: (done: number) => void): AsyncGenerator<RecordBatch> {
  const file = createReadStream(path);
  let order: number[] | undefined; // CSV column → table column
  const parser = file.pipe(parseCsv({
    delimiter, bom: true, skip_empty_lines: true, info: true,
    // an empty unquoted cell is null; "" is the empty string
    cast: (value, ctx) => (value === '' && !ctx.quoting && !ctx.header ? null : value),
  }));
  const builder = new BatchBuilder(schema, path);
  try {
    for await (const item of parser as AsyncIterable<{ record: (string | null)[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!order) {
        order = headerOrder(record.map(String), schema, path);
        continue;
      }
      const values = new Array<unknown>(schema.fields.length).fill(undefined);
      order.forEach((t, c) => (values[t] = record[c]));
      builder.add(values, `line ${info.lines}`);
      if (builder.rows >= batchRows) {
        yield builder.take();
        onProgress?.(file.bytesRead);
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith?.('CSV_')) throw new CliError(`${path}: ${(e as Error).message}`, 'fix the CSV (quotes, column count) and run append again; nothing was written');
    throw e;
  } finally {
    file.destroy();
  }
  if (!order) throw new CliError(`${path} is empty: a CSV file needs a header row naming the columns`, `the table's columns are ${schema.fields.map((f) => f.name).join(', ')}`);
  if (builder.rows > 0) yield builder.take();
  onProgress?.(file.bytesRead);
}

function headerOrder(header: string[], schema: Schema, path: string): number[] {
  const names = schema.fields.map((f) => f.name);
  const hint = `the first line must name the columns, e.g. ${names.join(',')}; nothing was written`;
  const unknown = header.filter((h) => !names.includes(h));
  if (unknown.length) throw new CliError(`${path}: header names column(s) the table does not have: ${unknown.map((u) => JSON.stringify(u)).join(', ')}`, hint);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new CliError(`${path}: header names column "${dup}" twice`, hint);
  const missing = schema.fields.filter((f) => !f.nullable && !header.includes(f.name)).map((f) => f.name);
  if (missing.length) throw new CliError(`${path}: header lacks non-nullable column(s) ${missing.join(', ')}`, hint);
  return header.map((h) => names.indexOf(h));
}

async function* readJsonl(path: string, schema: Schema, batchRows: number, onProgress?: (done: number) => void): AsyncGenerator<RecordBatch> {
  const file = createReadStream(path);
  const lines = createInterface({ input: file, crlfDelay: Infinity });
  const names = schema.fields.map((f) => f.name);
  const builder = new BatchBuilder(schema, path);
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        throw new CliError(`${path} line ${n}: not valid JSON (${(e as Error).message})`, 'each line must be one JSON object like {"id": 1, "name": "x"}; nothing was written');
      }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new CliError(`${path} line ${n}: expected a JSON object, got ${describeValue(obj)}`, 'each line must be one JSON object like {"id": 1, "name": "x"}; nothing was written');
      const rec = obj as Record<string, unknown>;
      const unknown = Object.keys(rec).find((k) => !names.includes(k));
      if (unknown !== undefined) throw new CliError(`${path} line ${n}: key "${unknown}" is not a column of the table`, `the table's columns are ${names.join(', ')}; nothing was written`);
      builder.add(names.map((k) => rec[k]), `line ${n}`);
      if (builder.rows >= batchRows) {
        yield builder.take();
        onProgress?.(file.bytesRead);
      }
    }
  } finally {
    lines.close();
    file.destroy();
  }
  if (builder.rows > 0) yield builder.take();
  onProgress?.(file.bytesRead);
}
