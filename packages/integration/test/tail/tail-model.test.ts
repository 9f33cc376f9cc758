/**
 * Model test of the remote reader (issue 14; DESIGN.md invariant 15): random histories of
 * puts, bulk ingests, deletes, freezes, flushes, failed flushes, compactions, reopens (clean, or a
 * crash: the writer abandoned and its WAL replayed by the next open), tags and rollbacks
 * (which fence the writer and exclude the generations written since) run through one real
 * `ShardWriter`, while a tailing `LsmScanner` given no writer refreshes and reads at
 * random points. Every scan, `get` and `containsPks` equals the model of acknowledged
 * writes (the reader refreshes first, so it has read the WAL through every acked entry);
 * a scan racing a put or an ingest shows the state before or after it, a read racing a flush, a
 * compaction or a crash-and-reopen shows the model; and every cut taken along the
 * way keeps giving the fresh tier it saw (`freshTierBlockList`), to that reader and to a
 * new one, whatever was flushed, compacted or replayed since. Harness: tail-model.ts.
 */
import { armFailpoint, disarmAllFailpoints, FailpointError } from '@freshtier/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { TailHarness, type ReadKind } from './tail-model.js';

const KEYS = 48;
const FLUSH_FAILPOINTS = ['flush:after-parquet', 'flush:after-key-index', 'flush:before-commit'] as const;

type Op =
  | { kind: 'put' | 'ingest' | 'delete' | 'racing-put' | 'racing-ingest'; ids: number[] }
  | { kind: Simple }
  | { kind: 'failed-flush'; at: (typeof FLUSH_FAILPOINTS)[number] }
  | { kind: 'reopen'; clean: boolean }
  | { kind: 'read'; read: ReadKind; ids: number[] }
  | { kind: 'racing-read'; read: ReadKind; ids: number[]; during: 'flush' | 'compact' | 'crash' };

const ids = fc.uniqueArray(fc.integer({ min: 0, max: KEYS - 1 }), { minLength: 1, maxLength: 8 });
type Simple = 'freeze' | 'flush' | 'compact' | 'cut' | 'check-cuts' | 'new-reader' | 'tag' | 'rollback';
const simple = (kind: Simple) => fc.constant({ kind } as Op);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('put' as const), ids }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('ingest' as const), ids }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), ids }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('racing-put' as const), ids }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('racing-ingest' as const), ids }), weight: 1 },
  { arbitrary: simple('freeze'), weight: 2 },
  { arbitrary: simple('flush'), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('failed-flush' as const), at: fc.constantFrom(...FLUSH_FAILPOINTS) }), weight: 2 },
  { arbitrary: simple('compact'), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('reopen' as const), clean: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('read' as const), read: fc.constantFrom<ReadKind>('scan', 'get', 'contains', 'refresh'), ids }), weight: 8 },
  {
    arbitrary: fc.record({ kind: fc.constant('racing-read' as const), read: fc.constantFrom<ReadKind>('scan', 'get', 'contains'), ids, during: fc.constantFrom('flush' as const, 'compact' as const, 'crash' as const) }),
    weight: 4,
  },
  { arbitrary: simple('cut'), weight: 2 },
  { arbitrary: simple('check-cuts'), weight: 2 },
  { arbitrary: simple('new-reader'), weight: 1 },
  { arbitrary: simple('tag'), weight: 1 },
  { arbitrary: simple('rollback'), weight: 1 },
);

async function run(h: TailHarness, o: Op): Promise<void> {
  switch (o.kind) {
    case 'put': return h.put(o.ids);
    case 'ingest': return h.ingest(o.ids);
    case 'delete': return h.delete(o.ids);
    case 'racing-put': return h.expectScanDuringWrite(o.ids, 'put');
    case 'racing-ingest': return h.expectScanDuringWrite(o.ids, 'ingest');
    case 'freeze': return void h.writer.freeze();
    case 'flush': return h.writer.flush();
    case 'failed-flush': return failedFlush(h, o.at);
    case 'compact': return void (await h.compact());
    case 'reopen': return h.reopen(o.clean);
    case 'read': return h.expectReadsModel(o.read, o.ids);
    case 'racing-read': return h.expectReadDuring(o.read, o.ids, () => (o.during === 'flush' ? h.writer.flush() : o.during === 'compact' ? h.compact() : h.reopen(false)));
    case 'cut': return h.takeCut();
    case 'check-cuts': return h.expectCutsHold();
    case 'new-reader': return h.newReader();
    case 'tag': return h.tag();
    case 'rollback': return h.rollback();
  }
}

/**
 * A flush whose every attempt fails at `at`: it throws, and its generations stay frozen in
 * memory (and in the WAL). It may also succeed: with nothing to flush, or when an earlier
 * failed flush already stored the files this failpoint sits between.
 */
async function failedFlush(h: TailHarness, at: string): Promise<void> {
  armFailpoint(at, 'throw');
  try {
    const outcome = await h.writer.flush().then(() => 'flushed', (e: unknown) => e);
    if (outcome !== 'flushed') expect(outcome).toBeInstanceOf(FailpointError);
  } finally {
    disarmAllFailpoints();
  }
}

afterEach(() => disarmAllFailpoints());

describe('a tailing reader over a random history of one writer', () => {
  it('reads the model of acked writes at every point; its cuts keep their fresh tier', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60 }), fc.integer({ min: 0, max: 1 << 30 }), async (ops, seed) => {
        const h = await TailHarness.create(KEYS, seed);
        try {
          for (const o of ops) await run(h, o);
          await h.expectReadsModel('scan', []);
          await h.expectCutsHold();
        } finally {
          await h.writer.close().catch(() => {}); // an abandoned writer is fenced: nothing to close
        }
      }),
      { seed: 1414, numRuns: 40 },
    );
  });
});
