import { Float64, Int32, Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchByteSize } from '../src/arrow/arrow-util.js';
import { Memtable } from '../src/memtable/memtable.js';
import { encodeKeys, keyToHex, type EncodedKeys } from '../src/keys/pk-encoding.js';

function puts(ids: number[], tag = 'v'): RecordBatch {
  return new Table({
    id: vectorFromArray(ids, new Int32()),
    name: vectorFromArray(ids.map((i) => `${tag}${i}`), new Utf8()),
    score: vectorFromArray(ids.map((i) => i / 2), new Float64()),
  }).batches[0];
}

/** A delete batch holds only the key columns. */
function deletes(ids: number[]): RecordBatch {
  return new Table({ id: vectorFromArray(ids, new Int32()) }).batches[0];
}

const keysOf = (b: RecordBatch) => encodeKeys(b, ['id']);
const keyOf = (id: number): EncodedKeys => keysOf(deletes([id]));

function lookup(m: Memtable, id: number, batchLimit?: number): number {
  const k = keyOf(id);
  return m.lookup(k.bytes, k.offsets[0], k.offsets[1], batchLimit);
}

function firstBatchOf(m: Memtable, id: number): number {
  const k = keyOf(id);
  return m.firstBatchOf(k.bytes, k.offsets[0], k.offsets[1]);
}

/** The row an ordinal points at, as { batch, row, id }. */
function rowAt(m: Memtable, ordinal: number) {
  const { batchIndex, row } = m.locate(ordinal);
  return { batchIndex, row, id: m.batch(batchIndex).batch.getChild('id')!.get(row) as number };
}

function append(m: Memtable, b: RecordBatch, op: 'put' | 'delete' = 'put', wal = -1): number {
  return m.append(b, op, keysOf(b), wal);
}

