/**
 * Group commit: many callers share one write (DESIGN.md invariant 5, "group
 * commit: many puts share one entry").
 *
 * At most one write is in flight. Items that arrive while it runs wait and
 * become the next group, so under load each WAL write carries many batches and
 * the number of object-store writes stays near the store's latency bound rather
 * than the put rate. An idle committer starts a group after `lingerMs` (0 = at the
 * end of the current macrotask, so puts issued together share an entry) and caps
 * each group at `maxGroupBytes` (a single oversized item still goes alone).
 * Each item's promise settles with its group's write: it never resolves before
 * the write did.
 */

/**
 * Options of a {@link GroupCommitter}.
 *
 * @example
 * ```ts
 * const opts: GroupCommitOptions<Rec> = { write: appendEntry, sizeOf: (r) => r.bytes, maxGroupBytes: 1 << 24, lingerMs: 0 };
 * ```
 */
export interface GroupCommitOptions<T> {
  /** Persists one group, in enqueue order. A rejection rejects every item of the group. */
  write(items: T[]): Promise<void>;
  /** Bytes an item adds to a group. */
  sizeOf(item: T): number;
  /** Largest group, in `sizeOf` bytes. */
  maxGroupBytes: number;
  /** How long an idle committer waits for more items before writing (0: until the current macrotask ends). */
  lingerMs: number;
}

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Batches concurrent items into serial group writes.
 *
 * @example
 * ```ts
 * const wal = new GroupCommitter<Rec>({ write: (recs) => appendEntry(recs), sizeOf: (r) => r.bytes, maxGroupBytes: 16 << 20, lingerMs: 0 });
 * await Promise.all([wal.enqueue(a), wal.enqueue(b)]); // one entry holding a and b
 * ```
 */
export class GroupCommitter<T> {
  private queue: Waiter<T>[] = [];
  private writing = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private failure: { error: unknown } | undefined;
  private idle: (() => void)[] = [];

  constructor(private readonly options: GroupCommitOptions<T>) {}

  /** Items queued or in the write in flight. */
  get pendingWrites(): number {
    return this.queue.length + (this.writing ? 1 : 0);
  }

  /** Queues an item; resolves once the group holding it was written. */
  enqueue(item: T): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule(this.options.lingerMs);
    });
  }

  /** Resolves when every item queued so far is written (or failed); skips the linger. Never rejects. */
  drain(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule(0);
    }
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Rejects every queued item and every future one with `error` (the writer is dead). */
  fail(error: unknown): void {
    if (!this.failure) this.failure = { error };
    const queued = this.queue;
    this.queue = [];
    for (const w of queued) w.reject(error);
    this.notifyIdle();
  }

  private schedule(lingerMs: number): void {
    if (this.writing || this.timer || this.immediate || this.queue.length === 0) return;
    if (lingerMs > 0) this.timer = setTimeout(() => this.run(), lingerMs);
    else this.immediate = setImmediate(() => this.run());
  }

  private run(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    void this.writeGroup(this.takeGroup());
  }

  private takeGroup(): Waiter<T>[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const size = this.options.sizeOf(this.queue[n].item);
      if (n > 0 && bytes + size > this.options.maxGroupBytes) break;
      bytes += size;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async writeGroup(group: Waiter<T>[]): Promise<void> {
    try {
      await this.options.write(group.map((w) => w.item));
      for (const w of group) w.resolve();
    } catch (e) {
      for (const w of group) w.reject(e);
    } finally {
      this.writing = false;
      // items that waited through this write have lingered long enough
      if (this.queue.length > 0 && !this.failure) this.schedule(0);
      else this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.writing || this.queue.length > 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const resolve of waiters) resolve();
  }
}
