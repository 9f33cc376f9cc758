/**
 * Backpressure: `put` waits while the writer holds more unflushed bytes
 * (active + sealed + frozen memtables, including batches reserved for a WAL write
 * in flight) than `maxUnflushedBytes`, and fails with `BackpressureError` if
 * flushing makes no progress for `backpressureGraceMs`.
 *
 * Why fail instead of waiting forever: a stalled object store would otherwise
 * grow the writer's memory without bound, or hang every producer silently. The
 * error names the limit and carries the last flush error as its cause, so the
 * caller learns *why* (e.g. the store refuses writes) and nothing was written.
 *
 * "Progress" is a committed flush (memory actually released); each one restarts
 * the grace period, so a slow but moving store only slows producers down.
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
  /** Bytes held by memtables not yet committed. */
  unflushedBytes(): number;
  /** Makes flushing possible: freezes the active memtable if nothing is frozen, and kicks the flusher. */
  relieve(): void;
  /** The last flush failure, for the error's cause. */
  lastFlushError(): unknown;
  /** The error puts must fail with now (writer closed, fenced or poisoned), if any. */
  stopped(): Error | undefined;
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
    let lastProgress = Date.now();
    for (;;) {
      const stopped = this.probe.stopped();
      if (stopped) throw stopped;
      const bytes = this.probe.unflushedBytes();
      if (bytes <= this.limits.limit) return;
      this.probe.relieve();
      const remaining = lastProgress + this.limits.graceMs - Date.now();
      if (remaining <= 0) {
        throw new BackpressureError(this.shard, bytes, this.limits.limit, Date.now() - lastProgress, this.probe.lastFlushError());
      }
      if (await this.waitForProgress(remaining)) lastProgress = Date.now();
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

  private waitForProgress(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter = (progressed: boolean) => {
        clearTimeout(timer);
        resolve(progressed);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, ms);
      this.waiters.add(waiter);
    });
  }
}
