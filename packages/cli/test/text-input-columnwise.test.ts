/**
 * The faster text input (issue 15: CSV append of 100,000 rows took 7.6 s and 382 MB;
 * figures before/after in bench/cli-io.ts): its own CSV parser instead of csv-parse's
 * per-field callbacks, and column-by-column conversion straight into Arrow buffers. Both
 * must read exactly what the old path read: the parser is checked against csv-parse
 * (random records, any chunking), the column builder against the row-wise conversion it
 * replaced (values.ts converters + apache-arrow builders), errors included; and the
 * reader streams (its first batch arrives long before the file is read).
 */
import { rmSync } from 'node:fs';
import { Bool, DateDay, DateMillisecond, Field, Float32, Float64, Int8, Int64, Schema, TimestampMicrosecond, Uint64, Utf8, type DataType } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CellProblem, buildColumn } from '../src/column-builder.js';
import { columnData } from '../src/column-data.js';
import { CsvParser, CsvSyntaxError } from '../src/csv-parser.js';
import { readCsv } from '../src/text-input.js';
import { Utf8Cells } from '../src/utf8-cells.js';
import { ConvertError, converterFor } from '../src/values.js';
import { tempDir, write } from './support.js';

const dir = tempDir('freshtier-columnwise-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parseMine(text: string, chunk: number, delimiter = ','): { fields: (string | null)[]; line: number }[] {
  const out: { fields: (string | null)[]; line: number }[] = [];
  const p = new CsvParser(delimiter, (fields, line) => out.push({ fields: [...fields], line }));
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
  p.end();
  return out;
}

/** What the old reader got from csv-parse: its records, an empty unquoted cell as null. */
function parseOld(text: string, delimiter = ','): (string | null)[][] {
  const records = parse(text, {
    delimiter, bom: true, skip_empty_lines: true, relax_column_count: true,
    cast: (v: string, ctx: { quoting: boolean }) => (v === '' && !ctx.quoting ? null : v),
  }) as unknown as (string | null)[][];
  return records;
}

const cell = fc.oneof(
  fc.constant(''), fc.string({ maxLength: 6 }).map((s) => s.replace(/[",\r\n\t]/g, 'x')),
  fc.string({ maxLength: 6 }).map((s) => `"${s.replace(/"/g, '""')}"`), fc.constantFrom('"a,b"', '"x\ny"', '"q""q"', '""', 'é', '"日本\r\n語"'),
);

describe('the CSV parser reads what csv-parse read', () => {
  it('property (seeded): records and null/empty cells, for any chunking, LF or CRLF, with or without a BOM', () => {
    fc.assert(fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 9 }),
      (rows, eol, trailing, bom, chunk) => {
        const text = (bom ? '\uFEFF' : '') + rows.map((r) => r.join(',')).join(eol) + (trailing ? eol : '');
        expect(parseMine(text, chunk).map((r) => r.fields)).toEqual(parseOld(text));
      }), { seed: 4180, numRuns: 3000 });
  });

  it('TSV, empty lines, and the line each record starts on', () => {
    expect(parseMine('a\tb\n\n1\t\n\n', 3, '\t').map((r) => [r.fields, r.line])).toEqual([[['a', 'b'], 1], [['1', null], 3]]);
    const text = 'id,s\r\n1,"two\r\nlines"\r\n\r\n2,x\n3,"a\nb\nc"\n4,\n';
    for (const chunk of [1, 2, 5, 100]) {
      expect(parseMine(text, chunk).map((r) => r.line)).toEqual([1, 2, 5, 6, 9]);
    }
  });

  it.each([
    ['a,"b\n', /a quoted field is not closed before the end of the file \(line 1\)/],
    ['a,b"c\n', /a quote inside unquoted field 2 .*\(line 1\)/],
    ['x\n"a"b,c\n', /unexpected "b" after the closing quote of field 1.*\(line 2\)/],
  ])('refuses %j', (text, message) => {
    expect(() => parseMine(text, 2)).toThrow(CsvSyntaxError);
    expect(() => parseMine(text, 2)).toThrow(message);
  });
});

const TYPES: [string, DataType, fc.Arbitrary<string>][] = [
  ['int8', new Int8(), fc.oneof(fc.integer({ min: -200, max: 200 }).map(String), fc.constantFrom('1.5', 'x', ' 7 '))],
  ['int64', new Int64(), fc.oneof(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String), fc.constantFrom('1e3', '-0'))],
  ['uint64', new Uint64(), fc.bigInt({ min: -5n, max: 2n ** 64n }).map(String)],
  ['float64', new Float64(), fc.oneof(fc.double().map(String), fc.constantFrom('1e400', 'nan', '-inf', 'abc', '0.1'))],
  ['float32', new Float32(), fc.oneof(fc.double().map(String), fc.constantFrom('1e39', '3.4028235e38'))],
  ['bool', new Bool(), fc.constantFrom('true', 'false', 'yes', 'n', '1', 'maybe')],
  ['utf8', new Utf8(), fc.string({ unit: 'binary', maxLength: 8 })],
  ['timestamp[us]', new TimestampMicrosecond(), fc.oneof(fc.constantFrom('2024-05-01T12:00:00.000001Z', '2024-02-30T00:00:00Z', '1714564800000'), fc.integer().map(String))],
  ['date32', new DateDay(), fc.constantFrom('2024-02-29', '1969-12-31', '2024-13-01', '0')],
  ['date64', new DateMillisecond(), fc.constantFrom('2024-02-29', '1709164800000', '1709164800001')],
];

