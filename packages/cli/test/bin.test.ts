/**
 * The CLI as a real program (`node --conditions=freshtier-src --import tsx
 * packages/cli/src/bin.ts …`): exit codes and streams as a shell sees them.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { USERS_SCHEMA, run, tempDir, write } from './support.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshtier(args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('freshtier as a child process', () => {
  it('init → append → scan, with exit codes 0 and 2', async () => {
    const uri = join(dir, 'users');
    write(dir, 'users.json', USERS_SCHEMA);
    const init = freshtier(['init', uri, '--schema', join(dir, 'users.json'), '--primary-key', 'id', '--shards', '2']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    // the middle step in-process keeps the test fast; the program reads what it wrote
    expect((await run(['append', uri, write(dir, 'u.csv', 'id,name,age,active\n1,ann,30,true\n2,ben,40,false\n3,cy,50,true\n'), '--allow-missing-columns'])).code).toBe(0);
    const scan = freshtier(['scan', uri, '--format', 'csv', '--columns', 'id,name', '--where', 'age >= 40']);
    expect(scan.stderr).toBe('');
    expect(scan.code).toBe(0);
    expect(scan.stdout.trim().split('\n').sort()).toEqual(['2,ben', '3,cy', 'id,name']);
    const bad = freshtier(['scan', uri, '--where', 'age >> 1']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('freshtier scan: error: bad --where');
  });
});

describe('relative paths', () => {
  it('a plain relative <uri> and input file resolve against the working directory', async () => {
    write(dir, 's.json', JSON.stringify({ fields: [{ name: 'k', type: 'utf8', nullable: false }], primaryKey: ['k'] }));
    expect((await run(['init', 'rel-table', '--schema', 's.json'], { cwd: dir })).code).toBe(0);
    write(dir, 'k.jsonl', '{"k":"a"}\n{"k":"b"}\n');
    expect((await run(['append', './rel-table', 'k.jsonl'], { cwd: dir })).code).toBe(0);
    const r = await run(['scan', `file://${join(dir, 'rel-table')}`, '--format', 'csv']);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['a', 'b', 'k']);
  });
});
