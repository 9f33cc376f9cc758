/**
 * Regression: a bool column read a JSON number as the double it rounds to, so
 * `0.99999999999999999999` (a double 1) was stored as true and `1e-400` (a double 0)
 * as false, while the CSV path refuses any text but the listed literals. A JSON number
 * is now a bool only when its exact value is 0 or 1 (`0`, `1`, `1.0`, `1e0`, `-0`);
 * any other number is refused (exit 2, SCHEMA_MISMATCH, naming line and column) and
 * nothing is written.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support.js';
import { appendText, expectRefused, initTable, rows } from './text-support.js';

const dir = tempDir('freshtier-bool-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JSON numbers in a bool column', () => {
  it('numbers that only round to 0 or 1 are refused', async () => {
    const uri = await initTable(dir, 't', [['id', 'int64'], ['b', 'bool']], ['id']);
    expect((await appendText(dir, uri, 'seed.jsonl', '{"id":1,"b":true}\n')).code).toBe(0);
    for (const n of ['0.99999999999999999999', '1e-400', '1.0000000000000000001', '0.5', '2', '-1']) {
      await expectRefused(dir, uri, 'bad.jsonl', `{"id":2,"b":true}\n{"id":3,"b":${n}}\n`, new RegExp(`line 2: column "b" expected true or false, got ${n.replace(/[.+]/g, '\\$&')} \\(a number must be exactly 0 or 1\\)`));
    }
    await expectRefused(dir, uri, 'bad.csv', 'id,b\n2,0.99999999999999999999\n', /line 2: column "b" expected true or false/);
  });

  it('exact 0 and 1, however written, are false and true', async () => {
    const uri = await initTable(dir, 'ok', [['id', 'int64'], ['b', 'bool']], ['id']);
    const text = ['0', '1', '1.0', '1e0', '0.000', '-0', '10e-1'].map((n, i) => `{"id":${i + 1},"b":${n}}`).join('\n');
    expect((await appendText(dir, uri, 'ok.jsonl', text)).code).toBe(0);
    expect((await rows(uri)).map((x) => x.b)).toEqual([false, true, true, true, false, false, true]);
  });
});
