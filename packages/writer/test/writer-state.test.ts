/**
 * `WriterState` (shard/writer-state.ts): the writer's generations in memory and its
 * lifecycle, changed only by named transitions. A seeded property test drives random
 * sequences of reserve / append / logged / freeze / files written / commit / ingest
 * against a plain model and checks, after every step, what the writer relies on:
 * generations ascending with the last one active (invariant 3), a committed
 * generation leaves memory only through `committed` (invariant 2), the replay point
 * never passes an uncommitted generation's WAL entries (invariant 6), and an ingest
 * takes the next generation above everything assigned (invariant 9). Table-driven
 * cases cover close and poison.
 */
import { MemoryStore, ShardFencedError, WriterClosedError, WriterPoisonedError, type FlushedGeneration } from '@freshtier/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committablePrefix } from '../src/flush/flusher.js';
import { preparePut, type PreparedBatch } from '../src/shard/batches.js';
import { MemtableSlot } from '../src/shard/memtable-slot.js';
import { WriterState, type PendingRecord } from '../src/shard/writer-state.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

const LIMITS = { maxBytes: 64 << 20, maxRows: 1_000_000 };

type Step =
  | { kind: 'reserve'; rows: number }
  | { kind: 'append' } // the oldest pending record enters its memtable, not logged yet (async mode)
  | { kind: 'log'; count: number; append: boolean } // the oldest pending/unlogged records form one WAL group
  | { kind: 'freeze' }
  | { kind: 'files' } // the flusher wrote the files of the oldest frozen generation without files
  | { kind: 'commit' } // the committable prefix commits
  | { kind: 'ingest' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 5 }).map((rows): Step => ({ kind: 'reserve', rows })) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'append' }) },
  { weight: 3, arbitrary: fc.record({ count: fc.integer({ min: 1, max: 3 }), append: fc.boolean() }).map((s): Step => ({ kind: 'log', ...s })) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'freeze' }) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'files' }) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'commit' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'ingest' }) },
);

function fakeFiles(generation: number): FlushedGeneration {
  return { generation, file: { path: `shards/0/gen-${generation}/data.parquet`, rows: 1, bytes: 1, rowGroupSize: 1 }, batchRowOffsets: [0], walLast: -1, source: 'flush' };
}

describe('WriterState transitions', () => {
  it('keep generations ordered, drop only committed ones, and never pass an uncommitted WAL entry (seeded)', async () => {
    const table = await makeTable(new MemoryStore());
    const batches = new Map<number, PreparedBatch>();
    const batchOf = (rows: number) => batches.get(rows) ?? batches.set(rows, preparePut(table, 0, rangeBatch(0, rows))).get(rows)!;
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 60 }), fc.integer({ min: 0, max: 20 }), (steps, firstGeneration) => {
      const state = WriterState.load(0, true, { slots: [], highestGeneration: -1 }, firstGeneration, 10);
      let highest = firstGeneration; // the model: the highest generation assigned
      let position = 10; // the WAL position of the fence; groups follow it
      const unapplied: PendingRecord[] = []; // reserved, not in a memtable yet (reservation order)
      const unlogged: PendingRecord[] = []; // not in a WAL entry yet (reservation order)
      const committed = new Set<number>();
      for (const step of steps) {
        const before = [...state.slots];
        if (step.kind === 'reserve') {
          const r = state.reserve(batchOf(step.rows));
          expect(r.slot).toBe(before[before.length - 1]); // reservations go to the active generation
          unapplied.push(r);
          unlogged.push(r);
        } else if (step.kind === 'append' && unapplied.length > 0 && unapplied[0] === unlogged[0]) {
          state.append(unapplied.shift()!, -1); // async mode: in memory before its WAL entry
        } else if (step.kind === 'log' && unlogged.length > 0) {
          // a group is the oldest unlogged records; durable groups append them, async ones were appended before
          const group = unlogged.splice(0, step.count);
          const durable = step.append && group.every((r) => unapplied.includes(r)) && unapplied[0] === group[0];
          if (!durable) for (const r of group) if (unapplied.includes(r)) state.append(unapplied.splice(unapplied.indexOf(r), 1)[0], -1);
          if (durable) unapplied.splice(0, group.length);
          state.logged(group, ++position, durable);
          expect(state.loggedThrough).toBe(position);
        } else if (step.kind === 'freeze') {
          const frozen = state.freeze(LIMITS);
          if (frozen) highest++;
          expect(frozen?.slot).toBe(before[before.length - 1].isEmpty ? undefined : before[before.length - 1]);
        } else if (step.kind === 'files') {
          const slot = state.slots.find((s) => s.state === 'frozen' && !s.files);
          if (slot) slot.files = fakeFiles(slot.generation);
        } else if (step.kind === 'commit') {
          const prefix = committablePrefix(state.slots);
          if (prefix.length > 0) {
            const change = state.commitChange(prefix);
            expect(change.nextGeneration).toBe(highest + 1);
            for (const s of state.slots) {
              if (!prefix.includes(s) && s.walFirst >= 0) expect(change.replayAfter, 'invariant 6').toBeLessThan(s.walFirst);
            }
            expect(change.replayAfter).toBeLessThanOrEqual(state.loggedThrough);
            state.committed(prefix);
            for (const s of prefix) committed.add(s.generation);
          }
        } else if (step.kind === 'ingest' && state.drained) {
          const slot = state.takeForIngest(fakeFiles(0));
          expect(slot.generation).toBe(highest); // the empty active generation becomes the ingest's
          expect([slot.state, slot.files?.generation]).toEqual(['frozen', highest]);
          highest++;
        }
        // after every step
        const slots = state.slots;
        const gens = slots.map((s) => s.generation);
        expect(gens).toEqual([...gens].sort((a, b) => a - b));
        expect(new Set(gens).size).toBe(gens.length);
        expect(state.active).toBe(slots[slots.length - 1]);
        expect(state.active.state).toBe('active');
        expect(state.active.generation).toBe(highest);
        expect(slots.slice(0, -1).every((s) => s.state !== 'active')).toBe(true);
        expect(state.frozenGenerations).toEqual(gens.slice(0, -1));
        expect(gens.some((g) => committed.has(g))).toBe(false); // a committed generation left memory
        for (const s of before) if (!slots.includes(s)) expect(committed.has(s.generation), 'dropped only by a commit').toBe(true);
        expect(state.unflushedBytes).toBe(slots.reduce((n, s) => n + s.unflushedBytes, 0));
        expect(state.drained).toBe(slots.length === 1 && state.active.isEmpty);
        expect(state.refs().map((r) => r.memtable)).toEqual(slots.map((s) => s.memtable));
      }
    }), { seed: 0x5eed11, numRuns: 150 });
  });

  it('replay-load: the replayed generations frozen, an active one above them and the manifest', () => {
    const replayed = [5, 7].map((g) => MemtableSlot.replayed(MemtableSlot.active(0, g, true).memtable, g, g));
    for (const [nextGeneration, active] of [[3, 8], [8, 8], [12, 12]] as const) {
      const state = WriterState.load(0, true, { slots: replayed, highestGeneration: 7 }, nextGeneration, 40);
      expect(state.slots.map((s) => [s.generation, s.state])).toEqual([[5, 'frozen'], [7, 'frozen'], [active, 'active']]);
      expect([state.loggedThrough, state.commitChange([]).nextGeneration]).toEqual([40, active + 1]);
    }
  });
});

