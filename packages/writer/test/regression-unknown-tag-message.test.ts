/**
 * Regression: `rollback` (and `checkout`, `deleteTag`, `tag` of a version ref) to a tag that
 * does not exist said "Object not found: _tags/x.json; … list them with tags()" — an API call
 * a CLI user cannot make — and the CLI added "check … that no file under it was deleted by
 * hand". Now the message says there is no such tag and how to list the tags from the command
 * line (`freshtier tags <uri>`), and nothing about deleted files; nothing is written.
 * The CLI side: packages/cli/test/regression-unknown-tag-message.test.ts.
 */
import { LocalStore, MemoryStore, NotFoundError, type ObjectStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { checkout, deleteTag, rollback, tag, tags } from '../src/index.js';
import { makeTable, tempDir } from './support/fixtures.js';
import { diffObjects, hashObjects } from './support/store-bytes.js';

/** Every call that resolves a tag by name. */
const CALLS: [string, (t: Awaited<ReturnType<typeof makeTable>>, name: string) => Promise<unknown>][] = [
  ['rollback', (t, n) => rollback(t, n)],
  ['checkout', (t, n) => checkout(t, n)],
  ['deleteTag', (t, n) => deleteTag(t, n)],
  ['tag of a tagged version', (t, n) => tag(t, 'copy', n)],
];

async function unknownTagError(store: ObjectStore, call: (typeof CALLS)[number][1], name: string): Promise<NotFoundError> {
  const table = await makeTable(store);
  await tag(table, 'nightly');
  const before = await hashObjects(store);
  const err = await call(table, name).then(() => undefined, (e: unknown) => e);
  expect(diffObjects(before, await hashObjects(store))).toEqual({ changed: [], added: [] });
  expect(err, String(err)).toBeInstanceOf(NotFoundError);
  return err as NotFoundError;
}

describe('regression: the message of an unknown tag', () => {
  it.each(CALLS)('%s names the tag and says how to list tags from the CLI', async (_what, call) => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = new LocalStore(dir);
      const err = await unknownTagError(store, call, 'nigthly');
      expect(err.message).toContain(`There is no tag "nigthly" in ${store.uri}`);
      expect(err.message).toContain(`list the tags with \`freshtier tags ${store.uri}\``);
      expect(err.message).not.toMatch(/tags\(\)|by hand|deleted/);
    } finally {
      await cleanup();
    }
  });

  it('the listed tags are the ones `inspect` prints (the advice is true)', async () => {
    const table = await makeTable(new MemoryStore());
    await tag(table, 'nightly');
    expect((await tags(table)).map((t) => t.name)).toEqual(['nightly']);
  });
});
