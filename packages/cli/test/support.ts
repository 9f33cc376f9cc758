/** Runs the CLI in-process with captured output, and writes fixture files. */
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Table } from '@freshtier/core';
import { Int64, RecordBatch, Struct, makeData, vectorFromArray } from 'apache-arrow';
import { main, type CliIo } from '../src/index.js';
import { JsonNumber, parseJsonLine, type JsonValue } from '../src/json-line.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  bytes: Uint8Array;
}

export async function run(argv: string[], options: { tty?: boolean; cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<RunResult> {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const enc = new TextEncoder();
  const io: CliIo = {
    stdout: { write: (c) => out.push(typeof c === 'string' ? enc.encode(c) : c), isTTY: false },
    stderr: { write: (c) => err.push(typeof c === 'string' ? c : new TextDecoder().decode(c)), isTTY: options.tty === true, columns: 100 },
    cwd: options.cwd,
    env: options.env ?? {},
  };
  const code = await main(argv, io);
  const bytes = Buffer.concat(out);
  return { code, stdout: new TextDecoder().decode(bytes), stderr: err.join(''), bytes };
}

/** Every file under `root` with its bytes (hex), to prove a command changed nothing. */
export function filesOf(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p).toString('hex'));
    }
  };
  walk(root);
  return out;
}

export function tempDir(prefix = 'freshtier-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function write(dir: string, name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/**
 * JSON Lines output as objects, read losslessly: an integer a double does not hold
 * exactly becomes a bigint (the CLI writes int64 as exact JSON numbers of any size).
 */
export function jsonl(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => plainJson(parseJsonLine(l)) as Record<string, unknown>);
}

function plainJson(v: JsonValue): unknown {
  if (v instanceof JsonNumber) {
    const n = v.toNumber();
    return /^-?\d+$/.test(v.text) && BigInt(v.text) !== BigInt(n) ? BigInt(v.text) : n;
  }
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plainJson(x)]));
  return Array.isArray(v) ? v.map(plainJson) : v;
}

export const USERS_SCHEMA = JSON.stringify({
  fields: [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'name', type: 'utf8' },
    { name: 'age', type: 'int32' },
    { name: 'score', type: 'float64' },
    { name: 'active', type: 'bool' },
    { name: 'joined', type: 'timestamp[ms, UTC]' },
  ],
});

/** A batch of `table`'s schema holding these `id`s and nulls in every other column (for writers a test runs itself). */
export function idsBatch(table: Table, ids: number[]): RecordBatch {
  const children = table.schema.fields.map((f) => (f.name === 'id'
    ? makeData({ type: new Int64(), length: ids.length, data: BigInt64Array.from(ids, BigInt) })
    : vectorFromArray(ids.map(() => null), f.type).data[0]));
  return new RecordBatch(table.schema, makeData({ type: new Struct(table.schema.fields), length: ids.length, nullCount: 0, children }));
}
