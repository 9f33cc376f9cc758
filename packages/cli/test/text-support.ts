/**
 * Helpers of the text-input regression tests: a table made with `freshtier init`
 * from a JSON schema, appends of literal file content, the table's rows, and a
 * byte fingerprint of everything stored (to show a refused append wrote nothing).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { jsonl, run, write, type RunResult } from './support.js';

let files = 0;

/** Creates a table at `dir/name` with the given fields (`[name, type, nullable?]`) and primary key. */
export async function initTable(dir: string, name: string, fields: [string, string, boolean?][], primaryKey: string[]): Promise<string> {
  const schema = { fields: fields.map(([n, type, nullable]) => ({ name: n, type, nullable: nullable ?? !primaryKey.includes(n) })), primaryKey };
  const uri = join(dir, name);
  const r = await run(['init', uri, '--schema', write(dir, `${name}-schema-${files++}.json`, JSON.stringify(schema))]);
  expect(r.stderr).toBe('');
  return uri;
}

/** Appends `content` as a file named `file` (its extension gives the format); extra CLI arguments after. */
export async function appendText(dir: string, uri: string, file: string, content: string | Uint8Array, ...args: string[]): Promise<RunResult> {
  const path = write(dir, `${files++}-${file}`, content);
  return run(['--json', 'append', uri, path, ...args]);
}

/** The table's rows (scan as JSON Lines), sorted by the text of `key`. */
export async function rows(uri: string, key = 'id'): Promise<Record<string, unknown>[]> {
  const r = await run(['scan', uri, '--format', 'jsonl']);
  expect(r.code).toBe(0);
  return jsonl(r.stdout).sort((a, b) => String(a[key]).localeCompare(String(b[key])));
}

/** sha256 of every file under `root`, by relative path. */
export function fingerprint(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

/**
 * Expects `append` of `content` to be refused with exit code 2, the typed error code
 * SCHEMA_MISMATCH and a message matching `message`, and the table's bytes unchanged.
 */
export async function expectRefused(dir: string, uri: string, file: string, content: string | Uint8Array, message: RegExp, ...args: string[]): Promise<RunResult> {
  const before = fingerprint(uri);
  const r = await appendText(dir, uri, file, content, ...args);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'SCHEMA_MISMATCH', exitCode: 2 });
  expect(fingerprint(uri)).toEqual(before);
  return r;
}

/** JSON Lines text of `records`, with `raw` cells spliced in unquoted (numbers JSON.stringify cannot write). */
export function jsonLines(records: Record<string, unknown>[]): string {
  return records.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `@@${v}@@` : v)).replace(/"@@(-?\d+)@@"/g, '$1')).join('\n') + '\n';
}
