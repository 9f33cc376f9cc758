/**
 * `freshtier init --merge-engine --sequence-field --aggregate` (docs/merge-engines.md):
 * the options reach `_table.json`, appends then merge by them (aggregate sums, a late
 * event loses), and a malformed or unfitting option is a usage error (exit 2) that
 * creates nothing.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir, write } from './support.js';
import { appendText, rows } from './text-support.js';

const dir = tempDir('freshtier-merge-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = write(dir, 'events.json', JSON.stringify({
  fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'ts', type: 'int64' }, { name: 'clicks', type: 'int64' }, { name: 'page', type: 'utf8' }],
  primaryKey: ['id'],
}));
let n = 0;

describe('init with merge options', () => {
  it('creates an aggregate table ordered by a sequence field; appends merge by it', async () => {
    const uri = join(dir, `t${n++}`);
    const r = await run(['--json', 'init', uri, '--schema', schema, '--merge-engine', 'aggregate', '--sequence-field', 'ts', '--aggregate', 'clicks=sum, page=last']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ mergeEngine: 'aggregate', sequenceField: 'ts', aggregates: { clicks: 'sum', page: 'last' } });
    expect((await appendText(dir, uri, 'a.csv', 'id,ts,clicks,page\n1,5,2,/home\n')).code).toBe(0);
    expect((await appendText(dir, uri, 'b.csv', 'id,ts,clicks,page\n1,3,40,/late\n')).code).toBe(0); // a late event: summed, but not the last page
    expect(await rows(uri)).toEqual([{ id: 1, ts: 5, clicks: 42, page: '/home' }]);
  });

  it('prints the merge options it made', async () => {
    const r = await run(['init', join(dir, `t${n++}`), '--schema', schema, '--merge-engine', 'first-row']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('merge:       first-row');
  });

  it.each([
    ['an unknown engine', ['--merge-engine', 'newest'], /--merge-engine "newest" is not a merge engine/, /use one of deduplicate, partial-update, first-row, aggregate/],
    ['an --aggregate item without "="', ['--merge-engine', 'aggregate', '--aggregate', 'clicks'], /--aggregate item "clicks" is not column=function/, /clicks=sum,seen=max/],
    ['an unknown function', ['--merge-engine', 'aggregate', '--aggregate', 'clicks=avg'], /"avg" is not an aggregate function/, /functions: sum, min, max/],
    ['a column named twice', ['--merge-engine', 'aggregate', '--aggregate', 'clicks=sum,clicks=max'], /names column "clicks" twice/, /column=function/],
    ['a function that does not fit the column', ['--merge-engine', 'aggregate', '--aggregate', 'page=sum'], /aggregates\.page: sum takes an integer column; "page" is Utf8/, /fix the value/],
    ['a string sequence field', ['--sequence-field', 'page'], /sequenceField: "page" is Utf8/, /fix the value/],
  ])('refuses %s with exit code 2, creating nothing', async (_name, args, message, hint) => {
    const uri = join(dir, `t${n++}`);
    const r = await run(['init', uri, '--schema', schema, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(hint);
    expect(existsSync(join(uri, '_table.json'))).toBe(false);
  });
});
