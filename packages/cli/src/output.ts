/**
 * Output formats of `freshtier scan` (and `changes`): an aligned text `table` for
 * people, `csv` and `jsonl` for pipes, `arrow` (an Arrow IPC stream) and `parquet`
 * for programs. Every format but `table` is streamed batch by batch, so memory stays
 * bounded whatever the row count: Parquet row groups are written as they fill
 * (`parquetByteStream`), the footer last. `table` aligns its columns, so it reads
 * every row first.
 */
import { parquetByteStream } from '@freshtier/core';
import { Type, type RecordBatch, type Schema } from 'apache-arrow';
import { UsageError } from './errors.js';
import { writeAll, type OutStream } from './io.js';
import { ipcByteStream } from './ipc-output.js';
import { exactJson } from './json-out.js';
import { csvField, jsonCells, textCell } from './values.js';

/**
 * A format of {@link writeRows}.
 *
 * @example
 * ```ts
 * const f: OutputFormat = 'arrow';
 * ```
 */
export type OutputFormat = 'table' | 'csv' | 'jsonl' | 'parquet' | 'arrow';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'jsonl', 'parquet', 'arrow'];

/**
 * Refuses to write a binary format (Parquet, Arrow) to a terminal, where it would only garble the screen.
 *
 * @example
 * ```ts
 * refuseBinaryOnTerminal('arrow', ctx.io.stdout, opts.out, 'rows'); // throws when stdout is a TTY and no --out
 * ```
 */
export function refuseBinaryOnTerminal(format: OutputFormat, stdout: OutStream, out: string | undefined, name: string): void {
  if ((format !== 'parquet' && format !== 'arrow') || out !== undefined || !stdout.isTTY) return;
  const label = format === 'parquet' ? 'Parquet' : 'Arrow IPC';
  const ext = format === 'parquet' ? 'parquet' : 'arrows';
  throw new UsageError(`refusing to write binary ${label} to a terminal`, `pass --out ${name}.${ext}, or redirect stdout to a file or a program`);
}

/** Rows of a batch as JSON-friendly values, column by column. */
function cellsOf(batch: RecordBatch): ((i: number) => unknown)[] {
  return batch.schema.fields.map((f, c) => jsonCells(batch.getChildAt(c)!, f.type));
}

/**
 * Writes scanned batches to `out` in `format`; returns the row count.
 *
 * @example
 * ```ts
 * const rows = await writeRows(scanner.scan(), scanner.scan().schema, 'csv', process.stdout);
 * ```
 */
export async function writeRows(batches: AsyncIterable<RecordBatch>, schema: Schema, format: OutputFormat, out: OutStream, options: { maxCellWidth?: number } = {}): Promise<number> {
  const counted = counting(batches);
  switch (format) {
    case 'jsonl':
      for await (const b of counted.batches) await writeAll(out, jsonLines(b));
      break;
    case 'csv':
      await writeAll(out, schema.fields.map((f) => csvField(f.name)).join(',') + '\n');
      for await (const b of counted.batches) await writeAll(out, csvLines(b));
      break;
    case 'parquet':
      for await (const bytes of parquetByteStream(counted.batches, schema)) await writeAll(out, bytes);
      break;
    case 'arrow':
      for await (const bytes of ipcByteStream(counted.batches, schema)) await writeAll(out, bytes);
      break;
    case 'table':
      await writeAll(out, await alignedTable(counted.batches, schema, options.maxCellWidth ?? 40));
      break;
  }
  return counted.rows();
}

/** Passes batches through, counting their rows. */
function counting(batches: AsyncIterable<RecordBatch>): { batches: AsyncIterable<RecordBatch>; rows: () => number } {
  let rows = 0;
  return {
    batches: (async function* () {
      for await (const b of batches) {
        rows += b.numRows;
        yield b;
      }
    })(),
    rows: () => rows,
  };
}

/** One JSON object per row; int64 and uint64 cells as exact JSON numbers (json-out.ts). */
function jsonLines(b: RecordBatch): string {
  const cells = cellsOf(b);
  const keys = b.schema.fields.map((f, c) => `${c === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
  let text = '';
  for (let i = 0; i < b.numRows; i++) {
    for (let c = 0; c < keys.length; c++) text += keys[c] + exactJson(cells[c](i));
    text += keys.length ? '}\n' : '{}\n';
  }
  return text;
}

function csvLines(b: RecordBatch): string {
  const cells = cellsOf(b);
  let text = '';
  for (let i = 0; i < b.numRows; i++) text += cells.map((c) => csvField(c(i))).join(',') + '\n';
  return text;
}

async function alignedTable(batches: AsyncIterable<RecordBatch>, schema: Schema, width: number): Promise<string> {
  const header = schema.fields.map((f) => f.name);
  const right = schema.fields.map((f) => f.type.typeId === Type.Int || f.type.typeId === Type.Float);
  const body: string[][] = [];
  for await (const b of batches) {
    const cells = cellsOf(b);
    for (let i = 0; i < b.numRows; i++) body.push(cells.map((c) => clip(textCell(c(i)), width)));
  }
  const widths = header.map((h) => h.length);
  for (const r of body) r.forEach((v, c) => (widths[c] = Math.max(widths[c], v.length))); // no spread: a million rows would overflow the stack
  const line = (r: string[]) => r.map((v, c) => (right[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  let text = line(header) + '\n' + widths.map((w) => '─'.repeat(w)).join('  ') + '\n';
  for (const r of body) text += line(r) + '\n';
  text += `(${body.length} row${body.length === 1 ? '' : 's'})\n`;
  return text;
}

function clip(s: string, width: number): string {
  const oneLine = s.replace(/\r?\n/g, '⏎');
  return oneLine.length > width ? oneLine.slice(0, width - 1) + '…' : oneLine;
}
