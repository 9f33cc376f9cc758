/**
 * Regression (issue 18, "Maintenance that loses rows"): a writer that opened while a
 * `rollback` ran (after any step but the first) let the rollback succeed and kept
 * acking, so the table mixed the tagged state with that writer's rows.
 *
 * DESIGN.md invariant 16: "A rollback either fences every writer of the table or
 * fails, unchanged." For every point where a writer can open during a rollback, and
 * for either shard, exactly one side wins:
 * - the rollback commits: the writer that opened is fenced (its next put fails with
 *   `ShardFencedError`) and the table, once writers reopen and replay, equals the tag;
 * - or the rollback aborts (`RollbackAbortedError`, code ROLLBACK_ABORTED): the table's
 *   content is unchanged and the writer keeps acking: the table is the old head plus
 *   every row the writer acked.
 */
import { MemoryStore, RollbackAbortedError, type PutIfAbsentResult, type Table } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { ShardWriter, rollback, splitByShard, tag, type RollbackStep } from '../src/index.js';
import { makeTable, rangeBatch } from './support/fixtures.js';
import { tableRows, type PlainRow } from './support/table-state.js';

/** A MemoryStore that runs `hook` before each conditional create (to act "between" two store calls). */
class HookStore extends MemoryStore {
  hook: ((key: string, bytes: Uint8Array) => Promise<void>) | undefined;
  override async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    await this.hook?.(key, data);
    return super.putIfAbsent(key, data);
  }
}

type Point =
  | { kind: 'before-marker' }
  | { kind: 'step'; step: RollbackStep['step']; shard?: number }
  | { kind: 'before-final-commit' };

const POINTS: Point[] = [
  { kind: 'before-marker' },
  { kind: 'step', step: 'start' },
  ...[0, 1].flatMap((shard) => (['epoch-claimed', 'wal-fenced', 'generation-raised'] as const).map((step): Point => ({ kind: 'step', step, shard }))),
  { kind: 'before-final-commit' },
];

async function writeAll(table: Table, lo: number, hi: number, v: number): Promise<void> {
  const writers = await Promise.all([0, 1].map((shard) => ShardWriter.open(table, { shard, autoFlush: false })));
  for (const [s, part] of splitByShard(table, rangeBatch(lo, hi, v))) await writers[s].put(part);
  for (const w of writers) await w.close();
}

/** Reopens every writer (replaying its WAL), closes it (flushing), and reads the table. */
async function settledRows(table: Table): Promise<PlainRow[]> {
  for (const shard of [0, 1]) await (await ShardWriter.open(table, { shard, autoFlush: false })).close();
  return tableRows(table);
}

/** Two shards: rows 0..39 tagged `good`, then rows 20..59 rewritten (the head). */
async function taggedTable(): Promise<{ store: HookStore; table: Table; good: PlainRow[]; head: PlainRow[] }> {
  const store = new HookStore();
  const table = await makeTable(store, { shards: 2 });
  await writeAll(table, 0, 40, 1);
  await tag(table, 'good');
  const good = await tableRows(table);
  await writeAll(table, 20, 60, 2);
  return { store, table, good, head: await tableRows(table) };
}

function pointName(p: Point): string {
  return p.kind === 'step' ? `after step ${p.step}${p.shard === undefined ? '' : ` of shard ${p.shard}`}` : p.kind;
}

describe('a writer opening while a rollback runs: the rollback fences it or fails unchanged, never both acked', () => {
  const cases = POINTS.flatMap((point) => [0, 1].map((shard) => [`${pointName(point)}, writer of shard ${shard}`, point, shard] as const));
  it.each(cases)('%s', async (_name, point, shard) => {
    const { store, table, good, head } = await taggedTable();

    let late: ShardWriter | undefined;
    const ofShard = (from: number) => Array.from({ length: 16 }, (_, i) => from + i).find((id) => splitByShard(table, rangeBatch(id, id + 1, 0)).has(shard))!;
    const lateId = ofShard(1_000);
    const openLate = async () => {
      if (late) return;
      late = await ShardWriter.open(table, { shard, autoFlush: false });
      await late.put(rangeBatch(lateId, lateId + 1, 9)); // acked while the rollback runs
    };
    const isFinal = (key: string, bytes: Uint8Array) => key.startsWith('base/_manifests/v') && / to base v/.test(new TextDecoder().decode(bytes));
    const isMarker = (key: string, bytes: Uint8Array) => key.startsWith('base/_manifests/v') && /: started/.test(new TextDecoder().decode(bytes));
    store.hook = async (key, bytes) => {
      if ((point.kind === 'before-final-commit' && isFinal(key, bytes)) || (point.kind === 'before-marker' && isMarker(key, bytes))) {
        store.hook = undefined;
        await openLate();
      }
    };
    const onStep = async (s: RollbackStep) => {
      if (point.kind === 'step' && s.step === point.step && (point.shard === undefined || ('shard' in s && s.shard === point.shard))) await openLate();
    };

    const outcome = await rollback(table, 'good', { onStep }).then(() => 'committed' as const, (e: unknown) => e);
    expect(late, 'the writer opened during the rollback').toBeDefined();
    const lateRow = { id: String(lateId), v: 9, s: `s${lateId}` };
    if (outcome === 'committed') {
      // the rollback won: the writer that opened is fenced, and none of its rows survive
      await expect(late!.put(rangeBatch(ofShard(3_000), ofShard(3_000) + 1, 9))).rejects.toMatchObject({ code: 'SHARD_FENCED' });
      await late!.close().catch(() => undefined);
      expect(await settledRows(table)).toEqual(good);
    } else {
      // the writer won: the rollback changed nothing and the writer keeps acking
      expect(outcome).toBeInstanceOf(RollbackAbortedError);
      expect(outcome).toMatchObject({ code: 'ROLLBACK_ABORTED' });
      await late!.put(rangeBatch(lateId, lateId + 1, 10));
      await late!.close();
      const expected = [...head.filter((r) => r.id !== lateRow.id), { ...lateRow, v: 10 }].sort((a, b) => Number(a.id) - Number(b.id));
      expect(await settledRows(table)).toEqual(expected);
    }
    // a writer that opened after the marker always wins: the rollback cannot have fenced it
    if (point.kind !== 'before-marker') expect(outcome).toBeInstanceOf(RollbackAbortedError);
    else expect(outcome).toBe('committed');
  });

  it('a rollback that fails leaves no marker behind, and the next rollback (writers closed) succeeds', async () => {
    const { table, good } = await taggedTable();
    let w: ShardWriter | undefined;
    await expect(rollback(table, 'good', { onStep: async (s) => { if (s.step === 'start') w = await ShardWriter.open(table, { shard: 0 }); } }))
      .rejects.toBeInstanceOf(RollbackAbortedError);
    expect((await table.baseManifests.latest()).doc.pendingRollback).toBeUndefined();
    await w!.close();
    await rollback(table, 'good');
    expect(await settledRows(table)).toEqual(good);
  });
});
