/**
 * A table with `id` Int64 (key) and `n` Int32, the row {id: 1, n: 1} flushed, tagged `v0`,
 * then `n` widened to Int64: the start of the tests of rollbacks that undo a widening.
 *
 * @example
 * ```ts
 * const { t0, t1 } = await widenedAfterTag(new MemoryStore()); // t0 at version 0, t1 at version 1
 * ```
 */
import { Table, type ObjectStore } from '@freshtier/core';
import { Field, Int32, Int64, Schema } from 'apache-arrow';
import { ShardWriter, evolveSchema, tag } from '../../src/index.js';
import { batchFor } from './columns.js';

export async function widenedAfterTag(store: ObjectStore): Promise<{ t0: Table; t1: Table }> {
  const t0 = await Table.create(store, { schema: new Schema([new Field('id', new Int64(), false), new Field('n', new Int32(), true)]), primaryKey: ['id'] });
  const w = await ShardWriter.open(t0, { shard: 0 });
  await w.put(batchFor(t0.schema, { id: [1n], n: [1] }));
  await w.close();
  await tag(t0, 'v0');
  return { t0, t1: await evolveSchema(t0, { kind: 'widen-column', name: 'n', type: new Int64() }) };
}
