/**
 * Bad input to the CLI's issue-15 commands, for bad-input.test.ts: `freshtier delete`
 * with a key file the table cannot take, `freshtier tag --delete` of a bad or unknown
 * tag, and CSV that the CLI's own parser refuses. Each case runs the CLI's `main`
 * in-process (`--json`) against the fixture table (id int64 key, v int64, s utf8) and
 * rebuilds the typed error it reported (its `code`, its message with the hint); the
 * fixture's stored bytes must be unchanged — a refused delete opens no writer.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FreshtierError, type ErrorCode } from '@freshtier/core';
import { expect } from 'vitest';
import { main, type CliIo } from '../../packages/cli/src/index.js';
import { tempDir } from '../src/data.js';
import type { Fixture, InputCase } from './bad-input-cases.js';

/** Runs the CLI with `--json`; expects exit code `exit` and returns the typed error it reported. */
async function refused(argv: string[], exit: 1 | 2): Promise<unknown> {
  const out: string[] = [];
  const io: CliIo = { stdout: { write: (c) => out.push(String(c)) }, stderr: { write: () => true }, env: {} };
  const code = await main(['--json', ...argv], io);
  expect(code, `exit code of ${argv.join(' ')}`).toBe(exit);
  const last = out.join('').trim().split('\n').at(-1);
  const error = last ? (JSON.parse(last) as { error?: { code: ErrorCode; message: string; hint?: string } }).error : undefined;
  return error && new FreshtierError(error.code, `${error.message}; hint: ${error.hint ?? ''}`);
}

/** `freshtier <command> <table> <file>` with `content` written outside the table root. */
function withFile(command: 'delete' | 'append', file: string, content: string) {
  return async (f: Fixture): Promise<unknown> => {
    const side = await tempDir('freshtier-cli-in-');
    try {
      const p = path.join(side.dir, file);
      await writeFile(p, content);
      return await refused([command, f.dir, p], 2);
    } finally {
      await side.cleanup();
    }
  };
}

const M = (code: ErrorCode, message: RegExp) => ({ code, message });

export const CLI_INPUTS: InputCase[] = [
  { name: 'cli: delete keys lacking the key column', expected: M('SCHEMA_MISMATCH', /header: no value for primary-key column\(s\) "id".*whole primary key/),
    act: withFile('delete', 'k.csv', 's\nx\n') },
  { name: 'cli: delete with a null key', expected: M('SCHEMA_MISMATCH', /line 3: column "id" is empty\/null .*every row needs a value in each primary-key column/),
    act: withFile('delete', 'k.jsonl', '{"id": 1}\n\n{"id": null}\n') },
  { name: 'cli: delete key with a fraction', expected: M('SCHEMA_MISMATCH', /line 1: column "id" expected an integer .*not an integer: it has a fraction.*whole numbers/),
    act: withFile('delete', 'k.jsonl', '{"id": 1.5}\n') },
  { name: 'cli: delete key beyond int64', expected: M('SCHEMA_MISMATCH', /line 1: column "id" .*\(out of range\).*Int64 cannot hold that value/),
    act: withFile('delete', 'k.jsonl', '{"id": 9223372036854775808}\n') },
  { name: 'cli: delete keys naming a column the table lacks', expected: M('SCHEMA_MISMATCH', /key "nope" is not a column of the table/),
    act: withFile('delete', 'k.jsonl', '{"id": 1, "nope": 2}\n') },
  { name: 'cli: CSV with a quote inside an unquoted field', expected: M('SCHEMA_MISMATCH', /not valid CSV: a quote inside unquoted field 3/),
    act: withFile('append', 'q.csv', 'id,v,s\n1,2,ab"c\n') },
  { name: 'cli: CSV with a quote never closed', expected: M('SCHEMA_MISMATCH', /not valid CSV: a quoted field is not closed before the end of the file \(line 3\)/),
    act: withFile('append', 'open.csv', 'id,v,s\n1,2,x\n3,4,"y\n') },
  { name: 'cli: CSV record with an extra field', expected: M('SCHEMA_MISMATCH', /line 3: invalid record length: 4 field\(s\), the header has 3/),
    act: withFile('append', 'ragged.csv', 'id,v,s\n1,2,x\n3,4,y,z\n') },
  { name: 'cli: tag --delete of a bad tag name', expected: M('INVALID_OPTIONS', /tag name/),
    act: (f) => refused(['tag', f.dir, 'a/b', '--delete'], 2) },
  { name: 'cli: tag --delete of a tag that does not exist', expected: M('NOT_FOUND', /There is no tag "nightly"/),
    act: (f) => refused(['tag', f.dir, 'nightly', '--delete'], 1) },
];
