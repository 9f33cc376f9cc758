/**
 * Flush: turning frozen memtables into committed generations. This module runs the
 * rounds and schedules their retries; the files and the manifest change are elsewhere.
 *
 * One *round* does, in this order:
 * 1. For every slot frozen without files when the round starts: write its files
 *    (write-files.ts: encode, then `data.parquet` and its key index in a fresh directory).
 *    A failure of one generation does not stop the next from being written ahead.
 * 2. Commit the longest run of frozen slots, from the oldest generation in memory,
 *    whose files are complete — in ONE shard-manifest commit (commit.ts). Generations are
 *    published in ascending order, so a reader without the writer's memtables
 *    always sees a prefix of the shard's history, never N+1 without N.
 * Both files exist before the manifest names them (invariant 7, Lance #9035).
 * The frozen memtables leave memory only when that commit succeeds (invariant 2);
 * until then they stay readable and keep counting toward `maxUnflushedBytes`.
 *
 * Rounds are serialised. The background loop retries with doubling backoff for
 * as long as the writer lives; an explicit `flush()` / `close()` gives up after
 * `flushRetry.maxAttempts` and throws the last error.
 */
import type { FlushedGeneration, Generation } from '@freshtier/core';
import type { ResolvedWriterOptions } from '../shard/options.js';
import type { MemtableSlot } from '../shard/memtable-slot.js';

/**
 * What the {@link Flusher} needs from its writer (`ShardWriter` implements it privately).
 *
 * @example
 * ```ts
 * const flusher = new Flusher({ slots: () => slots, writeFiles, commit, settle, fatal, failed, starting }, options);
 * ```
 */
export interface FlushHost {
  /** Slots in memory, ascending by generation. */
  slots(): readonly MemtableSlot[];
  /** Writes one frozen slot's files. */
  writeFiles(slot: MemtableSlot): Promise<FlushedGeneration>;
  /** Commits these slots (the oldest in memory, all with files) in one manifest version and drops them from memory. */
  commit(prefix: MemtableSlot[]): Promise<void>;
  /** Waits until no WAL write is in flight, so sealed slots become frozen. */
  settle(): Promise<void>;
  /** The error that stopped the writer (fenced, poisoned), if any. */
  fatal(): Error | undefined;
  /** Reports a failed step (the writer turns it into a `flush-failed` event). */
  failed(stage: 'write' | 'commit', generations: Generation[], attempt: number, error: unknown): void;
  /** Reports that a slot's files are about to be written. */
  starting(slot: MemtableSlot): void;
}

/** Outcome of one flush round. */
interface Round {
  committed: number;
  error: unknown;
}

/**
 * Runs flush rounds for one writer: in the background and on demand.
 *
 * @example
 * ```ts
 * const flusher = new Flusher(host, options);
 * flusher.kick();                    // after a freeze
 * await flusher.flushThrough(7);     // flush(): generations <= 7 committed, or throws
 * ```
 */
export class Flusher {
  /** The most recent flush failure (the cause of a `BackpressureError`). */
  lastError: unknown;
  private chain: Promise<unknown> = Promise.resolve();
  private looping = false;
  private stopped = false;
  private failures = 0;

  constructor(private readonly host: FlushHost, private readonly options: Pick<ResolvedWriterOptions, 'autoFlush' | 'flushRetry'>) {}

  /** Starts the background loop if there is frozen work and it is not running. */
  kick(): void {
    if (!this.options.autoFlush || this.looping || this.stopped) return;
    this.looping = true;
    // start after the current macrotask: a freeze happens inside a WAL group's completion, and
    // encoding a generation is long synchronous work that must not delay that group's acks
    setImmediate(() => void this.loop());
  }

  /** Stops background flushing (explicit flushes still work). */
  stop(): void {
    this.stopped = true;
  }

  /** Flushes until no generation <= `target` is in memory; throws the last error after `maxAttempts` failed rounds. */
  async flushThrough(target: Generation): Promise<void> {
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.options.flushRetry;
    const done = () => !this.host.slots().some((s) => s.generation <= target);
    let failedRounds = 0;
    let delay = initialDelayMs;
    for (;;) {
      await this.host.settle();
      this.throwIfFatal();
      if (done()) return;
      const round = await this.exclusive(() => this.round());
      this.throwIfFatal();
      if (done()) return;
      if (round.committed > 0) {
        failedRounds = 0;
        delay = initialDelayMs;
        continue;
      }
      if (++failedRounds >= maxAttempts) throw round.error ?? new Error(`generation ${target} could not be flushed: it is not frozen`);
      await sleep(delay, false);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }

  private async loop(): Promise<void> {
    let delay = this.options.flushRetry.initialDelayMs;
    try {
      while (!this.stopped && !this.host.fatal() && this.host.slots().some((s) => s.state === 'frozen')) {
        const round = await this.exclusive(() => this.round());
        if (round.error !== undefined) {
          await sleep(delay, true);
          delay = Math.min(delay * 2, this.options.flushRetry.maxDelayMs);
        } else if (round.committed === 0) {
          // the oldest generation is not frozen yet: its freeze kicks the loop again. A slot frozen
          // during this round (after its snapshot) was kicked while the loop ran: go on for it
          if (!this.host.slots().some((s) => s.state === 'frozen' && !s.files)) break;
        } else delay = this.options.flushRetry.initialDelayMs;
      }
    } finally {
      // reset in the same synchronous step as the last condition check, so no kick is lost
      this.looping = false;
    }
  }

  /** Runs `fn` after every earlier round finished: rounds never overlap. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async round(): Promise<Round> {
    let error: unknown;
    // only the slots frozen when the round starts: one frozen meanwhile waits for the next round, so the
    // commit below is not put off (and memory held) while puts keep freezing new generations
    const todo = this.host.slots().filter((s) => s.state === 'frozen' && !s.files);
    for (const slot of todo) {
      if (slot.files || this.host.fatal()) continue;
      try {
        this.host.starting(slot);
        slot.files = await this.host.writeFiles(slot);
      } catch (e) {
        error ??= e;
        this.noteFailure('write', [slot.generation], e);
      }
    }
    const prefix = committablePrefix(this.host.slots());
    if (prefix.length === 0 || this.host.fatal()) return { committed: 0, error };
    try {
      await this.host.commit(prefix);
      this.failures = 0;
      return { committed: prefix.length, error };
    } catch (e) {
      this.noteFailure('commit', prefix.map((s) => s.generation), e);
      return { committed: 0, error: error ?? e };
    }
  }

  private noteFailure(stage: 'write' | 'commit', generations: Generation[], error: unknown): void {
    this.lastError = error;
    this.failures++;
    this.host.failed(stage, generations, this.failures, error);
  }

  private throwIfFatal(): void {
    const fatal = this.host.fatal();
    if (fatal) throw fatal;
  }
}

/**
 * The oldest slots in memory, in order, while they are frozen and have files: what one commit publishes.
 *
 * @example
 * ```ts
 * const prefix = committablePrefix(state.slots); // [] when the oldest generation has no files yet
 * ```
 */
export function committablePrefix(slots: readonly MemtableSlot[]): MemtableSlot[] {
  const prefix: MemtableSlot[] = [];
  for (const s of slots) {
    if (s.state !== 'frozen' || !s.files) break;
    prefix.push(s);
  }
  return prefix;
}

function sleep(ms: number, unref: boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    // a background retry must not keep a process alive that forgot to close its writer
    if (unref) t.unref();
  });
}
