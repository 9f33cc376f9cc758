/**
 * `freshtier alter` (issue 17) run as a shell runs it: every kind of schema change commits a
 * new schema version that `scan` and `inspect` then read; a change freshtier refuses, a default
 * literal the column cannot hold exactly and a malformed command line each exit 2 with a
 * message, and leave every byte of the table as it was.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-cli-alter-'));
const uri = path.join(dir, 't');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real program, returning its exit code and output. */
function freshtier(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every object under the table root with its SHA-256, to prove a command changed nothing. */
function tree(at: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(at, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(at);
  return out;
}

/** The newest base manifest, parsed (a `--json`-free look at what alter stored). */
function newestBase(): Record<string, any> {
  const dirPath = path.join(uri, 'base/_manifests');
  const newest = readdirSync(dirPath).filter((f) => f.endsWith('.json')).sort().at(-1)!;
  return JSON.parse(readFileSync(path.join(dirPath, newest), 'utf8'));
}

const scanRows = (): Record<string, unknown>[] => {
  const r = freshtier(['scan', uri, '--format', 'jsonl']);
  expect(r.stderr).toBe('');
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l)).sort((a, b) => a.id - b.id);
};

beforeAll(() => {
  const fields = [
    { name: 'id', type: 'int64', nullable: false }, { name: 'name', type: 'utf8' }, { name: 'small', type: 'int8' },
    { name: 'd', type: 'date32' }, { name: 'req', type: 'int32', nullable: false },
  ];
  writeFileSync(path.join(dir, 's.json'), JSON.stringify({ fields, primaryKey: ['id'] }));
  writeFileSync(path.join(dir, 'rows.csv'), 'id,name,small,d,req\n1,ada,5,2024-02-29,7\n2,bob,-3,,8\n');
  expect(freshtier(['init', uri, '--schema', path.join(dir, 's.json')]).code).toBe(0);
  expect(freshtier(['append', uri, path.join(dir, 'rows.csv')]).code).toBe(0);
}, 60_000);

