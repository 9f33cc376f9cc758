/**
 * Backpressure on a healthy store (issue 18, "Liveness"): for limits from 1 KiB to 4 MiB,
 * batches from 1 row to 50,000 rows, every durability, puts one at a time or several at
 * once, with explicit flushes and freezes in between, every put is eventually acked —
 * accepted again as soon as flushing catches up — and every acked row reads back (real
 * `ShardWriter`, real `LsmScanner`), before and after `close()`.
 *
 * No wall clock: the writer's grace period runs on a standing-still `ManualClock`, so a
 * waiting put resolves only through a committed flush, and `stallDetector` fails a put at
 * once if it starts waiting while nothing is frozen to flush (it would wait forever).
 * Memory stays bounded: after each step, the writer holds at most the limit plus the
 * step's own batches.
 */
import { LocalStore, MemoryStore, Memtable, encodeKeys, type ObjectStore } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter, type Durability } from '../src/index.js';
import { ManualClock, stallDetector } from './support/manual-clock.js';
import { makeTable, rangeBatch, tempDir } from './support/fixtures.js';

type Step = { kind: 'puts'; rows: number[] } | { kind: 'flush' } | { kind: 'freeze' };
interface Plan {
  limit: number;
  maxMemtableBytes: number | undefined;
  durability: Durability;
  steps: Step[];
}

const KiB = 1024;
const SEED = 1_805_18;

/** What `batch` holds once in a memtable (batches, keys, index entries): the most one put adds. */
function heldOf(batch: RecordBatch): number {
  const m = new Memtable(0, 0, true);
  m.append(batch, 'put', encodeKeys(batch, ['id']), -1);
  return m.heldBytes;
}

/** Runs a plan; returns the flushes committed and whether any put had to wait. */
async function runPlan(store: ObjectStore, plan: Plan): Promise<{ flushes: number; waited: boolean }> {
  const table = await makeTable(store);
  const clock = new ManualClock();
  let writer: ShardWriter | undefined;
  clock.onSleep = stallDetector(() => writer);
  let flushes = 0;
  const w = (writer = await ShardWriter.open(table, {
    shard: 0, durability: plan.durability, maxUnflushedBytes: plan.limit, clock,
    ...(plan.maxMemtableBytes ? { maxMemtableBytes: plan.maxMemtableBytes } : {}),
    onEvent: (e) => void (e.type === 'flush-committed' && flushes++),
  }));
  const acked = new Map<bigint, number>();
  let next = 0;
  let seq = 0;
  for (const step of plan.steps) {
    if (step.kind === 'flush') await w.flush();
    else if (step.kind === 'freeze') w.freeze();
    else await putAll(w, step.rows.map((n) => ({ batch: rangeBatch(next, (next += n), ++seq), seq })), plan.limit, acked);
  }
  expect(await readAll(new LsmScanner(table, { writers: [w] }))).toEqual(acked);
  await w.close();
  expect(await readAll(new LsmScanner(table))).toEqual(acked);
  return { flushes, waited: clock.sleeps > 0 };
}

/** Puts the batches at once; each must be acked, and memory stays within the limit plus these batches. */
async function putAll(w: ShardWriter, puts: { batch: RecordBatch; seq: number }[], limit: number, acked: Map<bigint, number>): Promise<void> {
  await Promise.all(puts.map(async ({ batch, seq }) => {
    await w.put(batch);
    const ids = batch.getChild('id')!;
    for (let i = 0; i < batch.numRows; i++) acked.set(ids.get(i) as bigint, seq);
  }));
  const bound = limit + puts.reduce((s, p) => s + heldOf(p.batch), 0);
  expect(w.unflushedBytes).toBeLessThanOrEqual(bound);
}

async function readAll(scanner: LsmScanner): Promise<Map<bigint, number>> {
  const out = new Map<bigint, number>();
  for await (const b of scanner.scan({ columns: ['id', 'v'] })) {
    const [ids, vs] = [b.getChild('id')!, b.getChild('v')!];
    for (let i = 0; i < b.numRows; i++) out.set(ids.get(i) as bigint, vs.get(i) as number);
  }
  return out;
}

const rowsArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(50_000) },
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5_000 }) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.array(rowsArb, { minLength: 1, maxLength: 3 }).map((rows): Step => ({ kind: 'puts', rows })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'flush' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'freeze' }) },
);
const planArb: fc.Arbitrary<Plan> = fc.record({
  limit: fc.oneof(fc.constantFrom(KiB, 20_000, 1 << 20, 4 << 20), fc.integer({ min: KiB, max: 4 << 20 })),
  maxMemtableBytes: fc.constantFrom(undefined, 16 * KiB, 256 * KiB),
  durability: fc.constantFrom<Durability>('durable', 'async', 'none'),
  steps: fc.array(stepArb, { minLength: 3, maxLength: 8 }),
}).filter((p) => p.steps.flatMap((s) => (s.kind === 'puts' ? s.rows : [])).filter((n) => n === 50_000).length <= 2);

describe('backpressure on a healthy store: every put is acked, every acked row reads back', () => {
  it('property: limits 1 KiB..4 MiB x batches 1..50,000 rows x durabilities, on a MemoryStore', async () => {
    await fc.assert(fc.asyncProperty(planArb, async (plan) => {
      await runPlan(new MemoryStore(), plan);
    }), { seed: SEED, numRuns: 20 });
  }, 240_000);

  // each case goes over its limit, so some put has to wait for a flush
  const CASES: [string, number, (number | 'flush')[]][] = [
    ['1 KiB, 1-row puts', KiB, [...Array(30).fill(1), 'flush', 1, 1, 1]],
    ['20,000 bytes, 1-row puts then a 50,000-row put', 20_000, [1, 1, 'flush', 50_000, 1, 1]],
    ['1 MiB, a 50,000-row put, then small ones', 1 << 20, [50_000, 1, 10, 'flush', 1_000, 1]],
    ['4 MiB, 50,000-row puts back to back', 4 << 20, [50_000, 50_000, 50_000, 1, 'flush', 1]],
  ];
  it.each(CASES)('table: %s, on a LocalStore', async (_name, limit, plan) => {
    const { dir, cleanup } = await tempDir();
    try {
      const steps = plan.map((n): Step => (n === 'flush' ? { kind: 'flush' } : { kind: 'puts', rows: [n] }));
      const { flushes, waited } = await runPlan(new LocalStore(dir), { limit, maxMemtableBytes: undefined, durability: 'durable', steps });
      expect(waited).toBe(true);
      expect(flushes).toBeGreaterThanOrEqual(3); // at least one for the wait, the explicit flush, close
    } finally {
      await cleanup();
    }
  }, 120_000);
});
