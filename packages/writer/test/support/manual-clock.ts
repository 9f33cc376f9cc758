/**
 * A `WriterClock` on virtual time for tests: `now()` moves only when the test calls
 * `advance(ms)`, which wakes the sleeps that are due. Left alone it stands still, so a
 * backpressure grace period never runs out and a waiting put resolves only through a
 * committed flush — a test then checks liveness without waiting on the wall clock.
 *
 * `onSleep` runs whenever a put starts waiting; throwing there fails that put with the
 * thrown error (see `stallDetector`).
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const w = await ShardWriter.open(table, { shard: 0, maxUnflushedBytes: 1_000, clock });
 * clock.advance(30_000); // a waiting put whose flush is stalled now fails with BackpressureError
 * ```
 */
import type { WriterClock } from '../../src/index.js';

interface Sleeper {
  readonly until: number;
  readonly wake: () => void;
}

export class ManualClock implements WriterClock {
  /** Called when a sleep starts (a put waits); a throw rejects that sleep. */
  onSleep: ((ms: number) => void) | undefined;
  /** Sleeps started so far. */
  sleeps = 0;
  private t = 0;
  private readonly sleepers = new Set<Sleeper>();

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.sleeps++;
      try {
        this.onSleep?.(ms);
      } catch (e) {
        reject(e);
        return;
      }
      if (signal.aborted) return resolve();
      const sleeper: Sleeper = {
        until: this.t + ms,
        wake: () => {
          this.sleepers.delete(sleeper);
          signal.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal.addEventListener('abort', sleeper.wake, { once: true });
    });
  }

  /** Sleeps not yet over (neither due nor aborted). */
  get sleeping(): number {
    return this.sleepers.size;
  }

  /** Moves time forward and wakes every sleep now due. */
  advance(ms: number): void {
    this.t += ms;
    for (const s of [...this.sleepers]) if (s.until <= this.t) s.wake();
  }
}

/**
 * An `onSleep` hook that fails a put which starts waiting while nothing is sealed or frozen
 * for a flush to release: with time standing still, such a put would wait forever.
 *
 * @example
 * ```ts
 * clock.onSleep = stallDetector(() => writer);
 * ```
 */
export function stallDetector(writer: () => { status(): { frozenGenerations: number[]; unflushedBytes: number } } | undefined): (ms: number) => void {
  return () => {
    const status = writer()?.status();
    if (status && status.frozenGenerations.length === 0) {
      throw new Error(`backpressure made a put wait with nothing frozen to flush (${status.unflushedBytes} unflushed bytes): it would wait forever`);
    }
  };
}
