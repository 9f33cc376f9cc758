/**
 * Regression (CLI side of packages/writer/test/regression-unknown-tag-message.test.ts):
 * `freshtier rollback <uri> <tag>` with a tag that does not exist told the user to call
 * `tags()` and hinted that files were deleted by hand. It now says there is no such tag and
 * how to list the tags (`freshtier tags <uri>`), and the table is left as it was.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { USERS_SCHEMA, filesOf, run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regression: rollback to an unknown tag', () => {
  it('names the tag, says how to list tags, and blames no one for deleting files', async () => {
    const uri = join(dir, 't');
    expect((await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id'])).code).toBe(0);
    expect((await run(['tag', uri, 'nightly'])).code).toBe(0);
    const before = filesOf(uri);
    const r = await run(['rollback', uri, 'nigthly']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('There is no tag "nigthly"');
    expect(r.stderr).toContain('freshtier tags');
    expect(r.stderr).not.toMatch(/by hand|deleted|tags\(\)/);
    expect(filesOf(uri)).toEqual(before);
    expect((await run(['inspect', uri])).stdout).toContain('nightly'); // the advice lists the tag that exists
  });
});
