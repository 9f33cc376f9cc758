/**
 * `freshtier changes`: the feed between two tags as JSON Lines and CSV; applying it to
 * the `from` scan gives the `to` scan; a missing --from is a usage error.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { USERS_SCHEMA, jsonl, run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = 'id,name,age,score,active,joined\n';

describe('freshtier changes', () => {
  it('prints the feed between two tags, which turns one scan into the other', async () => {
    const uri = join(dir, 't');
    expect((await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id'])).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'a.csv', `${HEADER}1,a,30,,,\n2,b,40,,,\n`)])).code).toBe(0);
    expect((await run(['tag', uri, 'a'])).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'b.csv', `${HEADER}2,b,41,,,\n3,c,50,,,\n`)])).code).toBe(0);
    expect((await run(['tag', uri, 'b'])).code).toBe(0);
    const r = await run(['changes', uri, '--from', 'a', '--to', 'b', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = jsonl(r.stdout).map((x) => `${x._ft_op} ${x.id} ${x.age}`);
    expect(rows).toEqual(['update_before 2 40', 'update_after 2 41', 'insert 3 50']);
    const csv = await run(['changes', uri, '--from', 'b', '--to', 'a', '--format', 'csv']);
    expect(csv.stdout.trim().split('\n')).toHaveLength(4); // header + update pair + delete of 3
    expect(csv.stdout).toContain('delete');
    expect((await run(['changes', uri])).code).toBe(2);
  });
});
