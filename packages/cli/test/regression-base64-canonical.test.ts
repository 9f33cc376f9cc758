/**
 * Regression: a binary column took base64 text whose last character has unused bits
 * set (`"AB=="`, `"AAB="`): the decoder drops those bits, so what was stored was not
 * what the file said (`scan` printed `"AA=="`). Only canonical base64, the one text of
 * its bytes, is exact; anything else is now refused (exit 2, SCHEMA_MISMATCH, naming
 * line and column, saying the canonical form) and nothing is written.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support.js';
import { appendText, expectRefused, initTable, rows } from './text-support.js';

const dir = tempDir('freshtier-base64-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('base64 in a binary column', () => {
  it('non-canonical base64 is refused, from JSON Lines and CSV', async () => {
    const uri = await initTable(dir, 't', [['id', 'int64'], ['b', 'binary'], ['l', 'large_binary']], ['id']);
    expect((await appendText(dir, uri, 'seed.jsonl', '{"id":1,"b":"AA==","l":null}\n')).code).toBe(0);
    await expectRefused(dir, uri, 'bad.jsonl', '{"id":2,"b":"AAAA","l":null}\n{"id":3,"b":"AB==","l":null}\n', /line 2: column "b" expected base64 bytes, got "AB==" \(not canonical base64: the bytes it holds are written "AA=="\)/);
    await expectRefused(dir, uri, 'bad.csv', 'id,b,l\n2,,AAB=\n', /line 2: column "l" expected base64 bytes, got "AAB=" \(not canonical base64: the bytes it holds are written "AAA="\)/);
  });

  it('canonical base64 round-trips exactly', async () => {
    const uri = await initTable(dir, 'ok', [['id', 'int64'], ['b', 'binary']], ['id']);
    const values = ['', 'AA==', 'AAA=', '/w==', 'AAEC', '3q2+7w=='];
    const text = values.map((b, i) => `{"id":${i + 1},"b":"${b}"}`).join('\n');
    expect((await appendText(dir, uri, 'ok.jsonl', text)).code).toBe(0);
    expect((await rows(uri)).map((x) => x.b)).toEqual(values);
  });
});
