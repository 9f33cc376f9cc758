/**
 * The checkers must bite: a reliability suite whose checks always pass proves
 * nothing. The crash ledger and the history checker are fed recoveries and
 * histories with a lost ack, a torn batch, a duplicate, a phantom row, a prefix
 * violation and an AsOfCut disagreement, and must report each one. And the fault
 * modes this suite added to FaultyStore (truncate, reorder) do what they say.
 */
import { MemoryStore } from '@freshtier/core';
import { describe, expect, it, vi } from 'vitest';
import { FaultyStore } from '../src/faulty-store.js';
import { checkHistory, inAckOrder, type ReadRecord, type WriteRecord } from '../src/history.js';
import { Ledger } from '../src/ledger.js';

const rows = (pairs: [number, number | null][]) => pairs.filter(([, v]) => v !== null).map(([id, v]) => ({ id, v }));

describe('the crash ledger', () => {
  const lines = ['ready', 'T 1 put 0 3', 'A 1', 'T 2 put 0 2', 'A 2', 'T 3 del 2 3', 'A 3', 'T 4 put 10 13'];

  it('accepts a correct recovery, with or without the unacked batch', () => {
    for (const tail of [[], [[10, 4], [11, 4], [12, 4]]] as [number, number][][]) {
      const l = new Ledger(false);
      expect(l.record(lines)).toBe(3);
      expect(l.check(rows([[0, 2], [1, 2], ...tail])).problems).toEqual([]);
    }
  });

  it('reports a lost ack, a torn batch, a phantom and a duplicate', () => {
    const check = (got: [number, number | null][]) => {
      const l = new Ledger(false);
      l.record(lines);
      return l.check(rows(got));
    };
    expect(check([[0, 2], [1, 1]])).toMatchObject({ lost: 1 }); // key 1 went back to an older version
    expect(check([[0, 2], [1, 2], [2, 1]])).toMatchObject({ lost: 1 }); // the acked delete of key 2 is missing
    expect(check([[0, 2], [1, 2], [10, 4]])).toMatchObject({ corrupted: 1 }); // 1 of 3 rows of the unacked put
    expect(check([[0, 2], [1, 2], [99, 1]])).toMatchObject({ corrupted: 1 });
    expect(check([[0, 2], [0, 2], [1, 2]])).toMatchObject({ corrupted: 1 });
  });

  it('append-only: every row once, acked batches whole', () => {
    const l = new Ledger(true);
    l.record(['T 1 put 0 2', 'A 1', 'T 2 put 2 4']);
    expect(l.check(rows([[0, 1], [0, 1], [1, 1]]))).toMatchObject({ corrupted: 1 });
    expect(l.check(rows([[0, 1]]))).toMatchObject({ lost: 1 });
    expect(l.check(rows([[0, 1], [1, 1], [2, 2]]))).toMatchObject({ corrupted: 1 });
    expect(l.check(rows([[0, 1], [1, 1]])).problems).toEqual([]);
    expect(l.check(rows([[0, 1]]))).toMatchObject({ lost: 1 }); // a later recovery may not undo an earlier one
  });
});

describe('the history checker', () => {
  const writes: WriteRecord[] = [
    { seq: 1, shard: 0, ids: [1, 2], call: 1, ret: 2 },
    { seq: 2, shard: 0, ids: [3], call: 3, ret: 4 },
    { seq: 3, shard: 1, ids: [4], call: 3, ret: 6 },
  ];
  const read = (call: number, seen: [number, number][], asOf?: ReadRecord['asOf']): ReadRecord => ({ call, ret: call + 1, seen: new Map(seen), asOf });
  const verdict = (r: ReadRecord) => checkHistory(inAckOrder(writes), [r], (rd, w) => w.ret < rd.call);

  it('accepts reads that are atomic, prefix-closed, real-time ordered and agree with AsOfCut', () => {
    expect(verdict(read(3, [[1, 1], [2, 1]], { ids: [1, 3], held: [true, false] })).problems).toEqual([]);
    expect(verdict(read(5, [[1, 1], [2, 1], [3, 2]])).problems).toEqual([]);
  });

  it('reports a torn write, a missed ack, a prefix violation, a phantom and an AsOfCut disagreement', () => {
    expect(verdict(read(3, [[1, 1]]))).toMatchObject({ corrupted: 1 });
    expect(verdict(read(5, [[1, 1], [2, 1]]))).toMatchObject({ lost: 1 });
    expect(verdict(read(3, [[3, 2]]))).toMatchObject({ corrupted: 1 });
    expect(verdict(read(3, [[1, 1], [2, 1], [9, 9]]))).toMatchObject({ corrupted: 1 });
    expect(verdict(read(3, [[1, 1], [2, 1]], { ids: [3], held: [true] }))).toMatchObject({ corrupted: 1 });
  });
});

describe('FaultyStore modes added for this suite', () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  it('truncate tears a write (and reports it) and shortens a read (without an error)', async () => {
    const s = new FaultyStore(new MemoryStore());
    const w = s.inject({ ops: 'putIfAbsent', mode: 'truncate', keep: 0.3, first: 1 });
    await expect(s.putIfAbsent('a', bytes)).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(await s.inner.get('a')).toEqual(bytes.subarray(0, 3));
    w.remove();
    await s.put('b', bytes);
    s.inject({ ops: 'get', mode: 'truncate', keep: 0.5, first: 1 });
    expect(await s.get('b')).toEqual(bytes.subarray(0, 5));
    expect(await s.get('b')).toEqual(bytes);
  });

  it('reorder holds a call until one that started after it has finished', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // the holdMs fallback never fires
    try {
      const s = new FaultyStore(new MemoryStore());
      s.inject({ ops: 'put', key: 'first', mode: 'reorder', holdMs: 1_000 });
      const done: string[] = [];
      const a = s.put('first', bytes).then(() => done.push('first'));
      const b = s.put('second', bytes).then(() => done.push('second'));
      await Promise.all([a, b]);
      expect(done).toEqual(['second', 'first']);
    } finally {
      vi.useRealTimers();
    }
  });
});
