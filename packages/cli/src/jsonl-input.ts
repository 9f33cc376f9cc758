/**
 * JSON Lines input of `freshtier append` and `delete`: one JSON object per line, streamed
 * into record batches. Each line is parsed member by member (a flat object in one pass,
 * json-flat-line.ts; anything else by json-line.ts; both lossless: numbers keep their
 * source text) straight into its columns, which text-input.ts's `ColumnCells` converts
 * cell by cell, exactly or refused (values.ts).
 */
import type { RecordBatch } from 'apache-arrow';
import { InputRejectedError } from './errors.js';
import { missingColumns, missingColumnsError } from './input-errors.js';
import { FlatLineScanner } from './json-flat-line.js';
import { JsonSyntaxError, parseJsonLine, parseJsonObjectLine } from './json-line.js';
import { ColumnCells, chunks, tableColumns, type InputTarget, type TextReadOptions } from './text-input.js';
import { describeValue } from './values.js';

const LINE_END = /\r\n|\n|\r/;

const JSONL_HINT = 'each line must be one JSON object like {"id": 1, "name": "x"}; nothing was written';

/**
 * Streams a JSON Lines file (one object per line, blank lines skipped) as batches.
 *
 * @example
 * ```ts
 * for await (const b of readJsonl('a.jsonl', options)) console.log(b.numRows);
 * ```
 */
export async function* readJsonl(path: string, options: TextReadOptions, onProgress?: (done: number) => void): AsyncGenerator<RecordBatch> {
  const { target, batchRows } = options;
  const fields = target.schema.fields;
  const index = new Map(fields.map((f, c) => [f.name, c]));
  const skipped = new Set(target.skipped);
  const cells = new ColumnCells(target, path);
  const row = new JsonlRow(index, skipped, cells);
  const flat = new FlatLineScanner();
  let carry = '';
  let n = 0;
  let bytes = 0;
  const line = (text: string) => {
    n++;
    if (text.charCodeAt(0) !== 123 && BLANK.test(text)) return; // a line starting with { is not blank
    row.start(n);
    jsonRecord(path, n, n === 1 ? text.replace(/^\uFEFF/, '') : text, row.visit, flat);
    if (row.unknown !== undefined) throw unknownKey(path, n, row.unknown, target);
    if (row.count < fields.length) checkMissing(path, n, target, (name) => row.has(name));
  };
  for await (const chunk of chunks(path)) {
    carry = splitLines(carry, chunk.text, line);
    bytes = chunk.bytesRead;
    while (cells.rows >= batchRows) yield cells.take(batchRows);
    onProgress?.(bytes);
  }
  if (carry !== '') line(carry.replace(/\r$/, ''));
  while (cells.rows > 0) yield cells.take(Math.min(batchRows, cells.rows));
  onProgress?.(bytes);
}

const BLANK = /^\s*$/;

/**
 * Hands each complete line of `carry + text` to `line` and returns the unfinished rest. Lines
 * end with \n, \r\n or \r (as readline splits them); a \r ending `text` may pair with a \n
 * starting the next chunk, so it stays in the rest. Only the carried line is joined: joining
 * the whole chunk to it made a copy of every chunk.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * let rest = splitLines('', '{"a":1}\r', (l) => lines.push(l)); // lines [], rest '{"a":1}\r' (the \r may pair with a \n)
 * rest = splitLines(rest, '\n{"a":2}', (l) => lines.push(l)); // lines ['{"a":1}'], rest '{"a":2}'
 * ```
 */
export function splitLines(carry: string, text: string, line: (l: string) => void): string {
  if (carry.endsWith('\r')) {
    line(carry.slice(0, -1));
    carry = '';
    if (text.charCodeAt(0) === 10) text = text.slice(1); // the \n of a \r\n split between chunks
  }
  if (carry !== '') {
    const end = firstLineEnd(text);
    if (end < 0 || (end === text.length - 1 && text.charCodeAt(end) === 13)) return carry + text; // no end yet, or a \r that may pair
    line(carry + text.slice(0, end));
    text = text.slice(end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1));
  }
  const cr = text.endsWith('\r');
  if (cr) text = text.slice(0, -1);
  const parts = text.includes('\r') ? text.split(LINE_END) : text.split('\n'); // the common case without the regex
  const rest = parts.pop()! + (cr ? '\r' : '');
  for (const p of parts) line(p);
  return rest;
}

