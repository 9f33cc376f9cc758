/**
 * Regression (issue 17): two schema changes committed at once (two processes, or one handle
 * used twice) both "succeeded". The loser's put-if-absent of the next base version failed,
 * and its landed() check compared only the schema version number, which the winner's commit
 * also has: so it returned a handle at a schema that was never committed. A writer on that
 * handle passed the schema-version check and acked puts whose added column readers then
 * dropped (the row read the winner's column as null): acked data silently lost.
 * The loser must get SCHEMA_CHANGED (reopen) and change nothing; every handle returned must
 * write rows that read back exactly.
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Int32, Int64, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, evolveSchema } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { makeTable } from './support/fixtures.js';

describe('concurrent schema changes', () => {
  for (const handles of ['two handles (two processes)', 'one handle used twice']) {
    it(`${handles}: one lands, the other is SCHEMA_CHANGED; what a returned handle writes reads back`, async () => {
      const store = new MemoryStore();
      const first = await makeTable(store);
      const second = handles.startsWith('two') ? await Table.open(store) : first;
      const results = await Promise.allSettled([
        evolveSchema(first, { kind: 'add-column', name: 'x', type: new Int32() }),
        evolveSchema(second, { kind: 'add-column', name: 'y', type: new Utf8() }),
      ]);
      const outcome = results.map((r) => (r.status === 'fulfilled' ? 'landed' : isFreshtierError(r.reason, 'SCHEMA_CHANGED') ? 'SCHEMA_CHANGED' : String(r.reason)));
      expect(outcome.sort()).toEqual(['SCHEMA_CHANGED', 'landed']);
      // whatever was returned: a row written through it reads back with its value
      for (const [i, r] of results.entries()) {
        if (r.status !== 'fulfilled') continue;
        const col = r.value.schema.fields.at(-1)!;
        const w = await ShardWriter.open(r.value, { shard: 0, autoFlush: false });
        await w.put(batchOf([['id', new Int64(), [BigInt(i)], false], ['v', new Int32(), [1]], ['s', new Utf8(), ['s']], [col.name, col.type, [col.name === 'x' ? 7 : 'text']]]));
        await w.close();
        const row = (await new LsmScanner(await Table.open(store)).get([{ id: BigInt(i) }])).toArray()[0];
        expect(row?.[col.name]).toBe(col.name === 'x' ? 7 : 'text');
      }
    });
  }
});
