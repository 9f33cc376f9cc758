/**
 * Backpressure: `put` waits while the writer holds more unflushed bytes
 * (active + sealed + frozen memtables, including batches reserved for a WAL write
 * in flight) than `maxUnflushedBytes`, and fails with `BackpressureError` if
 * flushing makes no progress for `backpressureGraceMs`.
 *
 * Unflushed bytes are data held (`MemtableSlot.unflushedBytes`): batches and their
 * key-index entries, never capacity allocated ahead. An empty memtable counts 0, so
 * a writer whose memtables are all empty never waits: a wait always has something a
 * freeze and a flush can release.
 *
 * A put is admitted when the bytes held *before* it are within the limit: one batch
 * larger than the limit is accepted alone into an empty writer (the limit bounds
 * waiting, not a batch); the next put waits until that batch is frozen and flushed.
 *
 * Why fail instead of waiting forever: a stalled object store would otherwise
 * grow the writer's memory without bound, or hang every producer silently. The
 * error names the limit and carries the last flush error as its cause, so the
 * caller learns *why* (e.g. the store refuses writes) and nothing was written.
 *
 * "Progress" is a committed flush (memory actually released); each one restarts
 * the grace period, so a slow but moving store only slows producers down. The
 * grace period is measured on a {@link WriterClock} (the `clock` writer option), so
 * tests can run it on virtual time.
 */
import { BackpressureError, type ShardId } from '@freshtier/core';

/**
 * What the gate observes and may ask of the writer.
 *
 * @example
 * ```ts
 * const probe: BackpressureProbe = { unflushedBytes: () => bytes, relieve: () => {}, lastFlushError: () => undefined, stopped: () => undefined };
 * ```
 */
export interface BackpressureProbe {
  /** Data held by memtables not yet committed (never capacity that holds nothing: empty memtables count 0). */
  unflushedBytes(): number;
  /** Makes flushing possible: freezes a non-empty active memtable if nothing else is in memory, and kicks the flusher. */
  relieve(): void;
  /** The last flush failure, for the error's cause. */
  lastFlushError(): unknown;
  /** The error puts must fail with now (writer closed, fenced or poisoned), if any. */
  stopped(): Error | undefined;
}

/**
 * A time source for the writer's waits: `now()` in milliseconds (monotonic), and `sleep`,
 * which resolves after `ms` or as soon as `signal` aborts (then it drops its timer). A
 * `sleep` that rejects fails the waiting put with its error.
 *
 * @example
 * ```ts
 * // time stands still: a put waits for flushes only, the grace period never runs out
 * const frozen: WriterClock = { now: () => 0, sleep: (_ms, signal) => new Promise((r) => signal.addEventListener('abort', () => r())) };
 * await ShardWriter.open(table, { shard: 0, clock: frozen });
 * ```
 */
export interface WriterClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * The real clock (the default): `performance.now()`, so a step of the wall clock neither
 * shortens nor extends a grace period, and `setTimeout`.
 *
 * @example
 * ```ts
 * const started = systemClock.now();
 * ```
 */
export const systemClock: WriterClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  }),
};

/**
 * Whether `v` is a {@link WriterClock} (its two methods are functions), for option validation.
 *
 * @example
 * ```ts
 * isWriterClock(systemClock); // true
 * ```
 */
export function isWriterClock(v: unknown): v is WriterClock {
  const c = v as Partial<WriterClock> | null;
  return typeof c === 'object' && c !== null && typeof c.now === 'function' && typeof c.sleep === 'function';
}

/**
 * Admits puts while memory is within the limit.
 *
 * @example
 * ```ts
 * const gate = new BackpressureGate(0, { limit: 256 << 20, graceMs: 30_000 }, probe);
 * await gate.admit();   // in put(), before accepting the batch
 * gate.progress();      // after each committed flush
 * ```
 */
export class BackpressureGate {
  private readonly waiters = new Set<(progressed: boolean) => void>();

  constructor(
    private readonly shard: ShardId,
    private readonly limits: { readonly limit: number; readonly graceMs: number },
    private readonly probe: BackpressureProbe,
    private readonly clock: WriterClock = systemClock,
  ) {}

  /** Number of puts currently waiting. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** True when a put must wait (`admit`) before it is accepted. */
  mustWait(): boolean {
    return this.probe.unflushedBytes() > this.limits.limit;
  }

  /** Resolves once unflushed bytes are within the limit; throws `BackpressureError` if flushing stalls for the grace period. */
  async admit(): Promise<void> {
    if (this.probe.unflushedBytes() <= this.limits.limit) return;
    let lastProgress = this.clock.now();
    for (;;) {
      const stopped = this.probe.stopped();
      if (stopped) throw stopped;
      const bytes = this.probe.unflushedBytes();
      if (bytes <= this.limits.limit) return;
      this.probe.relieve();
      const waited = this.clock.now() - lastProgress;
      if (waited >= this.limits.graceMs) {
        throw new BackpressureError(this.shard, bytes, this.limits.limit, Math.round(waited), this.probe.lastFlushError());
      }
      if (await this.waitForProgress(this.limits.graceMs - waited)) lastProgress = this.clock.now();
    }
  }

  /** A flush committed: waiting puts re-check memory and get a fresh grace period. */
  progress(): void {
    this.wakeAll(true);
  }

  /** The writer stopped: waiting puts re-check and fail with the writer's error. */
  wake(): void {
    this.wakeAll(false);
  }

  private wakeAll(progressed: boolean): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w(progressed);
  }

  /** True on progress, false when `ms` passed or the writer stopped; the clock's timer is dropped on wake-up. */
  private waitForProgress(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const abort = new AbortController();
      const waiter = (progressed: boolean) => {
        abort.abort();
        resolve(progressed);
      };
      this.waiters.add(waiter);
      // once woken, the waiter is gone from the set: a late sleep outcome is ignored
      this.clock.sleep(ms, abort.signal).then(
        () => void (this.waiters.delete(waiter) && resolve(false)),
        (e: unknown) => void (this.waiters.delete(waiter) && reject(e)),
      );
    });
  }
}
