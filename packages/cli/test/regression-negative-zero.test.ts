/**
 * Regression: a float -0 was printed as `0` by `scan --json` / `--format jsonl`, by
 * `--format csv` and in the table view (`String(-0)` is "0"), so the exported text
 * did not round-trip: appending it back stored +0, while Parquet and Arrow exports
 * kept the sign. Numbers are now written with `numberText` (src/json-out.ts): -0 as
 * `-0`, valid JSON number text that reads back as -0.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { exactJson } from '../src/json-out.js';
import { csvField, textCell } from '../src/values.js';
import { run, tempDir } from './support.js';
import { appendText, initTable, rows } from './text-support.js';

const dir = tempDir('freshtier-negzero-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('float -0 in text output', () => {
  it('is written as -0 in JSON Lines and CSV, and round-trips through append', async () => {
    const uri = await initTable(dir, 't', [['id', 'int64'], ['f', 'float64'], ['g', 'float32']], ['id']);
    expect((await appendText(dir, uri, 'in.csv', 'id,f,g\n1,-0,-0.0\n2,0,0\n')).code).toBe(0);

    const json = await run(['--json', 'scan', uri]);
    expect(json.stdout).toBe('{"id":1,"f":-0,"g":-0}\n{"id":2,"f":0,"g":0}\n');
    const csv = await run(['scan', uri, '--format', 'csv']);
    expect(csv.stdout).toBe('id,f,g\n1,-0,-0\n2,0,0\n');
    const table = await run(['scan', uri]);
    expect(table.stdout).toMatch(/^\s*1\s+-0\s+-0\s*$/m);

    // what was exported goes back in unchanged, from either format
    for (const [file, text] of [['back.jsonl', json.stdout], ['back.csv', csv.stdout]]) {
      const copy = await initTable(dir, `copy-${file}`, [['id', 'int64'], ['f', 'float64'], ['g', 'float32']], ['id']);
      expect((await appendText(dir, copy, file, text)).code).toBe(0);
      const [first, second] = await rows(copy);
      expect(Object.is(first.f, -0) && Object.is(first.g, -0)).toBe(true);
      expect(Object.is(second.f, 0) && Object.is(second.g, 0)).toBe(true);
    }
  });

  it('the writers keep the sign at any depth', () => {
    expect(exactJson({ a: -0, b: [-0, 0] })).toBe('{"a":-0,"b":[-0,0]}');
    expect(JSON.parse(exactJson(-0))).toBe(-0);
    expect(csvField(-0)).toBe('-0');
    expect(textCell(-0)).toBe('-0');
  });
});
