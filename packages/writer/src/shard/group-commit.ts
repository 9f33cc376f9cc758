/**
 * Group commit: many callers share one write (DESIGN.md invariant 5, "group
 * commit: many puts share one entry"), and several writes run at once (a bounded
 * window), acknowledged in order.
 *
 * Grouping. Items that arrive while the window is full wait and become the next
 * group, so under load each WAL write carries many batches and the number of
 * object-store writes stays near the store's latency bound rather than the put
 * rate. An idle committer (nothing in flight) starts a group after `lingerMs` (0 =
 * at the end of the current macrotask, so puts issued together share an entry);
 * items queued behind writes in flight have lingered long enough and go at the end
 * of the macrotask once the window has room. Each group is capped at
 * `maxGroupBytes` (a single oversized item still goes alone).
 *
 * Order. Up to `maxInFlight` groups are written at once, started in enqueue order.
 * A group is *settled* — `settled` runs, then its items resolve — only once its own
 * write succeeded and every earlier group was settled: acks come in group order
 * whatever order the writes finish in, and an item never resolves before its write did.
 * When a group's write fails, that group and every later one are rejected (a later
 * write that succeeded is not acknowledged: the earlier one failed), `onFailure` is
 * told once, and nothing more is written.
 */

/**
 * Options of a {@link GroupCommitter}.
 *
 * @example
 * ```ts
 * const opts: GroupCommitOptions<Rec, number> = {
 *   write: appendEntry, settled: (recs, position) => apply(recs, position),
 *   sizeOf: (r) => r.bytes, maxGroupBytes: 1 << 24, lingerMs: 0, maxInFlight: 4,
 * };
 * ```
 */
export interface GroupCommitOptions<T, R = void> {
  /** Starts persisting one group; called in enqueue order, up to `maxInFlight` at once. A rejection fails this group and every later one. */
  write(items: T[]): Promise<R>;
  /** Runs for each written group in group order, before its items resolve (synchronous; a throw fails the group like a failed write). */
  settled?(items: T[], result: R): void;
  /** The first failed group's error (once); returns the error its items and every later one are rejected with. */
  onFailure?(error: unknown): unknown;
  /** Bytes an item adds to a group. */
  sizeOf(item: T): number;
  /** Largest group, in `sizeOf` bytes. */
  maxGroupBytes: number;
  /** How long an idle committer waits for more items before writing (0: until the current macrotask ends). */
  lingerMs: number;
  /** Groups written at once (default 1). */
  maxInFlight?: number;
}

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** A group whose write was started; `outcome` is set when the write settles. */
interface Flight<T, R> {
  readonly group: Waiter<T>[];
  outcome?: { ok: true; value: R } | { ok: false; error: unknown };
}

/**
 * Batches concurrent items into group writes, a bounded window of them at once, settled in order.
 *
 * @example
 * ```ts
 * const wal = new GroupCommitter<Rec, number>({ write: (recs) => appendEntry(recs), sizeOf: (r) => r.bytes, maxGroupBytes: 16 << 20, lingerMs: 0, maxInFlight: 4 });
 * await Promise.all([wal.enqueue(a), wal.enqueue(b)]); // one entry holding a and b
 * ```
 */
export class GroupCommitter<T, R = void> {
  private queue: Waiter<T>[] = [];
  private flights: Flight<T, R>[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  /** Set by `fail()`: nothing more is queued. */
  private failure: { error: unknown } | undefined;
  /** Set when a group failed: every later group is rejected with this, and nothing more is written. */
  private broken: { error: unknown } | undefined;
  private idle: (() => void)[] = [];
  private readonly maxInFlight: number;

  constructor(private readonly options: GroupCommitOptions<T, R>) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Items queued plus groups in flight. */
  get pendingWrites(): number {
    return this.queue.length + this.flights.length;
  }

  /** Queues an item; resolves once the group holding it, and every group before it, was written. */
  enqueue(item: T): Promise<void> {
    const stopped = this.broken ?? this.failure;
    if (stopped) return Promise.reject(stopped.error);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule(this.flights.length === 0 ? this.options.lingerMs : 0);
    });
  }

  /** Resolves when every item queued so far is written (or failed); skips the linger. Never rejects. */
  drain(): Promise<void> {
    if (this.flights.length === 0 && this.queue.length === 0) return Promise.resolve();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule(0);
    }
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Rejects every queued item and every future one with `error` (the writer is dead); groups in flight still settle. */
  fail(error: unknown): void {
    if (!this.failure) this.failure = { error };
    this.rejectQueued(error);
  }

  private rejectQueued(error: unknown): void {
    const queued = this.queue;
    this.queue = [];
    for (const w of queued) w.reject(error);
    this.notifyIdle();
  }

  private schedule(lingerMs: number): void {
    if (this.flights.length >= this.maxInFlight || this.timer || this.immediate || this.queue.length === 0) return;
    if (lingerMs > 0) this.timer = setTimeout(() => this.run(), lingerMs);
    else this.immediate = setImmediate(() => this.run());
  }

  private run(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.flights.length >= this.maxInFlight || this.queue.length === 0) return;
    if (this.broken) return this.rejectQueued(this.broken.error);
    const flight: Flight<T, R> = { group: this.takeGroup() };
    this.flights.push(flight);
    let written: Promise<R>;
    try {
      written = this.options.write(flight.group.map((w) => w.item));
    } catch (e) {
      written = Promise.reject(e);
    }
    written.then(
      (value) => (flight.outcome = { ok: true, value }),
      (error: unknown) => (flight.outcome = { ok: false, error }),
    ).then(() => this.settleInOrder());
    this.schedule(0); // a capped group left items behind: they go next if the window has room
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

  /** Settles the written groups at the head of the window, in order; stops at the first still in flight. */
  private settleInOrder(): void {
    while (this.flights.length > 0 && this.flights[0].outcome) {
      const flight = this.flights.shift()!;
      this.settleOne(flight.group, flight.outcome!);
    }
    if (this.queue.length > 0 && !this.failure) this.schedule(0);
    else this.notifyIdle();
  }

  private settleOne(group: Waiter<T>[], outcome: NonNullable<Flight<T, R>['outcome']>): void {
    let error: unknown;
    if (this.broken) error = this.broken.error;
    else if (!outcome.ok) error = this.breakWith(outcome.error);
    else {
      try {
        this.options.settled?.(group.map((w) => w.item), outcome.value);
        for (const w of group) w.resolve();
        return;
      } catch (e) {
        error = this.breakWith(e);
      }
    }
    for (const w of group) w.reject(error);
  }

  /** The first failed group: later groups are rejected with what `onFailure` makes of its error. */
  private breakWith(error: unknown): unknown {
    const final = this.options.onFailure ? this.options.onFailure(error) : error;
    this.broken = { error: final };
    this.rejectQueued(final);
    return final;
  }

  private notifyIdle(): void {
    if (this.flights.length > 0 || this.queue.length > 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const resolve of waiters) resolve();
  }
}