describe('append and lookup', () => {
  it('finds the newest row of each key; absent keys are -1', () => {
    const m = new Memtable(2, 7, true);
    expect([m.shard, m.generation]).toEqual([2, 7]);
    expect(append(m, puts([1, 2, 3]))).toBe(0);
    expect(append(m, puts([2, 4], 'w'))).toBe(1);
    expect(m.batchCount).toBe(2);
    expect(m.rowCount).toBe(5);
    expect(m.keyCount).toBe(4);
    expect(lookup(m, 1)).toBe(0);
    expect(lookup(m, 2)).toBe(3);
    expect(rowAt(m, lookup(m, 2))).toEqual({ batchIndex: 1, row: 0, id: 2 });
    expect(m.batch(1).batch.getChild('name')!.get(m.locate(lookup(m, 2)).row)).toBe('w2');
    expect(lookup(m, 4)).toBe(4);
    expect(lookup(m, 5)).toBe(-1);
  });

  it('duplicates within one batch: the last row wins', () => {
    const m = new Memtable(0, 1, true);
    append(m, puts([7, 8, 7, 9, 7]));
    expect(lookup(m, 7)).toBe(4);
    expect(lookup(m, 8)).toBe(1);
    expect(m.keyCount).toBe(3);
    expect(firstBatchOf(m, 7)).toBe(0);
  });

  it('bounded lookups (batchLimit) follow the version links back', () => {
    const m = new Memtable(0, 1, true);
    append(m, puts([1, 2])); // ordinals 0, 1
    append(m, puts([3])); // 2
    append(m, puts([1, 1])); // 3, 4
    append(m, puts([2, 1])); // 5, 6
    expect([0, 1, 2, 3, 4].map((n) => lookup(m, 1, n))).toEqual([-1, 0, 0, 4, 6]);
    expect([0, 1, 2, 3, 4].map((n) => lookup(m, 2, n))).toEqual([-1, 1, 1, 1, 5]);
    expect([0, 1, 2, 3, 4].map((n) => lookup(m, 3, n))).toEqual([-1, -1, 2, 2, 2]);
    expect(lookup(m, 1, 99)).toBe(6); // past the end = everything
  });

  it('firstBatchOf is the first batch that held the key, whatever came later', () => {
    const m = new Memtable(0, 1, true);
    append(m, puts([1]));
    append(m, puts([2, 1]));
    append(m, deletes([3, 1]), 'delete');
    expect([firstBatchOf(m, 1), firstBatchOf(m, 2), firstBatchOf(m, 3), firstBatchOf(m, 4)]).toEqual([0, 1, 2, -1]);
  });

  it('forEachKey reports each distinct key once with its newest ordinal and first batch', () => {
    const m = new Memtable(0, 1, true);
    append(m, puts([5, 6]));
    append(m, puts([6, 7, 5]));
    const seen = new Map<string, [number, number]>();
    m.forEachKey((key, newest, first) => {
      expect(seen.has(keyToHex(key))).toBe(false);
      seen.set(keyToHex(key), [newest, first]);
    });
    const hex = (id: number) => keyToHex(keyOf(id).bytes);
    expect(seen).toEqual(new Map([[hex(5), [4, 0]], [hex(6), [2, 0]], [hex(7), [3, 1]]]));
  });

  it('random workloads agree with a model, for every batch limit', () => {
    const batchArb = fc.record({ op: fc.constantFrom('put' as const, 'delete' as const), ids: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 8 }) });
    fc.assert(fc.property(fc.array(batchArb, { maxLength: 10 }), (batches) => {
      const m = new Memtable(0, 1, true);
      const rows: { id: number; batch: number }[] = [];
      batches.forEach((b, bi) => {
        expect(append(m, b.op === 'put' ? puts(b.ids) : deletes(b.ids), b.op)).toBe(bi);
        for (const id of b.ids) rows.push({ id, batch: bi });
      });
      expect(m.rowCount).toBe(rows.length);
      expect(m.keyCount).toBe(new Set(rows.map((r) => r.id)).size);
      for (let id = 0; id <= 13; id++) {
        const first = rows.find((r) => r.id === id);
        if (firstBatchOf(m, id) !== (first ? first.batch : -1)) throw new Error(`firstBatchOf(${id}) = ${firstBatchOf(m, id)}, want ${first ? first.batch : -1}`);
        for (let limit = 0; limit <= batches.length; limit++) {
          let want = -1;
          rows.forEach((r, ord) => {
            if (r.id === id && r.batch < limit) want = ord;
          });
          const got = lookup(m, id, limit);
          if (got !== want) throw new Error(`lookup(${id}, batchLimit ${limit}) = ${got}, want ${want}`);
          if (want >= 0) {
            if (rowAt(m, want).id !== id) throw new Error(`ordinal ${want} does not hold key ${id}`);
            if (m.isTombstone(want) !== (batches[rows[want].batch].op === 'delete')) throw new Error(`isTombstone(${want}) is wrong`);
          }
        }
      }
    }), { seed: 3501, numRuns: 100 });
  });

  it('many rows (version links and index grow past their initial capacity)', () => {
    const m = new Memtable(0, 1, true);
    const ids = Array.from({ length: 1500 }, (_, i) => i);
    append(m, puts(ids));
    append(m, puts(ids.map((i) => i * 2)));
    append(m, puts(ids.filter((i) => i % 3 === 0)));
    expect(m.rowCount).toBe(3500);
    expect(lookup(m, 0)).toBe(3000);
    expect(lookup(m, 2)).toBe(1501);
    expect(lookup(m, 2, 1)).toBe(2);
    expect(lookup(m, 2998)).toBe(1500 + 1499);
    expect(lookup(m, 2999)).toBe(-1);
    expect(lookup(m, 1499, 2)).toBe(1499);
    expect(m.keyCount).toBe(1500 + 750);
  });

  it('sliced batches index the rows of the slice', () => {
    const m = new Memtable(0, 1, true);
    append(m, puts([10, 11, 12, 13]).slice(2, 4));
    expect(lookup(m, 12)).toBe(0);
    expect(lookup(m, 13)).toBe(1);
    expect(lookup(m, 10)).toBe(-1);
  });
});

