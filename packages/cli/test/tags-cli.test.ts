/**
 * `freshtier tags <uri>` and `freshtier tag <uri> <name> --delete` (issue 15: tags could
 * be made but neither listed nor deleted, so GC could never free a tagged version). Run
 * as the real program: the list names each tag's table version, a deleted tag is gone,
 * and GC then frees the files only that version kept.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shell } from './bin-support.js';
import { run, tempDir, write } from './support.js';

const dir = tempDir('freshtier-tags-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseFiles = (uri: string) => readdirSync(join(uri, 'base', 'data')).sort();

beforeAll(async () => {
  write(dir, 's.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'v', type: 'utf8' }], primaryKey: ['id'] }));
  expect((await run(['init', join(dir, 'plain'), '--schema', join(dir, 's.json')])).code).toBe(0);
});

describe('tags and tag --delete', () => {
  it('lists tags with their versions, deletes one, and gc then frees what only it kept', async () => {
    const uri = join(dir, 't');
    expect((await run(['init', uri, '--schema', join(dir, 's.json')])).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'a.csv', 'id,v\n1,a\n2,b\n')])).code).toBe(0);
    expect((await run(['compact', uri])).code).toBe(0);
    expect((await run(['tag', uri, 'first'])).code).toBe(0);
    expect((await run(['append', uri, write(dir, 'b.csv', 'id,v\n1,A\n2,B\n')])).code).toBe(0);
    expect((await run(['compact', uri])).code).toBe(0); // rewrites the base file: the old one is kept for "first"
    expect((await run(['tag', uri, 'second'])).code).toBe(0);

    const listed = shell(`freshtier tags '${uri}' && freshtier --json tags '${uri}'`);
    expect(listed.stderr).toBe('');
    const [table, json] = [listed.stdout.slice(0, listed.stdout.indexOf('{')), listed.stdout.slice(listed.stdout.indexOf('{'))];
    expect(table).toMatch(/^name +version +created\nfirst +\d+:\d+ +\d{4}-\d\d-\d\dT.*\nsecond +\d+:\d+ +\d{4}-/);
    const doc = JSON.parse(json) as { tags: { name: string; version: string }[] };
    expect(doc.tags.map((t) => t.name)).toEqual(['first', 'second']);
    expect(doc.tags[0].version).not.toBe(doc.tags[1].version);

    const before = baseFiles(uri);
    expect((await run(['gc', uri, '--older-than', '0s'])).code).toBe(0);
    expect(baseFiles(uri)).toEqual(before); // "first" keeps its base file
    const del = shell(`freshtier tag '${uri}' first --delete`);
    expect(del.stderr).toBe('');
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(`deleted tag "first" (it named table version ${doc.tags[0].version})`);
    expect((await run(['--json', 'tags', uri])).stdout).not.toContain('"first"');
    expect((await run(['gc', uri, '--older-than', '0s'])).code).toBe(0);
    expect(baseFiles(uri).length).toBeLessThan(before.length); // now gc frees it
  });

  it.each([
    [['tag', 'T', 'nope', '--delete'], 1, /There is no tag "nope"/],
    [['tag', 'T', 'bad/name', '--delete'], 2, /tag name/],
  ])('%j fails with a typed error and exit %i', async (args, code, message) => {
    const r = await run(args.map((a) => (a === 'T' ? join(dir, 'plain') : a)));
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('an empty list says how to make a tag', async () => {
    expect((await run(['tags', join(dir, 'plain')])).stdout).toMatch(/no tags in .*freshtier tag <uri> <name>/);
  });
});
