/**
 * Regression: a JSON Lines string with a lone surrogate escape (`"x\ud800y"`: half of
 * a surrogate pair, no character) was accepted, and encoding it to UTF-8 stored U+FFFD
 * in its place: the table held text the file did not say. UTF-8 has no form for a lone
 * surrogate, so the string column's converter (src/values.ts) now refuses it (exit 2,
 * SCHEMA_MISMATCH, naming the line and column), and nothing is written. A complete
 * pair (`\ud83d\ude00`) is one character and is stored.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support.js';
import { appendText, expectRefused, initTable, rows } from './text-support.js';

const dir = tempDir('freshtier-surrogate-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lone surrogate escapes in JSON Lines strings', () => {
  it('are refused in utf8 and large_utf8 columns, naming line and column', async () => {
    const uri = await initTable(dir, 't', [['id', 'int64'], ['s', 'utf8'], ['l', 'large_utf8']], ['id']);
    expect((await appendText(dir, uri, 'seed.jsonl', '{"id":1,"s":"a","l":"b"}\n')).code).toBe(0);
    const refused = /line 2: column "s" expected a string of Unicode characters, got "x\\ud800y" \(it holds a lone surrogate escape/;
    const r = await expectRefused(dir, uri, 'hi.jsonl', '{"id":2,"s":"ok","l":null}\n{"id":3,"s":"x\\ud800y","l":null}\n', refused);
    expect(r.stderr).toMatch(/both halves of its surrogate pair/);
    await expectRefused(dir, uri, 'lo.jsonl', '{"id":2,"s":"ok","l":"\\udfff"}\n', /line 1: column "l" .*lone surrogate/);
    await expectRefused(dir, uri, 'swapped.jsonl', '{"id":2,"s":"\\ude00\\ud83d","l":null}\n', /line 1: column "s" .*lone surrogate/);
  });

  it('a complete surrogate pair is one character, stored', async () => {
    const uri = await initTable(dir, 'ok', [['id', 'int64'], ['s', 'utf8']], ['id']);
    const r = await appendText(dir, uri, 'pair.jsonl', '{"id":1,"s":"x\\ud83d\\ude00y"}\n');
    expect(r.stderr).toBe('');
    expect((await rows(uri)).map((x) => x.s)).toEqual(['x😀y']);
  });
});
