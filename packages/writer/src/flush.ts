/**
 * Flush: turning frozen memtables into committed generations.
 *
 * One *round* does, in this order:
 * 1. For every slot frozen without files when the round starts: encode it (core's
 *    `encodeGeneration`: dedup, sort by key, `_ft_` system columns; in a flush worker
 *    thread unless `flushInWorker` is off, see flush-pool.ts), create `data.parquet` in a
 *    fresh `gen-<g>-e<epoch>-<rand>/` directory, then its key index beside it. A failure of one
 *    generation does not stop the next from being written ahead.
 * 2. Commit the longest run of frozen slots, from the oldest generation in memory,
 *    whose files are complete — in ONE shard-manifest commit. Generations are
 *    published in ascending order, so a reader without the writer's memtables
 *    always sees a prefix of the shard's history, never N+1 without N.
 * Both files exist before the manifest names them (invariant 7, Lance #9035).
 * The frozen memtables leave memory only when that commit succeeds (invariant 2);
 * until then they stay readable and keep counting toward `maxUnflushedBytes`.
 *
 * Each attempt writes a new directory: files of a failed attempt are orphans
 * that no manifest names (GC removes them), never half-trusted leftovers. The
 * encoded bytes are kept (and counted as memory) until an upload succeeds, so a
 * store that keeps failing costs retries, not repeated encoding.
 *
 * Rounds are serialised. The background loop retries with doubling backoff for
 * as long as the writer lives; an explicit `flush()` / `close()` gives up after
 * `flushRetry.maxAttempts` and throws the last error.
 */
import {
  failpoint, keyIndexPathFor, layout,
  type FlushedGeneration, type Generation, type ObjectStore, type ShardId, type ShardManifest, type Table,
} from '@freshtier/core';
import { encodeInProcess, flushJob } from './flush-job.js';
import { sharedFlushPool } from './flush-pool.js';
import type { ResolvedWriterOptions } from './options.js';
import type { EncodedFiles, MemtableSlot } from './memtable-slot.js';

/**
 * Where and how generation files are written.
 *
 * @example
 * ```ts
 * const target: GenerationFileTarget = { store, table, shard: 0, epoch: 3, rowGroupSize: 65_536, compression: 'snappy' };
 * ```
 */
export interface GenerationFileTarget {
  readonly store: ObjectStore;
  readonly table: Table;
  readonly shard: ShardId;
  /** The writing writer's epoch: part of every directory name, so GC can tell a fenced writer's files (layout.ts). */
  readonly epoch: number;
  readonly rowGroupSize: number;
  readonly compression: ResolvedWriterOptions['compression'];
  /** Encode in a flush worker thread (flush-pool.ts); default false here, the writer passes its option. */
  readonly flushInWorker?: boolean;
}

/**
 * Writes a frozen slot's data file and key index; returns the manifest entry naming them.
 *
 * @example
 * ```ts
 * slot.files = await writeGenerationFiles({ store, table, shard: 0, epoch: 3, rowGroupSize: 65_536, compression: 'snappy' }, slot);
 * ```
 */
export async function writeGenerationFiles(target: GenerationFileTarget, slot: MemtableSlot): Promise<FlushedGeneration> {
  const m = slot.memtable;
  const encoded = (slot.encoded ??= await encodeFiles(target, slot));
  const path = layout.generationDir(target.shard, m.generation, target.epoch) + 'data.parquet';
  await createOnce(target.store, path, encoded.parquet);
  failpoint('flush:after-parquet');
  const keyIndexPath = encoded.keyIndex ? keyIndexPathFor(path) : undefined;
  if (keyIndexPath) await createOnce(target.store, keyIndexPath, encoded.keyIndex!);
  failpoint('flush:after-key-index');
  slot.encoded = undefined;
  return {
    generation: m.generation,
    file: { path, keyIndexPath, rows: encoded.rows, bytes: encoded.parquet.byteLength, rowGroupSize: target.rowGroupSize, pkMin: encoded.pkMin, pkMax: encoded.pkMax },
    batchRowOffsets: [...m.batchRowOffsets],
    walLast: slot.walLast,
    source: 'flush',
  };
}

async function encodeFiles(target: GenerationFileTarget, slot: MemtableSlot): Promise<EncodedFiles> {
  const m = slot.memtable;
  const options = { rowGroupSize: target.rowGroupSize, compression: target.compression };
  if (target.flushInWorker) {
    const { job, transfer } = flushJob(m, target.table.schema, options);
    // a big generation waits for a starting worker (a start is far shorter than its encoding here)
    const files = await sharedFlushPool().run(job, transfer, m.rowCount >= 50_000);
    if (files) return files; // undefined: no worker (ready) in this process
  }
  return encodeInProcess(m, target.table.schema, options);
}

async function createOnce(store: ObjectStore, path: string, bytes: Uint8Array): Promise<void> {
  // the directory name is random and fresh per attempt, so 'exists' can only be a name collision
  if ((await store.putIfAbsent(path, bytes)) === 'exists') throw new Error(`generation file ${path} already exists (random directory name collision); the flush will be retried`);
}

/**
 * Adds flushed generations to a manifest's `flushed` list, keeping it ascending.
 *
 * @example
 * ```ts
 * const flushed = mergeFlushed(doc.flushed, [gen7, gen8]);
 * ```
 */
export function mergeFlushed(existing: readonly FlushedGeneration[], added: readonly FlushedGeneration[]): FlushedGeneration[] {
  for (const g of added) {
    if (existing.some((e) => e.generation === g.generation)) throw new Error(`generation ${g.generation} is already in the shard manifest`);
  }
  return [...existing, ...added].sort((a, b) => a.generation - b.generation);
}

/** What a flush commit changes in the shard manifest. */
export interface FlushChange {
  readonly files: readonly FlushedGeneration[];
  /** The committing writer's epoch. */
  readonly epoch: number;
  /** Above every generation the writer assigned. */
  readonly nextGeneration: Generation;
  /** The replay point after this commit (see `replayPoint`); the manifest's never moves back. */
  readonly replayAfter: number;
}

/**
 * The next shard manifest after publishing `change.files`. Files an earlier
 * attempt already published (its acknowledgement was lost) are not added twice.
 *
 * @example
 * ```ts
 * const next = withFlushed(latest, { files: [gen7], epoch: 3, nextGeneration: 9, replayAfter: 41 });
 * ```
 */
export function withFlushed(doc: ShardManifest, change: FlushChange): ShardManifest {
  const added = change.files.filter((f) => !isPublished(doc, f));
  return {
    ...doc,
    epoch: change.epoch,
    flushed: mergeFlushed(doc.flushed, added),
    nextGeneration: Math.max(doc.nextGeneration, change.nextGeneration),
    replayAfter: Math.max(doc.replayAfter, change.replayAfter),
    committedAt: new Date().toISOString(),
    note: `flush generation(s) ${change.files.map((f) => f.generation).join(', ')}`,
  };
}

/**
 * Whether `doc` already names this generation file.
 *
 * @example
 * ```ts
 * if (files.every((f) => isPublished(latest, f))) console.log('already committed');
 * ```
 */
export function isPublished(doc: ShardManifest, g: FlushedGeneration): boolean {
  return doc.flushed.some((f) => f.file.path === g.file.path);
}

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

/** The oldest slots in memory, in order, while they are frozen and have files. */
function committablePrefix(slots: readonly MemtableSlot[]): MemtableSlot[] {
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
