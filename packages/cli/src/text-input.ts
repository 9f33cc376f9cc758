/**
 * CSV/TSV and JSON Lines input of `freshtier append`, streamed into record batches
 * already in the table's schema. Every cell is converted exactly or refused (values.ts),
 * JSON numbers keep their source text (json-line.ts), and an input that names only
 * some of the table's columns is refused unless `--allow-missing-columns` says so
 * (input-errors.ts): each problem is an {@link InputRejectedError} with its line number.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { RecordBatch, Struct, makeData, type Data, type Schema } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse';
import { columnData } from './column-data.js';
import { InputRejectedError } from './errors.js';
import { missingColumns, missingColumnsError, rowError, type MissingColumnsPolicy } from './input-errors.js';
import { JsonSyntaxError, parseJsonLine, type JsonValue } from './json-line.js';
import { ConvertError, converterFor, describeValue } from './values.js';

/**
 * A record batch of `schema` from one column `Data` per field.
 *
 * @example
 * ```ts
 * const b = assemble(schema, [idData, nameData], 2);
 * ```
 */
export function assemble(schema: Schema, children: Data[], rows: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
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
    const children = this.schema.fields.map((f, c) => columnData(f.type, this.columns[c]));
    const batch = assemble(this.schema, children, this.rows);
    this.columns = this.schema.fields.map(() => []);
    this.rows = 0;
    return batch;
  }
}

/**
 * Options of the text readers.
 *
 * @example
 * ```ts
 * const o: TextReadOptions = { batchRows: 50_000, policy: { allowMissing: false, upsert: true } };
 * ```
 */
export interface TextReadOptions {
  readonly batchRows: number;
  readonly policy: MissingColumnsPolicy;
}

/**
 * Streams a CSV (`delimiter` ',') or TSV ('\t') file with a header row as batches.
 *
 * @example
 * ```ts
 * for await (const b of readCsv('a.csv', table.schema, ',', options)) console.log(b.numRows);
 * ```
 */
export async function* readCsv(path: string, schema: Schema, delimiter: string, options: TextReadOptions, onProgress?: (done: number) => void): AsyncGenerator<RecordBatch> {
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
        order = headerOrder(record.map(String), schema, path, options.policy);
        continue;
      }
      const values = new Array<unknown>(schema.fields.length).fill(undefined);
      order.forEach((t, c) => (values[t] = record[c]));
      builder.add(values, `line ${info.lines}`);
      if (builder.rows >= options.batchRows) {
        yield builder.take();
        onProgress?.(file.bytesRead);
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith?.('CSV_')) throw new InputRejectedError(`${path}: ${(e as Error).message}`, 'fix the CSV (quotes, column count) and run append again; nothing was written');
    throw e;
  } finally {
    file.destroy();
  }
  if (!order) throw new InputRejectedError(`${path} is empty: a CSV file needs a header row naming the columns`, `the table's columns are ${schema.fields.map((f) => f.name).join(', ')}`);
  if (builder.rows > 0) yield builder.take();
  onProgress?.(file.bytesRead);
}

function headerOrder(header: string[], schema: Schema, path: string, policy: MissingColumnsPolicy): number[] {
  const names = schema.fields.map((f) => f.name);
  const hint = `the first line must name the columns, e.g. ${names.join(',')}; nothing was written`;
  const unknown = header.filter((h) => !names.includes(h));
  if (unknown.length) throw new InputRejectedError(`${path}: header names column(s) the table does not have: ${unknown.map((u) => JSON.stringify(u)).join(', ')}`, hint);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new InputRejectedError(`${path}: header names column "${dup}" twice`, hint);
  const missing = missingColumns(schema, (n) => header.includes(n), policy);
  if (missing) throw missingColumnsError(path, 'header', missing, schema, policy);
  return header.map((h) => names.indexOf(h));
}

const JSONL_HINT = 'each line must be one JSON object like {"id": 1, "name": "x"}; nothing was written';

/**
 * Streams a JSON Lines file (one object per line, blank lines skipped) as batches.
 *
 * @example
 * ```ts
 * for await (const b of readJsonl('a.jsonl', table.schema, options)) console.log(b.numRows);
 * ```
 */
export async function* readJsonl(path: string, schema: Schema, options: TextReadOptions, onProgress?: (done: number) => void): AsyncGenerator<RecordBatch> {
  const file = createReadStream(path);
  const lines = createInterface({ input: file, crlfDelay: Infinity });
  const names = schema.fields.map((f) => f.name);
  const builder = new BatchBuilder(schema, path);
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      const rec = jsonRecord(path, n, n === 1 ? line.replace(/^\uFEFF/, '') : line);
      const unknown = [...rec.keys()].find((k) => !names.includes(k));
      if (unknown !== undefined) throw new InputRejectedError(`${path} line ${n}: key "${unknown}" is not a column of the table`, `the table's columns are ${names.join(', ')}; nothing was written`);
      const missing = missingColumns(schema, (k) => rec.has(k), options.policy);
      if (missing) throw missingColumnsError(path, `line ${n}`, missing, schema, options.policy, '"column": null');
      builder.add(names.map((k) => rec.get(k)), `line ${n}`);
      if (builder.rows >= options.batchRows) {
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

function jsonRecord(path: string, n: number, line: string): Map<string, JsonValue> {
  let value: JsonValue;
  try {
    value = parseJsonLine(line);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new InputRejectedError(`${path} line ${n}: not valid JSON (${e.message})`, JSONL_HINT);
    throw e;
  }
  if (!(value instanceof Map)) throw new InputRejectedError(`${path} line ${n}: expected a JSON object, got ${describeValue(value)}`, JSONL_HINT);
  return value;
}