describe('tombstones', () => {
  it('a delete batch holds only key columns and its rows read as tombstones', () => {
    const m = new Memtable(0, 1, true);
    append(m, puts([1, 2, 3]));
    const del = deletes([2, 9]);
    expect(del.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect(append(m, del, 'delete')).toBe(1);
    expect(m.batch(1).op).toBe('delete');
    expect(m.batch(0).op).toBe('put');
    expect(lookup(m, 2)).toBe(3);
    expect(m.isTombstone(lookup(m, 2))).toBe(true);
    expect(m.isTombstone(lookup(m, 9))).toBe(true);
    expect(m.isTombstone(lookup(m, 1))).toBe(false);
    expect(m.isTombstone(lookup(m, 2, 1))).toBe(false); // before the delete
    append(m, puts([2], 'again'));
    expect(m.isTombstone(lookup(m, 2))).toBe(false); // re-put after delete
  });
});

describe('bookkeeping', () => {
  it('batchRowOffsets: first row of each batch, then the row count (empty batches included)', () => {
    const m = new Memtable(0, 1, true);
    expect(m.batchRowOffsets).toEqual([0]);
    append(m, puts([1, 2, 3]));
    append(m, puts([]));
    append(m, puts([4, 5]));
    expect(m.batchRowOffsets).toEqual([0, 3, 3, 5]);
    expect(m.locate(3)).toEqual({ batchIndex: 2, row: 0 }); // not the empty batch 1
    expect(m.locate(2)).toEqual({ batchIndex: 0, row: 2 });
    expect(m.locate(4)).toEqual({ batchIndex: 2, row: 1 });
  });

  it('walRange: lowest and highest logged positions; -1 when nothing was logged', () => {
    const m = new Memtable(0, 1, true);
    expect(m.walRange()).toEqual({ first: -1, last: -1 });
    append(m, puts([1]), 'put', -1);
    expect(m.walRange()).toEqual({ first: -1, last: -1 });
    append(m, puts([2]), 'put', 12);
    append(m, puts([3]), 'put', 9);
    append(m, puts([4]), 'put', -1);
    append(m, deletes([1]), 'delete', 15);
    expect(m.walRange()).toEqual({ first: 9, last: 15 });
    expect(m.batch(1).walPosition).toBe(12);
  });

  it('freeze stops appends; reads go on', () => {
    const m = new Memtable(0, 3, true);
    append(m, puts([1]));
    expect(m.frozen).toBe(false);
    m.freeze();
    expect(m.frozen).toBe(true);
    expect(() => append(m, puts([2]))).toThrow(/generation 3 is frozen/);
    expect(m.batchCount).toBe(1);
    expect(m.rowCount).toBe(1);
    expect(lookup(m, 1)).toBe(0);
    expect(lookup(m, 2)).toBe(-1);
  });

  it('a keyed memtable refuses a batch without keys', () => {
    const m = new Memtable(0, 1, true);
    expect(() => m.append(puts([1]), 'put', undefined, -1)).toThrow(/needs encoded keys/);
    expect(m.batchCount).toBe(0);
    expect(m.rowCount).toBe(0);
  });

  it('append-only memtable: keeps batches in order, no key index', () => {
    const m = new Memtable(1, 2, false);
    expect(m.append(puts([1, 1]), 'put', undefined, 4)).toBe(0);
    expect(m.append(puts([1]), 'put', undefined, 5)).toBe(1);
    expect(m.rowCount).toBe(3);
    expect(m.keyCount).toBe(0);
    expect(lookup(m, 1)).toBe(-1);
    expect(firstBatchOf(m, 1)).toBe(-1);
    let called = false;
    m.forEachKey(() => (called = true));
    expect(called).toBe(false);
    expect(m.walRange()).toEqual({ first: 4, last: 5 });
    expect(m.batchRowOffsets).toEqual([0, 2, 3]);
  });

  it('byteSize accounting: arrowByteSize = batch buffers (an Int64 key column holds the keys: none kept beside it); byteSize adds the index', () => {
    const m = new Memtable(0, 1, true);
    const empty = { arrow: m.arrowByteSize, total: m.byteSize };
    expect(empty.arrow).toBe(0);
    expect(empty.total).toBeGreaterThan(0); // the empty index and version links are allocated
    let expected = 0;
    for (const ids of [[1, 2, 3], [4], Array.from({ length: 3000 }, (_, i) => i + 10)]) {
      const b = puts(ids);
      const k = keysOf(b);
      m.append(b, 'put', k, -1);
      expected += batchByteSize(b);
      expect(m.arrowByteSize).toBe(expected);
      expect(m.byteSize).toBeGreaterThan(m.arrowByteSize);
    }
    expect(batchByteSize(puts([1, 2, 3]))).toBeGreaterThan(3 * (4 + 8)); // sanity: buffers are counted
    // 3,004 keys need a bigger index and more version links than the empty memtable had
    expect(m.byteSize - m.arrowByteSize).toBeGreaterThan(empty.total + 3004 * 4);

    const appendOnly = new Memtable(0, 1, false);
    const b = puts([1, 2]);
    appendOnly.append(b, 'put', undefined, -1);
    expect(appendOnly.arrowByteSize).toBe(batchByteSize(b));
    expect(appendOnly.byteSize).toBeGreaterThanOrEqual(appendOnly.arrowByteSize);
  });
});
