/**
 * Bad text input through the CLI, for bad-input.test.ts: `freshtier append` of a
 * CSV/TSV/JSONL file the table cannot take exactly. Each case runs the CLI's `main`
 * in-process (`--json`) against the fixture table (id int64 key, v int64, s utf8),
 * expects exit code 2 and rebuilds the typed error the CLI reported (its `code`,
 * and its message with the hint) for the catalogue's checks; the fixture's stored
 * bytes must be unchanged. Timestamp cases need a timestamp column, so they run
 * against a side table made in the case and byte-compare that table themselves.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FreshtierError, type ErrorCode } from '@freshtier/core';
import { expect } from 'vitest';
import { main, type CliIo } from '../../packages/cli/src/index.js';
import { tempDir } from '../src/data.js';
import type { Fixture, InputCase } from './bad-input-cases.js';

/** Runs the CLI with captured output; returns its exit code and the `--json` error document. */
async function cli(argv: string[]): Promise<{ code: number; error?: { code: ErrorCode; message: string; hint?: string; exitCode: number } }> {
  const out: string[] = [];
  const io: CliIo = { stdout: { write: (c) => out.push(String(c)) }, stderr: { write: () => true }, env: {} };
  const code = await main(['--json', ...argv], io);
  const last = out.join('').trim().split('\n').at(-1);
  return { code, error: last ? (JSON.parse(last) as { error?: never }).error : undefined };
}

/** Appends `content` (written outside the table root) to the table at `root`; returns the error it was refused with. */
async function appendRefused(root: string, file: string, content: string): Promise<unknown> {
  const side = await tempDir('freshtier-text-in-');
  try {
    const p = path.join(side.dir, file);
    await writeFile(p, content);
    const r = await cli(['append', root, p]);
    expect(r.code, 'a refused input exits with code 2').toBe(2);
    expect(r.error?.exitCode).toBe(2);
    return r.error && new FreshtierError(r.error.code, `${r.error.message}; hint: ${r.error.hint ?? ''}`);
  } finally {
    await side.cleanup();
  }
}

const onFixture = (file: string, content: string) => (f: Fixture) => appendRefused(f.dir, file, content);

/** sha256 of every file under `root`. */
async function fingerprint(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = path.join(d, name);
      if ((await stat(p)).isDirectory()) await walk(p);
      else out.set(path.relative(root, p), createHash('sha256').update(await readFile(p)).digest('hex'));
    }
  };
  await walk(root);
  return out;
}

/**
 * A side table (id int64 key, ts `tsType`) holding one row, then the bad append against it:
 * its bytes must be unchanged too.
 */
function onTimestampTable(tsType: string, file: string, content: string) {
  return async (): Promise<unknown> => {
    const side = await tempDir('freshtier-text-ts-');
    try {
      const root = path.join(side.dir, 'table');
      const schema = path.join(side.dir, 'schema.json');
      await writeFile(schema, JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'ts', type: tsType }], primaryKey: ['id'] }));
      expect((await cli(['init', root, '--schema', schema])).code).toBe(0);
      await writeFile(path.join(side.dir, 'seed.csv'), 'id,ts\n1,2024-05-01T12:00:00Z\n');
      expect((await cli(['append', root, path.join(side.dir, 'seed.csv')])).code).toBe(0);
      const before = await fingerprint(root);
      const err = await appendRefused(root, file, content);
      expect(await fingerprint(root), 'the side table must not change').toEqual(before);
      return err;
    } finally {
      await side.cleanup();
    }
  };
}

const row = (id: string, v = 'null', s = 'null') => `{"id": ${id}, "v": ${v}, "s": ${s}}\n`;
const M = (code: ErrorCode, message: RegExp) => ({ code, message });