describe('WriterState lifecycle', () => {
  const fenced = new ShardFencedError(0, 1, 2);
  const poisoned = new WriterPoisonedError(0, 'a WAL write failed');
  const cases: { name: string; run: (s: WriterState) => void; lifecycle: string; stop: (e: unknown) => boolean }[] = [
    { name: 'open', run: () => undefined, lifecycle: 'open', stop: (e) => e === undefined },
    { name: 'closed', run: (s) => s.beginClose(), lifecycle: 'closed', stop: (e) => e instanceof WriterClosedError },
    { name: 'fenced', run: (s) => s.poison(fenced), lifecycle: 'fenced', stop: (e) => e === fenced },
    { name: 'poisoned', run: (s) => s.poison(poisoned), lifecycle: 'poisoned', stop: (e) => e === poisoned },
    { name: 'poisoned by an unexpected error (wrapped)', run: (s) => s.poison(new TypeError('boom')), lifecycle: 'poisoned', stop: (e) => e instanceof WriterPoisonedError && (e as WriterPoisonedError).cause instanceof TypeError },
    { name: 'the first fatal error wins', run: (s) => (s.poison(fenced), s.poison(poisoned)), lifecycle: 'fenced', stop: (e) => e === fenced },
    { name: 'closed after a fence: closed, and writes fail as closed', run: (s) => (s.poison(fenced), s.beginClose()), lifecycle: 'closed', stop: (e) => e instanceof WriterClosedError },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = WriterState.load(0, true, { slots: [], highestGeneration: -1 }, 0, -1);
      c.run(state);
      expect(state.lifecycle).toBe(c.lifecycle);
      expect(c.stop(state.stopReason())).toBe(true);
      if (state.stopReason()) expect(() => state.assertWritable()).toThrow(state.stopReason()!.constructor as new () => Error);
      else expect(() => state.assertWritable()).not.toThrow();
    });
  }

  it('poison reports whether this call stopped the writer', () => {
    const state = WriterState.load(0, true, { slots: [], highestGeneration: -1 }, 0, -1);
    expect(state.poison(fenced)).toEqual({ fatal: fenced, now: true });
    expect(state.poison(poisoned)).toEqual({ fatal: fenced, now: false });
    expect(state.closeFinished).toBe(false);
    state.finishClose();
    expect(state.closeFinished).toBe(true);
  });
});
