/**
 * CSV/TSV and JSON Lines input of `freshtier append` and `delete`, streamed into record
 * batches of the target's columns. Records are parsed as the file is read (csv-parser.ts,
 * json-line.ts), their cells gathered column by column, and each batch converted one
 * column at a time (column-builder.ts): every cell exactly or refused (values.ts), JSON
 * numbers keeping their source text. An input that names only some of the columns is
 * refused unless `--allow-missing-columns` says so (input-errors.ts). Each problem is an
 * {@link InputRejectedError} with its line number. Memory holds one batch of cells.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { RecordBatch, Struct, makeData, type Data, type Field, type Schema } from 'apache-arrow';
import { CellProblem, ColumnAppender } from './column-builder.js';
import { CsvParser, CsvSyntaxError } from './csv-parser.js';
import { InputRejectedError } from './errors.js';
import { missingColumns, missingColumnsError, nullCellHint, rowError, valueHint, type MissingColumnsPolicy } from './input-errors.js';
import { strictUtf8 } from './utf8-input.js';
import { ConvertError, converterFor, textInputExact } from './values.js';

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

/**
 * What a text reader produces: the columns to read (`schema`, in order), the table's
 * other columns a file may carry and that are skipped (`skipped`: `delete` reads only
 * the key columns of a file that may hold whole rows), and the rules for absent ones.
 *
 * @example
 * ```ts
 * const target: InputTarget = { schema: table.schema, skipped: [], primaryKey: ['id'], policy };
 * ```
 */
export interface InputTarget {
  readonly schema: Schema;
  readonly skipped: readonly string[];
  readonly primaryKey: readonly string[];
  readonly policy: MissingColumnsPolicy;
}

/**
 * Options of the text readers.
 *
 * @example
 * ```ts
 * const o: TextReadOptions = { batchRows: 50_000, target };
 * ```
 */
export interface TextReadOptions {
  readonly batchRows: number;
  readonly target: InputTarget;
}

/**
 * The current batch of a text input, column by column, with each row's line number:
 * cells are converted as they are set ({@link ColumnAppender}), and {@link take} refuses
 * a batch at its earliest refused cell (the first column, in table order, of that row).
 *
 * @example
 * ```ts
 * const cells = new ColumnCells(target, 'rows.csv');
 * cells.set(0, cells.addRow(2), '42'); // line 2 of the file, first column
 * const batch = cells.take(); // one row; a refused cell throws InputRejectedError naming line 2
 * ```
 */
export class ColumnCells {
  private readonly columns: ColumnAppender[];
  private lines: number[] = [];

  constructor(private readonly target: InputTarget, private readonly path: string) {
    this.columns = target.schema.fields.map((f) => new ColumnAppender(f, textInputExact(f.type) ? converterFor(f.type) : noTextForm(f)));
  }

  get rows(): number {
    return this.lines.length;
  }

  /** Starts a row read from `line`; then {@link set} its cells (unset ones are absent). */
  addRow(line: number): number {
    this.lines.push(line);
    return this.lines.length - 1;
  }

  /** The cell of `column` in `row` (rows in order; at most once per row and column). */
  set(column: number, row: number, value: unknown): void {
    this.columns[column].put(row, value);
  }

  /** The first `count` rows (default all) as a batch; a refused cell throws, naming its line. */
  take(count = this.rows): RecordBatch {
    let problem: CellProblem | undefined;
    for (const column of this.columns) {
      column.pad(this.rows); // cells no line set are absent
      const p = column.problem;
      if (p && p.row < count && (!problem || p.row < problem.row)) problem = p;
    }
    const lines = this.lines.splice(0, count);
    if (problem) throw this.refusal(problem, lines[problem.row]);
    return assemble(this.target.schema, this.columns.map((column) => column.take(count)), count);
  }

  private refusal(p: CellProblem, line: number): InputRejectedError {
    const where = `line ${line}`;
    if (!p.error) return rowError(this.path, where, p.field, `is ${p.raw === undefined ? 'missing' : 'empty/null'} but the column is not nullable`, nullCellHint(p.field, this.target.primaryKey));
    return rowError(this.path, where, p.field, `${p.error.message} (column type ${String(p.field.type)})`, valueHint(p.field, p.error));
  }
}

