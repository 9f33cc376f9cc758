/**
 * `heldBytes` (data held, what backpressure counts) against `byteSize` (memory allocated):
 * capacity that holds nothing is never counted as held — an empty memtable holds 0 whatever
 * its preallocation hint, and the same appends hold the same bytes whatever the hint or the
 * doubling history — while `byteSize` keeps counting the real allocation (the bench's
 * "memtable memory" figure).
 */
import { Int64, RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchByteSize } from '../src/arrow/arrow-util.js';
import { KeyMap } from '../src/keys/key-map.js';
import { Memtable } from '../src/memtable/memtable.js';
import { encodeKeys } from '../src/keys/pk-encoding.js';

const SEED = 18_0518;

function puts(ids: readonly number[]): RecordBatch {
  return new Table({
    id: vectorFromArray(ids.map(BigInt), new Int64()),
    s: vectorFromArray(ids.map((i) => `s${i}`), new Utf8()),
  }).batches[0];
}

/** Appends `batches` (ids) to a memtable built with `expected` as its size hint. */
function filled(keyed: boolean, batches: readonly (readonly number[])[], expected?: { keys: number; rows: number }): Memtable {
  const m = new Memtable(0, 1, keyed, expected);
  for (const ids of batches) {
    const b = puts(ids);
    m.append(b, 'put', keyed ? encodeKeys(b, ['id']) : undefined, -1);
  }
  return m;
}

/** What the held data is, from its definition: the batches (the Int64 key column holds the keys), and per distinct key / per row its index share. */
function expectedHeld(batches: readonly (readonly number[])[], keyed: boolean): number {
  let bytes = 0;
  const distinct = new Set<number>();
  let rows = 0;
  for (const ids of batches) {
    const b = puts(ids);
    bytes += batchByteSize(b);
    ids.forEach((id) => distinct.add(id));
    rows += ids.length;
  }
  // per distinct key: its share of a 4-byte slot table at most 75% full; per row a 4-byte version link and a bit
  return keyed ? bytes + Math.ceil((distinct.size * 4) / 0.75) + rows * 4 + Math.ceil(rows / 8) : bytes;
}

const batchesArb = fc.array(fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 400 }), { maxLength: 8 });
const hintArb = fc.option(fc.record({ keys: fc.nat(100_000), rows: fc.nat(100_000) }), { nil: undefined });

describe('Memtable.heldBytes: held data, never spare capacity', () => {
  it('an empty memtable holds 0 bytes whatever it preallocated (it still takes memory)', () => {
    for (const keyed of [true, false]) {
      for (const hint of [undefined, { keys: 0, rows: 0 }, { keys: 50_000, rows: 50_000 }]) {
        const m = new Memtable(0, 1, keyed, hint);
        expect(m.heldBytes).toBe(0);
        if (keyed) expect(m.byteSize).toBeGreaterThan(0);
      }
    }
    expect(new KeyMap(2, 100_000).heldBytes).toBe(0);
  });

  it('an append-only memtable allocates no version links (nothing to link)', () => {
    expect(new Memtable(0, 1, false).byteSize).toBe(0);
  });

  it('property: held = batches + the index share of their keys, the same whatever the hint; held <= allocated', () => {
    fc.assert(fc.property(batchesArb, hintArb, hintArb, fc.boolean(), (batches, hintA, hintB, keyed) => {
      const a = filled(keyed, batches, hintA);
      const b = filled(keyed, batches, hintB);
      expect(a.heldBytes).toBe(expectedHeld(batches, keyed));
      expect(b.heldBytes).toBe(a.heldBytes);
      expect(a.heldBytes).toBeLessThanOrEqual(a.byteSize);
      expect(b.heldBytes).toBeLessThanOrEqual(b.byteSize);
    }), { seed: SEED, numRuns: 60 });
  });

  it('held bytes only grow with appends, and a rewrite of a held key adds its row, not a key entry', () => {
    const m = filled(true, [[1, 2, 3]]);
    const once = m.heldBytes;
    const again = puts([1, 2, 3]);
    m.append(again, 'put', encodeKeys(again, ['id']), -1);
    expect(m.heldBytes - once).toBe(batchByteSize(again) + 3 * 4); // 3 to 6 rows: still one byte of bits
  });
});
