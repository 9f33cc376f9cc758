/**
 * Regression: a tag document names its tag (`name`), but `readTag` never compared that
 * name with the file it was read from. Another tag's document copied over this tag's file
 * — intact, its checksum too — was used as this tag: `checkout(table, 'campaign')` read the
 * version of tag "older", and `verify` said the table was ok. A document whose name is not
 * its file's is now a `CorruptEntryError`; `verify` reports it and `repair` plans to delete
 * the tag (the version it named is untouched).
 */
import { MemoryStore, layout } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, checkout, repair, resolveVersion, tag, tags, verify } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

async function taggedTable() {
  const store = new MemoryStore();
  const table = await makeTable(store);
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  await w.put(rangeBatch(0, 10, 1));
  await w.flush();
  await tag(table, 'older');
  await w.put(rangeBatch(10, 20, 2));
  await w.flush();
  await tag(table, 'campaign');
  await w.close();
  return { store, table };
}

describe('regression: a tag document stored under another tag\'s name', () => {
  it('is refused by checkout, reported by verify and planned for deletion by repair', async () => {
    const { store, table } = await taggedTable();
    expect(await resolveVersion(table, 'campaign')).not.toEqual(await resolveVersion(table, 'older'));
    expect((await (await checkout(table, 'campaign')).scan().toTable()).numRows).toBe(20);

    await store.put(layout.tag('campaign'), await store.get(layout.tag('older')));

    const refused = { code: 'CORRUPT_ENTRY', context: { path: '_tags/campaign.json', detail: 'it is the document of tag "older", not of tag "campaign"' } };
    await expect(checkout(table, 'campaign')).rejects.toMatchObject(refused);
    await expect(tags(table)).rejects.toMatchObject(refused);
    const report = await verify(table);
    expect(report.ok).toBe(false);
    expect(report.damaged).toEqual([expect.objectContaining({ path: '_tags/campaign.json', kind: 'tag', code: 'CORRUPT_ENTRY' })]);
    expect((await repair(table)).actions).toEqual([expect.objectContaining({ path: '_tags/campaign.json', action: 'delete-tag' })]);
    expect((await (await checkout(table, 'older')).scan().toTable()).numRows).toBe(10); // the tag whose document it is still reads
  });
});