/** The old, row-wise conversion: every cell through its converter, then apache-arrow's builders (columnData). */
function rowWise(field: Field, cells: (string | null)[]): { values?: unknown[]; row?: number } {
  const convert = converterFor(field.type);
  const out: unknown[] = [];
  for (const [row, c] of cells.entries()) {
    try {
      const v = convert(c);
      if (v === null && !field.nullable) return { row };
      out.push(v);
    } catch (e) {
      if (e instanceof ConvertError) return { row };
      throw e;
    }
  }
  return { values: stored(columnData(field.type, out)) };
}

/** Every row's stored value (null for a null), read from the column's buffers. */
function stored(data: ReturnType<typeof columnData>): unknown[] {
  return Array.from({ length: data.length }, (_, i) => (data.getValid(i) ? rawAt(data, i) : null));
}

/** The stored value of row `i` (typed-array element, bit or UTF-8 text), so both paths compare exactly. */
function rawAt(data: ReturnType<typeof columnData>, i: number): unknown {
  const { typeId } = data.type as { typeId: number };
  if (typeId === new Bool().typeId) return ((data.values as Uint8Array)[(data.offset + i) >> 3] >> ((data.offset + i) & 7)) & 1;
  if (typeId === new Utf8().typeId) return Buffer.from((data.values as Uint8Array).subarray(data.valueOffsets![i], data.valueOffsets![i + 1])).toString('hex');
  const v = (data.values as ArrayLike<unknown>)[data.offset + i];
  return typeof v === 'number' && Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v;
}

describe('column-by-column conversion equals the row-wise conversion it replaced', () => {
  it.each(TYPES)('property (seeded): %s', (_name, type, text) => {
    fc.assert(fc.property(fc.array(fc.option(text, { nil: null }), { maxLength: 40 }), fc.boolean(), (cells, nullable) => {
      const field = new Field('c', type, nullable);
      const old = rowWise(field, cells);
      let built: unknown[] | undefined;
      let problem: number | undefined;
      try {
        built = stored(buildColumn(field, cells, converterFor(type)));
      } catch (e) {
        if (!(e instanceof CellProblem)) throw e;
        problem = e.row;
      }
      expect(problem).toBe(old.row);
      if (old.values) expect(built).toEqual(old.values);
    }), { seed: 1_500, numRuns: 300 });
  });
});

describe('utf8 columns', () => {
  it('halves of a surrogate pair in neighbouring cells stay apart: the converter refuses each lone half', () => {
    const field = new Field('c', new Utf8(), true);
    const cells = ['\ud83d', '\ude00', 'é', null, 'x'];
    expect(rowWise(field, cells).row).toBe(0); // a lone surrogate has no UTF-8 form (regression-lone-surrogate.test.ts)
    expect(() => buildColumn(field, cells, converterFor(field.type))).toThrow(CellProblem);
    // the encoder itself never joins neighbours into one character (each half alone is U+FFFD)
    const texts = new Utf8Cells();
    for (const c of cells) texts.push(c ?? '');
    const { offsets, bytes } = texts.take(cells.length);
    expect(Array.from(offsets)).toEqual([0, 3, 6, 8, 8, 9]);
    expect(Buffer.from(bytes).toString('hex')).toBe('efbfbdefbfbdc3a978');
  });
});

describe('the CSV reader streams', () => {
  it('its first batch comes after reading a small part of a large file', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i},${'name-'.repeat(4)}${i}`);
    const path = write(dir, 'big.csv', `id,name\n${lines.join('\n')}\n`);
    const schema = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8())]);
    const target = { schema, skipped: [], primaryKey: ['id'], policy: { allowMissing: false, upsert: true } };
    let read = 0;
    let total = 0;
    let firstAt: number | undefined;
    for await (const b of readCsv(path, ',', { batchRows: 10_000, target }, (d) => (read = d))) {
      firstAt ??= read;
      total += b.numRows;
      expect(b.numRows).toBeLessThanOrEqual(10_000);
    }
    expect(total).toBe(200_000);
    expect(firstAt!).toBeLessThan(Buffer.byteLength(`id,name\n${lines.join('\n')}\n`) / 4);
  });
});
