/**
 * The fast paths of text input (issue 15: JSON Lines append 3× faster) must read exactly
 * what the general paths read:
 * - the common timestamp shape (iso-time-common.ts) agrees with the general ISO-8601 regex
 *   whenever it answers, and leaves every text the general parser refuses to it;
 * - the JSON number scanner accepts exactly JSON's number grammar, longest match;
 * - a flat JSON Lines object read in one pass (json-flat-line.ts) visits what the general
 *   parser visits, refuses a repeated key the same way, and visits nothing on a line it
 *   leaves to the general parser;
 * - file chunks decoded as Latin-1 while they are ASCII, then as UTF-8, give the file's
 *   text whatever the chunk boundaries split;
 * - a batch converted cell by cell and taken in parts (rows carried into the next batch)
 *   equals the same cells converted at once.
 */
import { rmSync } from 'node:fs';
import { Bool, Field, Float64, Int32, Int64, Schema, TimestampMillisecond, Utf8, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ColumnAppender, buildColumn } from '../src/column-builder.js';
import { InputRejectedError } from '../src/errors.js';
import { commonInstant, commonIsoFields } from '../src/iso-time-common.js';
import { IsoTimeError, generalIsoFields, parseInstant } from '../src/iso-time.js';
import { FlatLineScanner } from '../src/json-flat-line.js';
import { JsonNumber, JsonSyntaxError, parseJsonLine, parseJsonObjectLine, type JsonValue } from '../src/json-line.js';
import { splitLines } from '../src/jsonl-input.js';
import { ColumnCells, chunks } from '../src/text-input.js';
import { converterFor } from '../src/values.js';
import { tempDir, write } from './support.js';

