/**
 * Regression: `scan --out FILE` (and `changes --out`) wrote straight into FILE, and a
 * scan that failed midway (here an AGGREGATE_OVERFLOW: an int8 sum past 127 found while
 * merging) removed it, so a file that was already at that path was lost. Output now
 * goes to a temporary file beside FILE that is renamed over it only once complete
 * (src/commands/scan.ts fileSink): on failure the existing file is untouched and no
 * temporary file is left behind; on success FILE is replaced, keeping its permissions. A
 * symlink (a FIFO, /dev/stdout) is written through: a rename would replace the link itself.
 */
import { chmodSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir, write } from './support.js';
import { appendText } from './text-support.js';

const dir = tempDir('freshtier-scan-out-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An aggregate table whose int8 sum of key 2 overflows when a scan merges its two appends. */
async function overflowingTable(): Promise<string> {
  const uri = join(dir, 't');
  const schema = write(dir, 'schema.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'n', type: 'int8' }], primaryKey: ['id'] }));
  expect((await run(['init', uri, '--schema', schema, '--merge-engine', 'aggregate', '--aggregate', 'n=sum'])).code).toBe(0);
  expect((await appendText(dir, uri, 'a.csv', 'id,n\n1,1\n2,100\n')).code).toBe(0);
  expect((await appendText(dir, uri, 'b.csv', 'id,n\n2,100\n')).code).toBe(0);
  return uri;
}

describe('scan --out over an existing file', () => {
  it('a failed scan leaves the existing file as it was, and no temporary file', async () => {
    const uri = await overflowingTable();
    for (const format of ['csv', 'jsonl', 'parquet']) {
      const out = write(dir, `out-${format}`, 'precious\n');
      const r = await run(['--json', 'scan', uri, '--format', format, '--out', out]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('AGGREGATE_OVERFLOW');
      expect(readFileSync(out, 'utf8')).toBe('precious\n');
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('a successful scan replaces the existing file', async () => {
    const uri = join(dir, 'ok');
    const schema = write(dir, 'ok.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }], primaryKey: ['id'] }));
    expect((await run(['init', uri, '--schema', schema])).code).toBe(0);
    expect((await appendText(dir, uri, 'ok.csv', 'id\n1\n2\n')).code).toBe(0);
    const out = write(dir, 'ok-out.csv', 'precious and much longer than the scan output\n');
    const r = await run(['scan', uri, '--format', 'csv', '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('id\n1\n2\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('a symlink is written through (its target gets the output, the link stays), and a replaced file keeps its mode', async () => {
    const uri = join(dir, 'ok');
    const target = write(dir, 'target.csv', 'old\n');
    const link = join(dir, 'link.csv');
    symlinkSync(target, link);
    expect((await run(['scan', uri, '--format', 'csv', '--out', link])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('id\n1\n2\n');
    const plain = write(dir, 'private.csv', 'old\n');
    chmodSync(plain, 0o600);
    expect((await run(['scan', uri, '--format', 'csv', '--out', plain])).code).toBe(0);
    expect(statSync(plain).mode & 0o777).toBe(0o600);
  });
});
