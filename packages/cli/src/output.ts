/**
 * Output formats of `freshtier scan`: an aligned text `table` for people, `csv`
 * and `jsonl` for pipes (streamed batch by batch), and `parquet` (buffered: a
 * Parquet footer comes last).
 */
import { writeParquetFile } from '@freshtier/core';
import { Table as ArrowTable, Type, type RecordBatch, type Schema } from 'apache-arrow';
import { writeAll, type OutStream } from './io.js';
import { csvField, jsonCells, textCell } from './values.js';

export type OutputFormat = 'table' | 'csv' | 'jsonl' | 'parquet';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'jsonl', 'parquet'];

/** Rows of a batch as JSON-friendly values, column by column. */
function cellsOf(batch: RecordBatch): ((i: number) => unknown)[] {
  return batch.schema.fields.map((f, c) => jsonCells(batch.getChildAt(c)!, f.type));
}

/** Writes scanned batches to `out` in `format`; returns the row count. */
export async function writeRows(batches: AsyncIterable<RecordBatch>, schema: Schema, format: OutputFormat, out: OutStream, options: { maxCellWidth?: number } = {}): Promise<number> {
  let rows = 0;
  switch (format) {
    case 'jsonl':
      for await (const b of batches) {
        const cells = cellsOf(b);
        const names = b.schema.fields.map((f) => f.name);
        let text = '';
        for (let i = 0; i < b.numRows; i++) {
          const o: Record<string, unknown> = {};
          names.forEach((n, c) => (o[n] = cells[c](i)));
          text += JSON.stringify(o) + '\n';
        }
        rows += b.numRows;
        await writeAll(out, text);
      }
      return rows;
    case 'csv':
      await writeAll(out, schema.fields.map((f) => csvField(f.name)).join(',') + '\n');
      for await (const b of batches) {
        const cells = cellsOf(b);
        let text = '';
        for (let i = 0; i < b.numRows; i++) text += cells.map((c) => csvField(c(i))).join(',') + '\n';
        rows += b.numRows;
        await writeAll(out, text);
      }
      return rows;
    case 'parquet': {
      const all: RecordBatch[] = [];
      for await (const b of batches) {
        all.push(b);
        rows += b.numRows;
      }
      await writeAll(out, writeParquetFile(all.length ? new ArrowTable(all) : new ArrowTable(schema)));
      return rows;
    }
    case 'table': {
      const width = options.maxCellWidth ?? 40;
      const header = schema.fields.map((f) => f.name);
      const right = schema.fields.map((f) => f.type.typeId === Type.Int || f.type.typeId === Type.Float);
      const body: string[][] = [];
      for await (const b of batches) {
        const cells = cellsOf(b);
        for (let i = 0; i < b.numRows; i++) body.push(cells.map((c) => clip(textCell(c(i)), width)));
        rows += b.numRows;
      }
      const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
      const line = (r: string[]) => r.map((v, c) => (right[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
      let text = line(header) + '\n' + widths.map((w) => '─'.repeat(w)).join('  ') + '\n';
      for (const r of body) text += line(r) + '\n';
      text += `(${rows} row${rows === 1 ? '' : 's'})\n`;
      await writeAll(out, text);
      return rows;
    }
  }
}

function clip(s: string, width: number): string {
  const oneLine = s.replace(/\r?\n/g, '⏎');
  return oneLine.length > width ? oneLine.slice(0, width - 1) + '…' : oneLine;
}
