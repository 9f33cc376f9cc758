/**
 * Regression (review of issue 17): the change feed from a version of a schema a rollback
 * undid (a widening: values of 2^40 in an Int64 column the rollback made Int32 again) read
 * that version at the narrower schema and failed with a write-side SchemaMismatchError. Now
 * `changes` checks first that `from`'s schema is one `to`'s was changed from, and refuses
 * with INVALID_OPTIONS naming `from` when a rollback lies between them; feeds along one line
 * of changes still work.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { Int64, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, changes, evolveSchema, rollback, tag } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { makeTable, rowsBatch } from './support/fixtures.js';

async function feed(t: Table, from: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const b of changes(t, { from })) for (const r of b.toArray()) out.push(r.toJSON());
  return out;
}

describe('change feed across a rollback of a schema change', () => {
  it('refuses from a version whose schema the rollback undid; works along the line', async () => {
    const store = new MemoryStore();
    const t0 = await makeTable(store);
    let w = await ShardWriter.open(t0, { shard: 0, autoFlush: false });
    await w.put(rowsBatch([1, 2], 1));
    await w.close();
    await tag(t0, 'a');
    const t1 = await evolveSchema(t0, { kind: 'widen-column', name: 'v', type: new Int64() });
    w = await ShardWriter.open(t1, { shard: 0, autoFlush: false });
    await w.put(batchOf([['id', new Int64(), [3n], false], ['v', new Int64(), [2n ** 40n]], ['s', new Utf8(), ['s3']]]));
    await w.close();
    await tag(t1, 'b');
    expect((await feed(t1, 'a')).map((r) => [r.id, r.v, r._ft_op])).toEqual([[3n, 2n ** 40n, 'insert']]);
    await rollback(t1, 'a');
    const now = await Table.open(store);
    const e = await feed(now, 'b').then(() => undefined, (err: unknown) => err);
    expect(isFreshtierError(e, 'INVALID_OPTIONS')).toBe(true);
    expect(String((e as Error).message)).toMatch(/from.*rollback undid/);
    expect(await feed(now, 'a')).toEqual([]);
  });
});
