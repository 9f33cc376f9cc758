/**
 * `MinHeap.second`: the item that tops the heap once the top is popped — what
 * compaction's streamed merge bounds the top run's lone rows by.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../src/merge/merge-heap.js';

describe('MinHeap.second', () => {
  it.each([
    [[], undefined],
    [[4], undefined],
    [[4, 9], 9],
    [[5, 1, 3], 3],
    [[2, 2, 7], 2],
  ] as const)('of %j is %j', (items, want) => {
    expect(new MinHeap(items, (a, b) => a < b).second()).toBe(want);
  });

  it('is what pop leaves on top, through pushes, pops and in-place changes of the top', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 40 }), fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 40 }), (start, changes) => {
      const cells = start.map((v) => ({ v }));
      const heap = new MinHeap(cells, (a, b) => a.v < b.v);
      for (const change of changes) {
        if (heap.size === 0) break;
        const rest = [...collect(heap)].sort((a, b) => a - b);
        expect(heap.second()?.v).toBe(rest[1]);
        heap.top().v = change; // advance the top in place, as the merge does
        if (change % 3 === 0) heap.pop();
        else heap.siftDown();
      }
    }), { seed: 1604, numRuns: 200 });
  });
});

/** The values held (read from the heap's private array; the heap is left untouched). */
function collect(heap: MinHeap<{ v: number }>): number[] {
  return (heap as unknown as { items: { v: number }[] }).items.map((c) => c.v);
}