export const TEXT_INPUTS: InputCase[] = [
  { name: 'text: JSONL integer with a fraction', expected: M('SCHEMA_MISMATCH', /line 2: column "id" expected an integer in .*got 9007199254740993\.5 \(not an integer: it has a fraction\)/),
    act: onFixture('frac.jsonl', row('100') + row('9007199254740993.5')) },
  { name: 'text: JSONL integer beyond int64', expected: M('SCHEMA_MISMATCH', /line 1: column "v" .*got 9223372036854775808 \(out of range\)/),
    act: onFixture('big.jsonl', row('100', '9223372036854775808')) },
  { name: 'text: JSONL number with a huge exponent', expected: M('SCHEMA_MISMATCH', /line 1: column "id" .*got 1e999999999 \(out of range\)/),
    act: onFixture('exp.jsonl', row('1e999999999')) },
  { name: 'text: JSONL key written twice in one object', expected: M('SCHEMA_MISMATCH', /line 1: not valid JSON \(key "id" appears twice in one object/),
    act: onFixture('dup.jsonl', '{"id": 1, "id": 2, "v": null, "s": null}\n') },
  { name: 'text: JSONL nested 100 levels deep', expected: M('SCHEMA_MISMATCH', /line 1: not valid JSON \(nesting deeper than 64 levels/),
    act: onFixture('deep.jsonl', `{"id": 1, "v": null, "s": ${'['.repeat(100)}}\n`) },
  { name: 'text: JSONL record lacking a column', expected: M('SCHEMA_MISMATCH', /line 2: no value for column\(s\) "s".*hint: appending it would set those columns to null .*"column": null is a null.*--allow-missing-columns/),
    act: onFixture('partial.jsonl', row('100', '1', '"x"') + '{"id": 1, "v": 2}\n') },
  { name: 'text: CSV header naming only some columns', expected: M('SCHEMA_MISMATCH', /header: no value for column\(s\) "s".*partial-update table/),
    act: onFixture('partial.csv', 'id,v\n1,2\n') },
  { name: 'text: TSV header naming only the key', expected: M('SCHEMA_MISMATCH', /header: no value for column\(s\) "v", "s"/),
    act: onFixture('partial.tsv', 'id\n1\n') },
  { name: 'text: CSV header with a reserved _ft_ column', expected: M('SCHEMA_MISMATCH', /header names column\(s\) the table does not have: "_ft_tombstone"/),
    act: onFixture('reserved.csv', 'id,v,s,_ft_tombstone\n1,2,x,true\n') },
  { name: 'text: CSV integer cell with a fraction', expected: M('SCHEMA_MISMATCH', /line 3: column "v" expected an integer in .*got "1\.5"/),
    act: onFixture('frac.csv', 'id,v,s\n1,2,x\n2,1.5,y\n') },
  { name: 'text: timestamp[us] with nanoseconds (would be truncated)', expected: M('SCHEMA_MISMATCH', /line 1: column "ts" .*finer than the column's unit \(us: 6 digits\)/),
    act: onTimestampTable('timestamp[us]', 'ns.jsonl', '{"id": 2, "ts": "2024-05-01T12:00:00.000001001Z"}\n') },
  { name: 'text: impossible date 2024-02-30', expected: M('SCHEMA_MISMATCH', /line 2: column "ts" .*February 2024 has 29 days/),
    act: onTimestampTable('timestamp[ms]', 'feb30.csv', 'id,ts\n2,2024-02-30T00:00:00Z\n') },
  { name: 'text: 24:00', expected: M('SCHEMA_MISMATCH', /line 2: column "ts" .*24:00 is refused/),
    act: onTimestampTable('timestamp[s]', 'h24.csv', 'id,ts\n2,2024-05-01T24:00:00Z\n') },
  { name: 'text: zone-less timestamp on a column with a time zone', expected: M('SCHEMA_MISMATCH', /line 2: column "ts" .*has no time zone.*add "Z" for UTC/),
    act: onTimestampTable('timestamp[ns, UTC]', 'zoneless.csv', 'id,ts\n2,2024-05-01T12:00:00\n') },
  { name: 'text: leap second', expected: M('SCHEMA_MISMATCH', /line 1: column "ts" .*second 60 is out of range 00-59 \(leap seconds cannot be stored\)/),
    act: onTimestampTable('timestamp[s, UTC]', 'leap.jsonl', '{"id": 2, "ts": "2016-12-31T23:59:60Z"}\n') },
  { name: 'text: epoch milliseconds beyond int64 nanoseconds', expected: M('SCHEMA_MISMATCH', /line 1: column "ts" .*outside what a 64-bit timestamp in ns can hold/),
    act: onTimestampTable('timestamp[ns]', 'epoch.jsonl', '{"id": 2, "ts": 9223372036855}\n') },
];
