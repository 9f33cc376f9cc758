/**
 * Model-based property test of the writer. Random sequences of put (also
 * several at once, with a freeze among them), delete,
 * freeze, flush, failing flushes (data file, key index, commit, commit whose ack
 * is lost) and reopen (with or without close, i.e. a crash) run against a plain
 * Map. After every step the shard as a reader sees it — the latest manifest's
 * flushed generations plus the writer's `inMemoryMemtableRefs()`, newest version
 * per key, tombstones hiding — must equal the model.
 */
import { MemoryStore, type Table } from '@freshtier/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { FaultyStore, type FaultRule } from './support/faulty-store.js';
import { keysBatch, makeTable, rowsBatch } from './support/fixtures.js';
import { readShard } from './support/read-shard.js';

type Op =
  | { kind: 'put'; ids: number[]; value: number }
  | { kind: 'concurrentPuts'; puts: { ids: number[]; value: number }[]; freezeAfter: number }
  | { kind: 'delete'; ids: number[] }
  | { kind: 'freeze' }
  | { kind: 'flush' }
  | { kind: 'failFlush'; at: 'data' | 'keys' | 'commit' | 'commit-lost-ack' }
  | { kind: 'reopen'; clean: boolean };

const ids = fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('put' as const), ids, value: fc.integer({ min: 0, max: 1_000 }) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), ids }), weight: 2 },
  {
    // puts issued together share WAL entries; a freeze between them splits a group across generations
    arbitrary: fc.record({
      kind: fc.constant('concurrentPuts' as const),
      puts: fc.array(fc.record({ ids, value: fc.integer({ min: 0, max: 1_000 }) }), { minLength: 2, maxLength: 4 }),
      freezeAfter: fc.integer({ min: 0, max: 3 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: 'freeze' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'flush' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('failFlush' as const), at: fc.constantFrom('data' as const, 'keys' as const, 'commit' as const, 'commit-lost-ack' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('reopen' as const), clean: fc.boolean() }), weight: 1 },
);

const FAULTS: Record<Extract<Op, { kind: 'failFlush' }>['at'], FaultRule> = {
  data: { ops: 'putIfAbsent', key: 'data.parquet' },
  keys: { ops: 'putIfAbsent', key: '.keys.ftk' },
  commit: { ops: 'putIfAbsent', key: '/_manifests/v' },
  'commit-lost-ack': { ops: 'putIfAbsent', key: '/_manifests/v', mode: 'lost-ack' },
};

const open = (table: Table) => ShardWriter.open(table, { shard: 0, autoFlush: false, flushRetry: { maxAttempts: 1, initialDelayMs: 0 } });

async function step(o: Op, ctx: { store: FaultyStore; table: Table; writer: ShardWriter; model: Map<string, number> }): Promise<void> {
  switch (o.kind) {
    case 'put':
      await ctx.writer.put(rowsBatch(o.ids, o.value));
      for (const id of o.ids) ctx.model.set(String(id), o.value);
      return;
    case 'concurrentPuts': {
      const pending = o.puts.map((p, i) => {
        const put = ctx.writer.put(rowsBatch(p.ids, p.value));
        if (i === o.freezeAfter) ctx.writer.freeze();
        return put;
      });
      await Promise.all(pending);
      for (const p of o.puts) for (const id of p.ids) ctx.model.set(String(id), p.value);
      return;
    }
    case 'delete':
      await ctx.writer.delete(keysBatch(o.ids));
      for (const id of o.ids) ctx.model.delete(String(id));
      return;
    case 'freeze':
      ctx.writer.freeze();
      return;
    case 'flush':
      await ctx.writer.flush();
      expect(ctx.writer.status().frozenGenerations).toEqual([]);
      return;
    case 'failFlush': {
      const rule = ctx.store.inject(FAULTS[o.at]);
      await ctx.writer.flush().catch(() => undefined);
      rule.remove();
      return;
    }
    case 'reopen':
      if (o.clean) await ctx.writer.close();
      ctx.writer = await open(ctx.table);
  }
}

async function check(ctx: { table: Table; writer: ShardWriter; model: Map<string, number> }, history: Op[]): Promise<void> {
  const state = await readShard(ctx.table, 0, ctx.writer);
  const seen = [...state.rows].map(([k, r]) => [k, r.v] as [string, number | null]).sort((a, b) => Number(a[0]) - Number(b[0]));
  const want = [...ctx.model].sort((a, b) => Number(a[0]) - Number(b[0]));
  expect(seen, JSON.stringify(history)).toEqual(want);
  const flushed = (await ctx.table.shardManifests(0).latest()).doc.flushed.map((f) => f.generation);
  expect(flushed).toEqual([...new Set(flushed)].sort((a, b) => a - b));
  const gens = ctx.writer.inMemoryMemtableRefs().refs.map((r) => r.memtable.generation);
  expect(gens).toEqual([...gens].sort((a, b) => a - b));
}

describe('ShardWriter against a Map model', () => {
  it('the read union equals the model after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const store = new FaultyStore(new MemoryStore());
        const table = await makeTable(store);
        const ctx = { store, table, writer: await open(table), model: new Map<string, number>() };
        const history: Op[] = [];
        for (const o of ops) {
          history.push(o);
          await step(o, ctx);
          await check(ctx, history);
        }
        await ctx.writer.close();
        ctx.writer = await open(table);
        await check(ctx, [...history, { kind: 'reopen', clean: true }]);
      }),
      { seed: 4101, numRuns: Number(process.env.FRESHTIER_MODEL_RUNS ?? 60) },
    );
  }, 120_000);
});
