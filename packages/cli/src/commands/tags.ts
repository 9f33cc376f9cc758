/**
 * Listing and deleting tags: `freshtier tags <uri>` prints every tag with the table
 * version it names; `freshtier tag <uri> <name> --delete` removes one, after which GC
 * may free what only that version needed (once outside its retention).
 */
import type { TagDoc } from '@freshtier/core';
import { deleteTag, tags, type TableVersion } from '@freshtier/writer';
import type { Context } from '../context.js';
import { openTable } from '../table-uri.js';
import { formatTableVersion } from './maintenance.js';

/**
 * Prints every tag of the table: name, table version (`base:shards`) and creation time.
 *
 * @example
 * ```ts
 * await tagsCommand(ctx, './users'); // before-migration  3:8,5  2024-05-01T12:00:00.000Z
 * ```
 */
export async function tagsCommand(ctx: Context, uri: string): Promise<void> {
  const opened = await openTable(uri, ctx.cwd);
  try {
    const { table } = opened;
    const list = (await tags(table)).map((t) => ({ name: t.name, version: formatTableVersion(tagVersion(t, table.shardCount)), createdAt: t.createdAt }));
    ctx.emit({ uri, tags: list });
    if (list.length === 0) return ctx.say(`no tags in ${table.store.uri} (make one with \`freshtier tag <uri> <name>\`)`);
    const width = Math.max(4, ...list.map((t) => t.name.length));
    const vwidth = Math.max(7, ...list.map((t) => t.version.length));
    ctx.say([`${'name'.padEnd(width)}  ${'version'.padEnd(vwidth)}  created`, ...list.map((t) => `${t.name.padEnd(width)}  ${t.version.padEnd(vwidth)}  ${t.createdAt}`)].join('\n'));
  } finally {
    opened.close();
  }
}

/**
 * Deletes the tag `name` (a missing tag is a NOT_FOUND error that says how to list them).
 *
 * @example
 * ```ts
 * await deleteTagCommand(ctx, './users', 'before-migration');
 * ```
 */
export async function deleteTagCommand(ctx: Context, uri: string, name: string): Promise<void> {
  const opened = await openTable(uri, ctx.cwd);
  try {
    const { table } = opened;
    // what the tag named, for the message (a damaged tag can still be deleted: then it is not shown)
    const doc = await tags(table).then((all) => all.find((t) => t.name === name), () => undefined);
    const version = doc ? formatTableVersion(tagVersion(doc, table.shardCount)) : undefined;
    await deleteTag(table, name); // NOT_FOUND, saying how to list the tags, when there is no such tag
    ctx.emit({ uri, deleted: name, version: version ?? null });
    ctx.say(`deleted tag "${name}"${version ? ` (it named table version ${version})` : ''}; gc may now delete what only that version needed, once it is older than gc's retention`);
  } finally {
    opened.close();
  }
}

/** The table version a tag document names, one shard version per shard. */
function tagVersion(doc: TagDoc, shards: number): TableVersion {
  return { baseVersion: doc.baseVersion, shardVersions: Array.from({ length: shards }, (_, s) => doc.shardVersions[String(s)] ?? 0) };
}