/**
 * The text of `path`, chunk by chunk (UTF-8, multi-byte characters never split), with the
 * bytes read so far. A chunk of ASCII bytes is its own text (decoded as Latin-1, a plain
 * copy); from the first chunk that is not, a strict UTF-8 decoder reads every later one,
 * so a character split between chunks is joined, and bytes that are not UTF-8 are
 * refused naming their line (utf8-input.ts) instead of read as U+FFFD.
 *
 * @example
 * ```ts
 * for await (const { text, bytesRead } of chunks('rows.jsonl')) console.log(text.length, bytesRead);
 * ```
 */
export async function* chunks(path: string): AsyncGenerator<{ text: string; bytesRead: number }> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  let decoder: ReturnType<typeof strictUtf8> | undefined;
  try {
    for await (const bytes of file as AsyncIterable<Buffer>) {
      if (!decoder && isAscii(bytes)) yield { text: bytes.toString('latin1'), bytesRead: file.bytesRead };
      else yield { text: await (decoder ??= strictUtf8(path)).decode(bytes), bytesRead: file.bytesRead };
    }
    const rest = await decoder?.decode();
    if (rest) yield { text: rest, bytesRead: file.bytesRead };
  } finally {
    file.destroy();
  }
}

/**
 * Streams a CSV (`delimiter` ',') or TSV ('\t') file with a header row as batches.
 *
 * @example
 * ```ts
 * for await (const b of readCsv('a.csv', ',', options)) console.log(b.numRows);
 * ```
 */
export async function* readCsv(path: string, delimiter: string, options: TextReadOptions, onProgress?: (done: number) => void): AsyncGenerator<RecordBatch> {
  const { target, batchRows } = options;
  const cells = new ColumnCells(target, path);
  let order: number[] | undefined; // CSV column → target column (-1: skipped)
  const parser = new CsvParser(delimiter, (record, line) => {
    if (!order) {
      order = headerOrder(record.map((h) => h ?? ''), target, path);
      return;
    }
    if (record.length !== order.length) throw new InputRejectedError(`${path} line ${line}: invalid record length: ${record.length} field(s), the header has ${order.length}`, 'every line needs one field per header column (quote fields that hold the delimiter); nothing was written');
    const row = cells.addRow(line);
    for (let k = 0; k < record.length; k++) if (order[k] >= 0) cells.set(order[k], row, record[k]);
  });
  let bytes = 0;
  try {
    for await (const chunk of chunks(path)) {
      parser.push(chunk.text);
      bytes = chunk.bytesRead;
      while (cells.rows >= batchRows) yield cells.take(batchRows);
      onProgress?.(bytes);
    }
    parser.end();
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new InputRejectedError(`${path}: not valid CSV: ${e.message}`, 'fix the CSV (quotes, column count) and run append again; nothing was written');
    throw e;
  }
  if (!order) throw new InputRejectedError(`${path} is empty: a CSV file needs a header row naming the columns`, `the table's columns are ${tableColumns(target).join(', ')}`);
  while (cells.rows > 0) yield cells.take(Math.min(batchRows, cells.rows));
  onProgress?.(bytes);
}

/** The names an input may use: the table's columns, then the skipped ones (for messages). */
export function tableColumns(target: InputTarget): string[] {
  return [...target.schema.fields.map((f) => f.name), ...target.skipped];
}

function headerOrder(header: string[], target: InputTarget, path: string): number[] {
  const names = target.schema.fields.map((f) => f.name);
  const all = tableColumns(target);
  const hint = `the first line must name the columns, e.g. ${names.join(',')}; nothing was written`;
  const unknown = header.filter((h) => !all.includes(h));
  if (unknown.length) throw new InputRejectedError(`${path}: header names column(s) the table does not have: ${unknown.map((u) => JSON.stringify(u)).join(', ')}`, hint);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new InputRejectedError(`${path}: header names column "${dup}" twice`, hint);
  const missing = missingColumns(target.schema, (n) => header.includes(n), target.policy);
  if (missing) throw missingColumnsError(path, 'header', missing, target.schema, target.policy);
  return header.map((h) => names.indexOf(h));
}

/**
 * The converter of a column whose type has no exact text form (values.ts `textInputExact`):
 * a null (an empty CSV cell, a JSON null, a column the input lacks) is exact; any value is
 * refused with its line, as text would reach the column through doubles and builders.
 */
function noTextForm(f: Field): (v: unknown) => unknown {
  return (v) => {
    if (v === null || v === undefined) return null;
    throw new ConvertError(`a ${String(f.type)} value`, v, `text input has no exact conversion into ${String(f.type)}: write these rows as Parquet or Arrow IPC (.parquet, .arrow) and append that file`);
  };
}
