/**
 * Bad-input cases for maintenance that races writers (issue 18, "Maintenance that loses
 * rows" and "Liveness: failover while the old writer is busy"), run by bad-input.test.ts
 * on the shared fixture (ids 0..19 flushed, 20..49 in the WAL of a "crashed" writer).
 * - A writer that opens while a rollback runs makes the rollback abort with nothing
 *   changed (only new manifest versions are added) and keeps acking.
 * - A new writer takes over a shard while the old one puts back to back: the open
 *   finishes, the old writer is fenced, and every row it acked reads back.
 */
import { ShardWriter, rollback, tag } from '@freshtier/writer';
import { expect } from 'vitest';
import { rangeBatch } from '../src/data.js';
import { scanAll } from '../src/recover.js';
import type { InputCase } from './bad-input-cases.js';

const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const ids = (rows: readonly { id: number }[]) => rows.map((r) => r.id).sort((a, b) => a - b);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

export const ROLLBACK_INPUTS: InputCase[] = [
  { name: 'rollback while a writer opens: aborted, nothing changed, the writer keeps acking', stored: 'additive',
    expected: { code: 'ROLLBACK_ABORTED', message: /Rollback aborted, nothing changed: a writer opened a shard/ },
    act: async (f, mark) => {
      await tag(f.table, 'before');
      await mark();
      let late: ShardWriter | undefined;
      const err = await fail(rollback(f.table, 'before', { onStep: async (s) => {
        if (s.step !== 'start' || late) return;
        late = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
        await late.put(rangeBatch(100, 101, 9));
      } }));
      await late!.put(rangeBatch(101, 102, 9)); // still the shard's writer
      expect(ids((await scanAll(f.table, [late!])).rows)).toEqual([...upTo(50), 100, 101]);
      await late!.close();
      return err;
    } },
  { name: 'failover while the old writer puts back to back: bounded open, old writer fenced, nothing lost', expected: 'rule',
    act: async (f) => {
      const old = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
      const acked: number[] = [];
      const loop = (async () => {
        for (let id = 1_000; id < 3_000; id++) {
          try {
            await old.put(rangeBatch(id, id + 1, 1));
          } catch (e) {
            return e;
          }
          acked.push(id);
        }
        return undefined;
      })();
      while (acked.length < 10) await new Promise((r) => setImmediate(r));
      const fresh = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
      expect(await loop).toMatchObject({ code: 'SHARD_FENCED' });
      expect(acked.length).toBeLessThan(2_000);
      expect(ids((await scanAll(f.table, [fresh])).rows)).toEqual([...upTo(50), ...acked]);
      await fresh.close();
      return undefined;
    } },
];