const dir = tempDir('freshtier-fast-paths-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The general parser's answer: its fields, or 'refused'. */
function general(text: string): unknown {
  try {
    return generalIsoFields(text);
  } catch (e) {
    if (e instanceof IsoTimeError) return 'refused';
    throw e;
  }
}

const digit = fc.constantFrom(...'0123456789');
const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
/** Texts near the common shape: valid ones, out-of-range fields, other separators, fractions, zones and stray characters. */
const nearCommon = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')), fc.constantFrom('+2024', '-0001', '202', '20x4')),
  two(14), two(33), fc.constantFrom('T', 't', ' ', 'x', ''), two(25), two(61), two(61),
  fc.oneof(fc.constant(''), fc.array(digit, { minLength: 0, maxLength: 12 }).map((d) => `.${d.join('')}`), fc.constantFrom(',5', '.', '.1.2')),
  fc.constantFrom('Z', 'z', '', '+02:00', '-0530', 'ZZ', 'Q', '+00'),
).map(([y, mo, d, t, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${frac}${zone}`);

describe('the common timestamp shape agrees with the general ISO-8601 parser', () => {
  it('property (seeded): whenever it answers, it answers what the regex does; what the regex refuses, it leaves alone', () => {
    let answered = 0;
    fc.assert(fc.property(nearCommon, (text) => {
      const fast = commonIsoFields(text);
      if (fast === undefined) return;
      answered++;
      expect(fast).toEqual(general(text));
    }), { seed: 4_115, numRuns: 20_000 });
    expect(answered).toBeGreaterThan(300); // the generator reaches the fast path, so the comparison is not empty
  });

  it('property (seeded): the instant it computes in doubles is the exact BigInt one, in s, ms and us', () => {
    let answered = 0;
    // years within 100,000 days of 1970, where it answers; the rest of the text as near the common shape as above
    const nearEpoch = fc.tuple(fc.integer({ min: 1690, max: 2250 }), nearCommon).map(([y, t]) => `${y}${t.slice(t.indexOf('-', 1))}`);
    fc.assert(fc.property(nearEpoch, fc.constantFrom(0, 1, 2), (text, unit) => {
      const fast = commonInstant(text, unit);
      if (fast === undefined) return;
      answered++;
      const f = generalIsoFields(text);
      const keep = [0, 3, 6][unit];
      expect(f.fraction.length).toBeLessThanOrEqual(keep);
      const exact = (f.days * 86_400n + f.secondOfDay - BigInt(f.offsetSeconds ?? 0)) * [1n, 1_000n, 1_000_000n][unit] + BigInt(f.fraction.padEnd(keep, '0') || '0');
      expect(fast).toBe(exact);
    }), { seed: 4_116, numRuns: 20_000 });
    expect(answered).toBeGreaterThan(300);
    expect(commonInstant('1970-01-01T00:00:00.000001Z', 1)).toBeUndefined(); // finer than the unit: the general parser refuses it
    expect(commonInstant('2024-05-01T12:00:00Z', 3)).toBeUndefined(); // nanoseconds can pass 2^53: BigInt only
    expect(commonInstant('9999-12-31T23:59:59.999999Z', 2)).toBeUndefined(); // far from 1970: past 2^53 microseconds
    expect(parseInstant('9999-12-31T23:59:59.999999Z', { unit: 2, zoned: true })).toBe(253_402_300_799_999_999n);
  });

  it('answers the usual texts, and the day cache does not leak between dates', () => {
    for (const t of ['2024-02-29T23:59:59.999Z', '2024-03-01T00:00:00Z', '2024-02-29T00:00:00,5z', '1970-01-01 00:00:00Z', '2023-02-28T01:02:03.000000001Z']) {
      expect(commonIsoFields(t), t).toEqual(general(t));
    }
    expect(commonIsoFields('2023-02-29T00:00:00Z')).toBeUndefined(); // not a leap year: the general parser says why
    expect(commonIsoFields('2024-05-01T24:00:00Z')).toBeUndefined();
    expect(commonIsoFields('2024-05-01T12:00:00+02:00')).toBeUndefined();
  });
});

/** JSON's number grammar as a regex: the reference the scanner must match (longest match at the start). */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;

function expected(text: string): string {
  const m = JSON_NUMBER.exec(text);
  if (!m) return `error: bad number at position 0`;
  if (m[0].length < text.length) return `error: unexpected ${JSON.stringify(text[m[0].length])} after the JSON value at position ${m[0].length}`;
  return `number ${text}`;
}

function actual(text: string): string {
  try {
    const v = parseJsonLine(text);
    expect(v).toBeInstanceOf(JsonNumber);
    return `number ${(v as JsonNumber).text}`;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return `error: ${e.message}`;
    throw e;
  }
}

describe('the JSON number scanner', () => {
  it('property (seeded): accepts exactly the grammar, and stops where the longest match ends', () => {
    const text = fc.array(fc.constantFrom(...'-+0123456789.eE'), { minLength: 1, maxLength: 10 }).map((c) => c.join('')).filter((t) => /^[-0-9]/.test(t));
    fc.assert(fc.property(text, (t) => {
      expect(actual(t)).toBe(expected(t));
    }), { seed: 77, numRuns: 20_000 });
  });

  it.each(['0', '-0', '01', '1.', '1.5', '1e', '1e+', '1E-7', '-', '-a', '12345678901234567891', '0.0e00'])('%s', (t) => {
    expect(actual(t)).toBe(expected(t));
  });
});

/** What a reader of `line` sees: the members visited in order, then 'ok', 'not an object' or the error. */
function visits(line: string, read: (line: string, visit: (key: string, value: JsonValue) => boolean) => boolean): unknown[] {
  const seen: unknown[] = [];
  const keys = new Set<string>();
  const visit = (key: string, value: JsonValue) => {
    seen.push([key, value instanceof JsonNumber ? `number ${value.text}` : value instanceof Map ? 'object' : value]);
    return keys.has(key) || (keys.add(key), false);
  };
  try {
    seen.push(read(line, visit) ? 'ok' : 'not an object');
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    seen.push(`error: ${e.message}`);
  }
  return seen;
}

/** Members of flat lines, and the things that are not flat: escapes, nesting, control characters, junk. */
const member = fc.tuple(
  fc.constantFrom('id', 'name', 'a', 'é', 'id', '', 'x y'),
  fc.oneof(
    fc.integer().map(String), fc.constantFrom('-0', '1.5e3', '01', '1.', '12345678901234567891', 'true', 'false', 'null', 'nul', 'truex'),
    fc.string({ maxLength: 4 }).map((t) => JSON.stringify(t)), fc.constantFrom('"a\\nb"', '"\u00e9"', '"tab\there"', '[1]', '{"b":1}', '"unterminated'),
  ),
  fc.constantFrom('', ' ', '\t', '  '),
).map(([k, v, sp]) => `${sp}"${k}"${sp}:${sp}${v}${sp}`);

describe('a flat object in one pass', () => {
  it('property (seeded): visits what the general parser visits (or nothing, leaving the line to it)', () => {
    const scanner = new FlatLineScanner();
    let flat = 0;
    const line = fc.tuple(fc.array(member, { maxLength: 5 }), fc.constantFrom('', ' ', 'x', ',', '}'), fc.constantFrom('{', ' {', '[', '')).map(([m, tail, open]) => `${open}${m.join(',')}}${tail}`);
    fc.assert(fc.property(line, (text) => {
      const general = visits(text, parseJsonObjectLine);
      const mine = visits(text, (l, v) => scanner.scan(l, v));
      if (mine.length === 1 && mine[0] === 'not an object') return; // left to the general parser, nothing visited
      flat++;
      expect(mine).toEqual(general);
    }), { seed: 31_337, numRuns: 20_000 });
    expect(flat).toBeGreaterThan(1_000); // the one-pass path is reached, duplicate keys included
  });

  it.each([
    ['{"id": 1, "name": "x"}'], ['{}'], [' { "a" : true , "b" : null } '], ['{"id":1,"id":2}'], ['{"a":"b\\"}'], ['{"a":[1]}'], ['{"a":1}x'], ['{"a":01}'],
  ])('%s', (text) => {
    const mine = visits(text, (l, v) => new FlatLineScanner().scan(l, v));
    if (!(mine.length === 1 && mine[0] === 'not an object')) expect(mine).toEqual(visits(text, parseJsonObjectLine));
  });
});

describe('JSON Lines split into lines chunk by chunk', () => {
  /** The lines of a whole file as one chunk, by the rule readline uses (\n, \r\n, \r; a last line without an end counts). */
  function whole(text: string): string[] {
    const parts = text.split(/\r\n|\n|\r/);
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  }

  it('property (seeded): any chunking gives the lines of the whole text, \r\n split between chunks included', () => {
    const piece = fc.constantFrom('{"a":1}', 'x', '', ' ', '\n', '\r\n', '\r', '\r\r', '\n\r');
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }), (pieces, cuts) => {
      const text = pieces.join('');
      const lines: string[] = [];
      let carry = '';
      let at = 0;
      for (let k = 0; at < text.length; k++) {
        const size = cuts[k % cuts.length];
        carry = splitLines(carry, text.slice(at, at + size), (l) => lines.push(l));
        at += size;
      }
      if (carry !== '') lines.push(carry.replace(/\r$/, ''));
      expect(lines).toEqual(whole(text));
    }), { seed: 2_024, numRuns: 5_000 });
  });
});

describe('file chunks: Latin-1 while ASCII, then UTF-8', () => {
  const CHUNK = 1 << 20;
  it.each([
    ['a 2-byte character across the first boundary', CHUNK - 1, 'é'],
    ['a 3-byte character across the second boundary, after an ASCII chunk', 2 * CHUNK - 2, '語'],
    ['a 4-byte character across the second boundary', 2 * CHUNK - 1, '😀'],
    ['a BOM, then ASCII', 0, '\uFEFF'],
  ])('%s', async (_name, at, char) => {
    const ascii = 'x'.repeat(3 * CHUNK);
    const text = ascii.slice(0, at) + char + ascii.slice(at) + 'ü\n';
    const path = write(dir, `chunks-${at}.txt`, text);
    let read = '';
    for await (const c of chunks(path)) read += c.text;
    expect(read).toBe(text);
  });

  it('a file cut inside a character is refused, not read with a replacement character (regression-invalid-utf8-input.test.ts)', async () => {
    const path = write(dir, 'cut.txt', Buffer.concat([Buffer.from('ab\nc'), Buffer.from('é').subarray(0, 1)]));
    const read = async () => {
      for await (const c of chunks(path)) expect(c.text).toBe('ab\nc'); // the valid text before the cut
    };
    await expect(read()).rejects.toThrow(InputRejectedError);
    await expect(read()).rejects.toThrow(/cut\.txt line 2: not valid UTF-8 text \(a UTF-8 character cut off at the end of the file\)/);
  });
});

const CELL_TYPES: [DataType, fc.Arbitrary<unknown>][] = [
  [new Int64(), fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n }).map(String), fc.constant('x'))],
  [new Int32(), fc.integer().map(String)],
  [new Float64(), fc.double().map(String)],
  [new Bool(), fc.constantFrom('true', 'false', 'maybe')],
  [new Utf8(), fc.string({ maxLength: 5 })],
  [new TimestampMillisecond('UTC'), fc.constantFrom('2024-05-01T12:00:00.123Z', '2024-02-30T00:00:00Z', '1714564800000')],
];

describe('a column converted cell by cell, taken in parts', () => {
  it.each(CELL_TYPES.map(([t, a]) => [String(t), t, a] as const))('property (seeded): %s equals the whole column converted at once', (_n, type, cell) => {
    fc.assert(fc.property(fc.array(fc.option(cell, { nil: null }), { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (cells, parts, nullable) => {
      const field = new Field('c', type, nullable);
      const column = new ColumnAppender(field, converterFor(type), 2); // a tiny capacity: growth is exercised too
      cells.forEach((c, r) => column.put(r, c));
      let from = 0;
      for (const size of [...parts, cells.length]) {
        const count = Math.min(size, cells.length - from);
        if (count <= 0) break;
        const slice = cells.slice(from, from + count);
        let whole: unknown;
        try {
          whole = buildColumn(field, slice, converterFor(type));
        } catch (e) {
          whole = `problem at ${(e as { row: number }).row}`;
        }
        const p = column.problem;
        if (p && p.row < count) {
          expect(whole).toBe(`problem at ${p.row}`);
          return; // the batch is refused: nothing after it is read
        }
        const part = column.take(count);
        expect(typeof whole).not.toBe('string'); // not refused as a whole either
        expect(JSON.stringify([part.nullCount, ...iterate(part)], big)).toBe(JSON.stringify([(whole as typeof part).nullCount, ...iterate(whole as typeof part)], big));
        from += count;
      }
    }), { seed: 9_001, numRuns: 300 });
  });

  it('cells a line left out are absent: null where allowed, refused (naming the line) where not', () => {
    const schema = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8(), true)]);
    const cells = new ColumnCells({ schema, skipped: [], primaryKey: ['id'], policy: { allowMissing: true, upsert: true, partialUpdate: false, deleting: false } }, 'in.jsonl');
    cells.set(0, cells.addRow(1), '1');
    cells.set(1, cells.addRow(2), 'b'); // no id
    expect(() => cells.take()).toThrow(/line 2.*id.*missing/);
  });
});

function* iterate(data: { length: number; nullCount: number; getValid(i: number): boolean; values: ArrayLike<unknown>; valueOffsets?: Int32Array; type: DataType }) {
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) yield null;
    else if (data.valueOffsets) yield Buffer.from((data.values as Uint8Array).subarray(data.valueOffsets[i], data.valueOffsets[i + 1])).toString('hex');
    else if (data.type instanceof Bool) yield ((data.values as Uint8Array)[i >> 3] >> (i & 7)) & 1;
    else yield (data.values as ArrayLike<unknown>)[i];
  }
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}