describe('freshtier alter: each change kind', () => {
  it('add-column, widen-column, rename-column, drop-column, make-nullable: each a new schema version that scan reads', () => {
    const steps: [string[], RegExp][] = [
      [['add-column', 'score', 'float64', '--not-null', '--default', '1.5'], /add-column score Float64 not null default 1\.5; schema version 1\n[\s\S]*6\s+score\s+Float64\s+not null, default 1\.5/],
      [['widen-column', 'small', 'int32'], /widen-column small → Int32; schema version 2\n[\s\S]*3\s+small\s+Int32/],
      [['rename-column', 'name', 'full_name'], /rename-column name → full_name; schema version 3\n[\s\S]*2\s+full_name\s+Utf8/],
      [['drop-column', 'd'], /drop-column d; schema version 4\n/],
      [['make-nullable', 'req'], /make-nullable req; schema version 5\n[\s\S]*5\s+req\s+Int32\n/],
    ];
    for (const [args, shown] of steps) {
      const r = freshtier(['alter', uri, ...args]);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(shown);
    }
    // files written at version 0 read at version 5: renamed, widened, defaulted, dropped
    expect(scanRows()).toEqual([
      { id: 1, full_name: 'ada', small: 5, req: 7, score: 1.5 },
      { id: 2, full_name: 'bob', small: -3, req: 8, score: 1.5 },
    ]);
    // writes at the new schema: a value only the wider type holds, a null in the now nullable column
    writeFileSync(path.join(dir, 'v5.csv'), 'id,full_name,small,req,score\n3,cy,100000,,2.25\n');
    expect(freshtier(['append', uri, path.join(dir, 'v5.csv')]).code).toBe(0);
    expect(scanRows()[2]).toEqual({ id: 3, full_name: 'cy', small: 100000, req: null, score: 2.25 });
  }, 120_000);

  it('stores the schema record docs/format.md describes: formatVersion 2, field ids, history, the default\'s stored form', () => {
    const base = newestBase();
    expect(base.formatVersion).toBe(2);
    const s = base.schema;
    expect(s.version).toBe(5);
    expect(s.lastVersion).toBe(5);
    expect(s.lastFieldId).toBe(6);
    expect(s.fields.map((f: { id: number; name: string }) => [f.id, f.name])).toEqual([[1, 'id'], [2, 'full_name'], [3, 'small'], [5, 'req'], [6, 'score']]);
    expect(s.fields.find((f: { name: string }) => f.name === 'score').default).toBe('1.5');
    expect(s.history.map((h: { version: number }) => h.version)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.history[0].names).toEqual([[1, 'id'], [2, 'name'], [3, 'small'], [4, 'd'], [5, 'req']]);
  });

  it('--json: the new schema version, each column with its field id and exact default; inspect shows the same', () => {
    const r = freshtier(['--json', 'alter', uri, 'add-column', 'big', 'int64', '--default', '9007199254740993']);
    expect(r.code).toBe(0);
    // the default is an exact JSON number in `change` and its stored string in `fields` (never rounded)
    expect(r.stdout).toContain('"change":{"kind":"add-column","name":"big","type":"Int64","nullable":true,"default":9007199254740993}');
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(6);
    expect(doc.fields.at(-1)).toEqual({ id: 7, name: 'big', type: 'Int64', nullable: true, default: '9007199254740993', defaultText: '9007199254740993' });
    expect(doc.primaryKey).toEqual(['id']);
    const inspect = JSON.parse(freshtier(['--json', 'inspect', uri]).stdout);
    expect(inspect.schemaVersion).toBe(6);
    expect(inspect.fields.map((f: { id: number }) => f.id)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(freshtier(['inspect', uri]).stdout).toMatch(/schema: {6}version 6; field ids id=1, full_name=2, small=3, req=5, score=6, big=7; defaults score=1\.5, big=9007199254740993/);
  }, 60_000);

  it('a date default given as ISO text is stored as the exact day number and read back as the date', () => {
    const r = freshtier(['--json', 'alter', uri, 'add-column', 'since', 'date32', '--default', '1969-12-31']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).fields.at(-1)).toMatchObject({ name: 'since', default: '-1', defaultText: '1969-12-31' });
    expect(scanRows().map((row) => row.since)).toEqual(['1969-12-31', '1969-12-31', '1969-12-31']);
  }, 60_000);
});

// `alter --aggregate` runs in process: packages/cli/test/alter-cli.test.ts

describe('freshtier alter: refusals leave the table unchanged, byte for byte', () => {
  it.each([
    ['narrowing a type', ['widen-column', 'small', 'int8'], /Int32 → Int8 is not a widening/],
    // every other refusal: in process (packages/cli/test/alter-cli.test.ts), each binary run costs a start-up
  ])('%s: SCHEMA_CHANGE_REFUSED, exit 2', (_what, args, reason) => {
    const before = tree(uri);
    const r = freshtier(['--json', 'alter', uri, ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'SCHEMA_CHANGE_REFUSED', exitCode: 2 });
    expect(r.stderr).toMatch(/^freshtier alter: error: Schema change refused/);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toMatch(/the table was not changed/);
    expect(r.stderr).toMatch(/hint: `freshtier inspect <uri>` lists the columns/);
    expect(tree(uri)).toEqual(before);
  }, 60_000);
});

describe('freshtier alter: bad default literals and command lines are usage errors (exit 2), nothing changed', () => {
  it.each([
    ['a bare integer for a timestamp', ['add-column', 'x', 'timestamp[ms]', '--default', '1714564800'], /is a bare integer, not a date or time/],
    // every other bad literal and line: in process (packages/cli/test/alter-cli.test.ts)
  ])('%s', (_what, args, message) => {
    const before = tree(uri);
    const r = freshtier(['--json', 'alter', uri, ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('USAGE');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\nhint: /);
    expect(tree(uri)).toEqual(before);
  }, 60_000);
});
