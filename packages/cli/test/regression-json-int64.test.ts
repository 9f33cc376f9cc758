/**
 * Regression: `--json` / `--format jsonl` wrote an int64 as a JSON number when it fit
 * a double exactly and as a string when it did not, so one column had two JSON types
 * (DuckDB's `read_json` typed it JSON). int64 and uint64 are now always exact JSON
 * numbers — never strings, never rounded — and the CLI's own JSON Lines input reads
 * them back exactly.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { exactJson } from '../src/json-out.js';
import { JsonNumber, parseJsonLine } from '../src/json-line.js';
import { toJson } from '../src/context.js';
import { run, tempDir, write } from './support.js';
import { initTable, jsonLines } from './text-support.js';

const dir = tempDir('freshtier-int64-json-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS: [string, string, boolean?][] = [['id', 'int64'], ['u', 'uint64'], ['i', 'int32']];
const EDGES = [
  2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 63n) + 1n, 0n, -1n,
];

/** The raw text of every cell of the JSON Lines `text`, by column: numbers keep their digits. */
function rawCells(text: string, column: string): string[] {
  return text.trim().split('\n').map((line) => {
    const v = (parseJsonLine(line) as Map<string, unknown>).get(column);
    return v instanceof JsonNumber ? `number:${v.text}` : `${typeof v}:${String(v)}`;
  });
}

describe('int64 and uint64 in JSON output', () => {
  it('values around 2^53 and 2^63-1 are exact JSON numbers, one JSON type per column', async () => {
    const uri = await initTable(dir, 'edges', FIELDS, ['id']);
    const rows = EDGES.map((id, k) => ({ id, u: k === 0 ? 2n ** 64n - 1n : BigInt(k) * 2n ** 60n, i: k }));
    expect((await run(['append', uri, write(dir, 'edges.jsonl', jsonLines(rows))])).code).toBe(0);
    const out = await run(['--json', 'scan', uri]);
    expect(out.code).toBe(0);
    const ids = rawCells(out.stdout, 'id');
    expect(ids.sort()).toEqual(EDGES.map((v) => `number:${v}`).sort());
    expect(rawCells(out.stdout, 'u').sort()).toEqual(rows.map((r) => `number:${r.u}`).sort());
    expect(out.stdout).not.toMatch(/"id":"/); // no quoted integers at all
  });

  it('property (seeded): random int64/uint64 survive scan --json and append of that output exactly', async () => {
    const uri = await initTable(dir, 'random', FIELDS, ['id']);
    const values = fc.sample(fc.tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { seed: 2_053, numRuns: 200 });
    const byId = new Map(values.map(([id, u]) => [String(id), String(u)]));
    expect((await run(['append', uri, write(dir, 'random.jsonl', jsonLines(values.map(([id, u]) => ({ id, u, i: null }))))])).code).toBe(0);
    const out = await run(['scan', uri, '--format', 'jsonl']);
    const got = new Map(rawCells(out.stdout, 'id').map((id, k) => [id.slice('number:'.length), rawCells(out.stdout, 'u')[k].slice('number:'.length)]));
    expect(got).toEqual(byId);
    // the output is valid input: a second table built from it scans the same
    const copy = await initTable(dir, 'copy', FIELDS, ['id']);
    expect((await run(['append', copy, write(dir, 'copy.jsonl', out.stdout)])).code).toBe(0);
    expect((await run(['scan', copy, '--format', 'jsonl'])).stdout.split('\n').sort()).toEqual(out.stdout.split('\n').sort());
  });

  it('CSV and table output print the same exact digits', async () => {
    const uri = join(dir, 'edges');
    const csv = await run(['scan', uri, '--format', 'csv', '--columns', 'id']);
    expect(csv.stdout.trim().split('\n').slice(1).sort()).toEqual(EDGES.map(String).sort());
  });
});

describe('exactJson (the serializer of --json documents and JSON Lines)', () => {
  it('property (seeded): equals JSON.stringify on every JSON value, with and without indentation', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2), (v, indent) => {
      expect(exactJson(v, indent)).toBe(JSON.stringify(v, null, indent));
    }), { seed: 64, numRuns: 500 });
  });

  it.each([
    [{ n: 9007199254740993n }, '{"n":9007199254740993}'],
    [[2n ** 63n - 1n, -(2n ** 63n)], '[9223372036854775807,-9223372036854775808]'],
    [{ u: 2n ** 64n - 1n, nested: { list: [1n, null] } }, '{"u":18446744073709551615,"nested":{"list":[1,null]}}'],
    [{ a: undefined, b: () => 1, d: new Date(0) }, '{"d":"1970-01-01T00:00:00.000Z"}'],
    [NaN, 'null'],
  ])('%o → %s', (value, text) => {
    expect(exactJson(value)).toBe(text);
    expect(toJson(value)).toBe(text);
  });
});