/** The index of the first \n or \r in `text`, or -1. */
function firstLineEnd(text: string): number {
  const n = text.indexOf('\n');
  const r = text.indexOf('\r');
  return n < 0 ? r : r < 0 ? n : Math.min(n, r);
}

/**
 * The row of the JSON Lines line being read: each member goes to its column's cells.
 * One instance (and one `visit` function) serves every line, so reading a line allocates
 * no map, set or closure.
 */
class JsonlRow {
  private line = 0;
  private row = 0;
  /** The line that last set each column (lines count from 1): per line, never per row, since row numbers repeat from batch to batch. */
  private readonly present: Float64Array;
  /** Keys of this line that are not columns: skipped ones, or the unknown one refused after the parse. */
  private others: Set<string> | undefined;
  /** The key last seen at each member position, and its column (-1: not a column): lines usually repeat their keys in order. */
  private readonly keyAt: string[] = [];
  private readonly columnAt: number[] = [];
  private member = 0;
  count = 0;
  unknown: string | undefined;

  constructor(private readonly index: ReadonlyMap<string, number>, private readonly skipped: ReadonlySet<string>, private readonly cells: ColumnCells) {
    this.present = new Float64Array(index.size);
  }

  start(line: number): void {
    this.line = line;
    this.row = this.cells.addRow(line);
    this.count = 0;
    this.member = 0;
    this.others = undefined;
    this.unknown = undefined;
  }

  /** Whether this line set column `name`. */
  has(name: string): boolean {
    return this.present[this.index.get(name)!] === this.line;
  }

  /** Takes one member; true when the key was already in this line (the parser refuses that). */
  readonly visit = (key: string, value: unknown): boolean => {
    const c = this.columnOf(key);
    if (c < 0) {
      if (this.others?.has(key)) return true;
      (this.others ??= new Set()).add(key);
      if (!this.skipped.has(key)) this.unknown ??= key; // refused once the line parsed: a JSON error in it is told first
      return false;
    }
    if (this.present[c] === this.line) return true;
    this.cells.set(c, this.row, value);
    this.present[c] = this.line;
    this.count++;
    return false;
  };

  /** The column of `key` (-1 if none), looked up once per member position while lines repeat their keys. */
  private columnOf(key: string): number {
    const m = this.member++;
    if (this.keyAt[m] === key) return this.columnAt[m];
    const c = this.index.get(key) ?? -1;
    this.keyAt[m] = key;
    this.columnAt[m] = c;
    return c;
  }
}

function unknownKey(path: string, n: number, key: string, target: InputTarget): InputRejectedError {
  return new InputRejectedError(`${path} line ${n}: key "${key}" is not a column of the table`, `the table's columns are ${tableColumns(target).join(', ')}; nothing was written`);
}

/** A line that leaves out columns: refused unless the policy allows it (a line naming every column never gets here). */
function checkMissing(path: string, n: number, target: InputTarget, present: (name: string) => boolean): void {
  const missing = missingColumns(target.schema, present, target.policy);
  if (missing) throw missingColumnsError(path, `line ${n}`, missing, target.schema, target.policy, '"column": null');
}

/** Hands each member of line `n` (a JSON object) to `visit`; anything else is refused, naming the line. */
function jsonRecord(path: string, n: number, line: string, visit: (key: string, value: unknown) => boolean, flat: FlatLineScanner): void {
  let isObject: boolean;
  try {
    isObject = flat.scan(line, visit) || parseJsonObjectLine(line, visit); // a flat object in one pass, anything else by the general parser
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new InputRejectedError(`${path} line ${n}: not valid JSON (${e.message})`, JSONL_HINT);
    throw e;
  }
  if (!isObject) throw new InputRejectedError(`${path} line ${n}: expected a JSON object, got ${describeValue(parseJsonLine(line))}`, JSONL_HINT);
}
