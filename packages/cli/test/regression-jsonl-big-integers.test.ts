/**
 * Regression: `freshtier append` of JSON Lines read numbers with `JSON.parse`, which
 * rounds integers above 2^53: ids 9007199254740993 and 9007199254740992 became one
 * key, and a uint64 near 2^64 was stored wrong. Numbers now keep their source text
 * (src/json-line.ts) until the column type reads them: integers exactly or refused
 * (a fraction, or out of the column's range, with the line number); floats as the
 * nearest double, float32 then rounded to its type.
 */
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonNumber, exactInteger, parseJsonLine, type JsonValue } from '../src/json-line.js';
import { tempDir } from './support.js';
import { appendText, expectRefused, initTable, jsonLines, rows } from './text-support.js';

const dir = tempDir('freshtier-bigint-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS: [string, string, boolean?][] = [['id', 'int64'], ['u', 'uint64'], ['i', 'int32'], ['f', 'float64'], ['g', 'float32']];
const row = (id: bigint | string, more: Record<string, unknown> = {}) => ({ id, u: null, i: null, f: null, g: null, ...more });

describe('JSON Lines integers above 2^53', () => {
  it('distinct int64 ids stay distinct keys; uint64 and int64 extremes are exact', async () => {
    const uri = await initTable(dir, 'big', FIELDS, ['id']);
    const text = jsonLines([
      row(9007199254740993n, { u: 18446744073709551615n }),
      row(9007199254740992n, { u: 18446744073709551614n }),
      row(-9223372036854775808n, { u: 0n }),
      row(9223372036854775807n),
    ]);
    const r = await appendText(dir, uri, 'big.jsonl', text);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // written back as exact JSON numbers (read here losslessly: bigints beyond 2^53)
    expect((await rows(uri)).map((x) => [x.id, x.u])).toEqual([
      [-(2 ** 63), 0], // a double holds -2^63 exactly
      [9007199254740992, 18446744073709551614n],
      [9007199254740993n, 18446744073709551615n],
      [9223372036854775807n, null],
    ]);
  });

  it('integral spellings (1e3, 10.0, -0) are integers; a fraction or out-of-range value is refused with its line', async () => {
    const uri = await initTable(dir, 'forms', FIELDS, ['id']);
    const ok = await appendText(dir, uri, 'forms.jsonl', '{"id": 1e3, "u": 10.0, "i": -0, "f": null, "g": null}\n');
    expect(ok.code).toBe(0);
    expect(await rows(uri)).toEqual([{ id: 1000, u: 10, i: 0, f: null, g: null }]);
    const good = jsonLines([row(1n)]);
    await expectRefused(dir, uri, 'frac.jsonl', good + '{"id": 9007199254740993.5, "u": null, "i": null, "f": null, "g": null}\n', /line 2: column "id" expected an integer in \[-9223372036854775808, 9223372036854775807\], got 9007199254740993\.5 \(not an integer: it has a fraction\)/);
    await expectRefused(dir, uri, 'over.jsonl', good + jsonLines([row(9223372036854775808n)]), /line 2: column "id" .*got 9223372036854775808 \(out of range\)/);
    await expectRefused(dir, uri, 'neg.jsonl', jsonLines([row(2n, { u: -1n })]), /line 1: column "u" expected an integer in \[0, 18446744073709551615\], got -1 \(out of range\)/);
    await expectRefused(dir, uri, 'i32.jsonl', jsonLines([row(2n, { i: 2147483648n })]), /line 1: column "i" .*out of range/);
    await expectRefused(dir, uri, 'huge.jsonl', '{"id": 1e999999999, "u": null, "i": null, "f": null, "g": null}\n', /line 1: column "id" .*\(out of range\)/);
    await expectRefused(dir, uri, 'dup.jsonl', '{"id": 1, "id": 2, "u": null, "i": null, "f": null, "g": null}\n', /line 1: not valid JSON \(key "id" appears twice in one object/);
  });

  it('float64 takes the nearest double; float32 the nearest float32 of the text; beyond the type is refused', async () => {
    const uri = await initTable(dir, 'floats', FIELDS, ['id']);
    // 1 + 2^-24 + 2^-80: its nearest double is the float32 midpoint 1 + 2^-24, which would round (to even) to 1;
    // the text itself is above the midpoint, so its nearest float32 is 1 + 2^-23
    const scale = 10n ** 80n;
    const digits = (scale + scale / 2n ** 24n + scale / 2n ** 80n).toString();
    const aboveMidpoint = `${digits[0]}.${digits.slice(1)}`;
    const text = `{"id": 1, "u": null, "i": null, "f": 0.1, "g": 0.1}\n{"id": 2, "u": null, "i": null, "f": 9007199254740993, "g": ${aboveMidpoint}}\n`;
    const r = await appendText(dir, uri, 'f.jsonl', text);
    expect(r.code).toBe(0);
    expect((await rows(uri)).map((x) => [x.f, x.g])).toEqual([[0.1, Math.fround(0.1)], [9007199254740992, 1 + 2 ** -23]]);
    await expectRefused(dir, uri, 'f32.jsonl', jsonLines([row(3n)]).replace('"g":null', '"g":1e39'), /line 1: column "g" expected a number, got 1e39 \(is beyond the largest float32/);
    await expectRefused(dir, uri, 'f64.csv', 'id,u,i,f,g\n3,,,1e400,\n', /line 2: column "f" expected a number, got "1e400" \(is beyond the largest float64/);
  });

  it('property (seeded): random int64 and uint64 values survive append and scan exactly', async () => {
    const uri = await initTable(dir, 'random', FIELDS, ['id']);
    const pairs = fc.sample(fc.tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { seed: 9_007, numRuns: 300 });
    const byId = new Map(pairs.map(([id, u]) => [id, u])); // duplicate ids: the last row wins
    const r = await appendText(dir, uri, 'random.jsonl', jsonLines(pairs.map(([id, u]) => row(id, { u }))));
    expect(r.code).toBe(0);
    const got = (await rows(uri)).map((x) => [BigInt(x.id as bigint | number), BigInt(x.u as bigint | number)]);
    expect(new Map(got.map(([a, b]) => [a, b]))).toEqual(byId);
  });
});

describe('the lossless JSON line parser', () => {
  const plain = (v: JsonValue): unknown => (v instanceof JsonNumber ? v.toNumber() : v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, plain(x)])) : Array.isArray(v) ? v.map(plain) : v);

  it('property (seeded): reads what JSON.parse reads, numbers aside keeping their text', () => {
    fc.assert(fc.property(fc.json(), (text) => {
      expect(plain(parseJsonLine(text))).toEqual(JSON.parse(text));
    }), { seed: 1_801, numRuns: 1000 });
  });

  it('property (seeded): exactInteger reads any integer in plain, fraction and exponent notation', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 5 }), (n, shift) => {
      const digits = (n < 0n ? -n : n).toString();
      const sign = n < 0n ? '-' : '';
      expect(exactInteger(`${sign}${digits}`)).toBe(n);
      expect(exactInteger(`${sign}${digits}.${'0'.repeat(shift + 1)}`)).toBe(n);
      expect(exactInteger(`${sign}${digits}${'0'.repeat(shift)}e-${shift}`)).toBe(n);
      expect(exactInteger(`${sign}${digits}.5`)).toBeUndefined();
    }), { seed: 253, numRuns: 1000 });
  });

  it.each([
    ['{"a":1,}', /expected a quoted key/], ['{"a" 1}', /expected ":"/], ['[1 2]', /expected "," or "\]"/], ['01', /after the JSON value/],
    ['"\\x"', /bad string/], ['"a', /unterminated string/], ['{"a":1} x', /after the JSON value/], ['[' .repeat(100), /nesting deeper than 64/],
    ['{"a":1,"a":2}', /key "a" appears twice/], ['NaN', /unexpected "N"/], ['', /unexpected end/],
  ])('refuses %j', (text, message) => expect(() => parseJsonLine(text)).toThrow(message));
});
