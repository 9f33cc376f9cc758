/**
 * A binary min-heap for k-way merges of sorted runs by key (compaction's merge, the
 * merged scans of engines that are not newest-decides): the caller advances the top
 * item in place, then calls `siftDown` (it has more) or `pop` (it is done).
 */

/**
 * A min-heap ordered by `before`.
 *
 * @example
 * ```ts
 * declare const cursors: { key: number; advance(): boolean }[];
 * const heap = new MinHeap(cursors, (a, b) => a.key < b.key);
 * while (heap.size > 0) { const c = heap.top(); if (c.advance()) heap.siftDown(); else heap.pop(); }
 * ```
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(items: Iterable<T>, private readonly before: (a: T, b: T) => boolean) {
    for (const c of items) this.push(c);
  }

  get size(): number {
    return this.items.length;
  }

  top(): T {
    return this.items[0];
  }

  /**
   * The item that would be on top if the top were popped (undefined with fewer than
   * two): how far the top run may go alone — compaction emits the top run's rows
   * below this one's key without touching the heap per row.
   *
   * @example
   * ```ts
   * const heap = new MinHeap([5, 1, 3], (a, b) => a < b);
   * heap.second(); // 3
   * ```
   */
  second(): T | undefined {
    const a = this.items;
    if (a.length < 3) return a[1];
    return this.before(a[2], a[1]) ? a[2] : a[1];
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown();
    }
  }

  siftDown(): void {
    const a = this.items;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const m = l + 1 < a.length && this.before(a[l + 1], a[l]) ? l + 1 : l;
      if (m >= a.length || !this.before(a[m], a[i])) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }

  push(c: T): void {
    const a = this.items;
    a.push(c);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i], a[p])) return;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
}
