/**
 * Regression: CSV and JSON Lines input was decoded with a lenient UTF-8 decoder
 * (`StringDecoder`), so a byte that is not UTF-8 (`a\xffb`), a surrogate encoded in
 * UTF-8, or a character cut off at the end of the file was silently stored as U+FFFD:
 * the table held text the file did not. Input is now decoded strictly
 * (src/utf8-input.ts): such a file is refused (exit 2, SCHEMA_MISMATCH) naming the
 * line of the first invalid byte, and nothing is written. Valid multi-byte text,
 * including a real U+FFFD (EF BF BD) and characters split across read chunks, is kept.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Utf8Locator } from '../src/utf8-input.js';
import { tempDir } from './support.js';
import { appendText, expectRefused, initTable, rows } from './text-support.js';

const dir = tempDir('freshtier-utf8-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

async function table(name: string): Promise<string> {
  const uri = await initTable(dir, name, [['id', 'int64'], ['name', 'utf8']], ['id']);
  const r = await appendText(dir, uri, 'seed.csv', 'id,name\n1,seed\n');
  expect(r.code).toBe(0);
  return uri;
}

describe('invalid UTF-8 in text input is refused, naming the line', () => {
  it('CSV: a 0xFF byte', async () => {
    const uri = await table('csv-ff');
    await expectRefused(dir, uri, 'bad.csv', bytes('id,name\n2,ok\n3,a', [0xff], 'b\n'), /line 3: not valid UTF-8 text/);
  });

  it('CSV: a character cut off at the end of the file', async () => {
    const uri = await table('csv-cut');
    await expectRefused(dir, uri, 'cut.csv', bytes('id,name\n2,"a', [0xc3]), /line 2: not valid UTF-8 text \(a UTF-8 character cut off at the end of the file\)/);
  });

  it('JSON Lines: a 0xFF byte inside a string, an encoded surrogate, a cut-off character', async () => {
    const uri = await table('jsonl');
    await expectRefused(dir, uri, 'ff.jsonl', bytes('{"id":2,"name":"ok"}\n{"id":3,"name":"a', [0xff], 'b"}\n'), /line 2: not valid UTF-8 text \(an invalid UTF-8 byte at byte offset 38\)/);
    await expectRefused(dir, uri, 'sur.jsonl', bytes('{"id":2,"name":"', [0xed, 0xa0, 0x80], '"}\n'), /line 1: not valid UTF-8/);
    await expectRefused(dir, uri, 'cut.jsonl', bytes('{"id":2,"name":"x"}\n{"id":3,"name":"a', [0xc3]), /line 2: not valid UTF-8/);
  });

  it('an invalid byte after a first chunk of ASCII (1 MiB) is still refused, on its line', async () => {
    const uri = await table('late');
    const lines = Array.from({ length: 40_000 }, (_, i) => `{"id":${i + 10},"name":"${'x'.repeat(20)}"}`).join('\n');
    await expectRefused(dir, uri, 'late.jsonl', bytes(lines, '\n{"id":5,"name":"', [0xe9], '"}\n'), /line 40001: not valid UTF-8/);
  });

  it('valid UTF-8 is kept exactly: a real U+FFFD, a BOM, 4-byte characters split across chunks', async () => {
    const uri = await table('ok');
    const pad = 'x'.repeat((1 << 20) - 30); // puts the emoji across the 1 MiB read boundary
    const text = `\uFEFFid,name\n2,a\uFFFDb\n3,"é😀"\n4,${pad}😀😀\n`;
    const r = await appendText(dir, uri, 'ok.csv', text);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await rows(uri)).map((x) => x.name)).toEqual(['seed', 'a\uFFFDb', 'é😀', `${pad}😀😀`]);
  });
});

describe('Utf8Locator', () => {
  it('finds overlong forms, surrogates, code points above U+10FFFF and stray continuation bytes', () => {
    for (const bad of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xf5]]) {
      const scan = new Utf8Locator();
      expect(scan.feed(bytes('a\r\nb\rc\n', bad)), bad.join()).toBe(true);
      expect(scan.line).toBe(4);
    }
    expect(new Utf8Locator().feed(bytes('é€😀\uFFFD'))).toBe(false);
  });
});
