import { Memtable, MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { preparePut } from '../src/shard/batches.js';
import { MemtableSlot, replayPoint } from '../src/shard/memtable-slot.js';
import { makeTable, rangeBatch } from './support/fixtures.js';

describe('MemtableSlot', () => {
  it('reserves indexes at accept time and appends them in order later', async () => {
    const table = await makeTable(new MemoryStore());
    const slot = MemtableSlot.active(0, 3, true);
    const a = preparePut(table, 0, rangeBatch(0, 4));
    const b = preparePut(table, 0, rangeBatch(4, 6));
    expect([slot.reserve(a), slot.reserve(b)]).toEqual([0, 1]);
    expect([slot.projectedBatches, slot.projectedRows, slot.memtable.batchCount]).toEqual([2, 6, 0]);
    expect(slot.unflushedBytes).toBe(a.bytes + b.bytes); // reserved data; the empty memtable's capacity holds nothing
    expect(slot.memoryBytes).toBe(slot.memtable.byteSize + a.bytes + b.bytes);
    slot.apply(a, 0, 12);
    slot.apply(b, 1, 13);
    expect([slot.walFirst, slot.walLast, slot.memtable.batchCount]).toEqual([12, 13, 2]);
    expect(() => slot.apply(a, 5, 14)).toThrow(/reserved as 5 was appended as 2/);
  });

  it('a sealed slot takes no reservations and freezes when its last batch lands', async () => {
    const table = await makeTable(new MemoryStore());
    const slot = MemtableSlot.active(0, 3, true);
    const a = preparePut(table, 0, rangeBatch(0, 1));
    const i = slot.reserve(a);
    expect(slot.seal()).toBe(false);
    expect(slot.state).toBe('sealed');
    expect(() => slot.reserve(a)).toThrow(/sealed/);
    expect(slot.apply(a, i, 7)).toBe(true);
    expect([slot.state, slot.memtable.frozen]).toEqual(['frozen', true]);
  });

  it('replayed slots are frozen and keep their WAL range', () => {
    const m = new Memtable(0, 9, true);
    const slot = MemtableSlot.replayed(m, 4, 8);
    expect([slot.state, slot.walFirst, slot.walLast, m.frozen]).toEqual(['frozen', 4, 8, true]);
  });
});

describe('replayPoint', () => {
  const logged = (first: number) => {
    const s = MemtableSlot.active(0, 1, true);
    if (first >= 0) s.noteLogged(first);
    return s;
  };
  it('stops just below the lowest entry an uncommitted generation needs', () => {
    expect(replayPoint([logged(7), logged(12)], 20)).toBe(6);
  });
  it('is the last logged position when no uncommitted generation needs an entry', () => {
    expect(replayPoint([logged(-1)], 20)).toBe(20);
    expect(replayPoint([], 5)).toBe(5);
  });
});
