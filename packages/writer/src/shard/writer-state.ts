/**
 * The state a `ShardWriter` keeps, in one place, changed only by the named
 * transitions below; the writer orchestrates (WAL, flusher, backpressure, events)
 * around them.
 *
 * State: the generations in memory (`MemtableSlot`s ascending by generation, the last
 * one active, the others sealed or frozen), the highest generation assigned, the
 * highest WAL position whose records are accounted for in their slots, and whether
 * the writer is open, closing or closed, or stopped by a fatal error (fenced or poisoned).
 *
 * Transitions (each one synchronous, so a reader or a commit never sees half of one):
 * - `load` (replay-load): the replayed generations, frozen, and a fresh active one;
 * - `reserve` / `append` / `logged`: a put takes the active generation's next batch
 *   index, its batch enters the memtable, its WAL entry is recorded;
 * - `freeze`: the active generation is sealed and the next one opens;
 * - `takeForIngest`: the empty active generation becomes an ingest's (invariant 9);
 * - `commitChange` / `committed` (flush-start and flush-commit): what a flush commit
 *   publishes, then the committed generations leave memory (invariant 2: only then);
 * - `beginClose` / `finishClose` / `poison`: the end of the writer.
 * Flushing a frozen generation's files is the slot's own state (`MemtableSlot.files`).
 */
import {
  WriterClosedError, WriterPoisonedError, isFreshtierError,
  type FlushedGeneration, type FreshtierError, type Generation, type MemtableRef, type ShardId,
} from '@freshtier/core';
import type { PreparedBatch } from './batches.js';
import { MemtableSlot, replayPoint } from './memtable-slot.js';
import type { ReplayResult } from './replay.js';

/**
 * A batch accepted by `put`/`delete`, with the coordinate it reserved.
 *
 * @example
 * ```ts
 * const record: PendingRecord = state.reserve(prepared);
 * ```
 */
export interface PendingRecord {
  readonly slot: MemtableSlot;
  readonly batchIndex: number;
  readonly prepared: PreparedBatch;
}

/**
 * A point-in-time summary of a writer, for the CLI, metrics and tests.
 *
 * @example
 * ```ts
 * const { state, frozenGenerations, unflushedBytes } = writer.status();
 * ```
 */
export interface ShardWriterStatus {
  readonly shard: ShardId;
  readonly epoch: number;
  readonly activeGeneration: Generation;
  /** Generations in memory that are sealed or frozen (not yet committed), ascending. */
  readonly frozenGenerations: Generation[];
  readonly unflushedBytes: number;
  /** Highest WAL position whose records are in memory or committed. */
  readonly walLoggedThrough: number;
  readonly manifestVersion: number;
  readonly replayAfter: number;
  readonly state: WriterLifecycle;
}

/**
 * Where a writer is in its life (`ShardWriterStatus.state`).
 *
 * @example
 * ```ts
 * if (state.lifecycle === 'fenced') console.log('another writer took the shard');
 * ```
 */
export type WriterLifecycle = 'open' | 'closed' | 'fenced' | 'poisoned';

/**
 * The writer's state and its transitions (see the module doc).
 *
 * @example
 * ```ts
 * const state = WriterState.load(0, true, replayed, manifest.nextGeneration, fencePosition);
 * const record = state.reserve(prepared);
 * if (state.append(record, -1)) flusher.kick(); // the slot froze
 * ```
 */
export class WriterState {
  private list: MemtableSlot[];
  private highestAssigned: Generation;
  private loggedPosition: number;
  private fatalError: FreshtierError | undefined;
  private closing = false;
  private closeDone = false;

  private constructor(private readonly shard: ShardId, private readonly keyed: boolean, slots: MemtableSlot[], highest: Generation, logged: number) {
    this.list = slots;
    this.highestAssigned = highest;
    this.loggedPosition = logged;
  }

  /**
   * replay-load: the replayed generations (frozen) and an active one above them and the
   * manifest's `nextGeneration`; WAL records are accounted for through the fence entry.
   *
   * @example
   * ```ts
   * const state = WriterState.load(shard, !table.appendOnly, replayed, head.doc.nextGeneration, fencePosition);
   * ```
   */
  static load(shard: ShardId, keyed: boolean, replayed: Pick<ReplayResult, 'slots' | 'highestGeneration'>, nextGeneration: Generation, fencePosition: number): WriterState {
    const active = Math.max(nextGeneration, replayed.highestGeneration + 1);
    return new WriterState(shard, keyed, [...replayed.slots, MemtableSlot.active(shard, active, keyed)], active, fencePosition);
  }

  /** The generations in memory, ascending; the last is active. */
  get slots(): readonly MemtableSlot[] {
    return this.list;
  }

  get active(): MemtableSlot {
    return this.list[this.list.length - 1];
  }

  /** Generations in memory that are sealed or frozen (not yet committed), ascending. */
  get frozenGenerations(): Generation[] {
    return this.list.filter((s) => s.state !== 'active').map((s) => s.generation);
  }

  get unflushedBytes(): number {
    let total = 0;
    for (const s of this.list) total += s.unflushedBytes;
    return total;
  }

  /** Highest WAL position whose records were applied or noted in their slots. */
  get loggedThrough(): number {
    return this.loggedPosition;
  }

  /** Nothing in memory but an empty active generation. */
  get drained(): boolean {
    return this.list.length === 1 && this.active.isEmpty;
  }

  /** Some generation in memory holds a batch (appended or reserved). */
  get holdsData(): boolean {
    return this.list.some((s) => !s.isEmpty);
  }

  get fatal(): FreshtierError | undefined {
    return this.fatalError;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** `close()` finished: everything was flushed, or a stopped writer held nothing. */
  get closeFinished(): boolean {
    return this.closeDone;
  }

  get lifecycle(): WriterLifecycle {
    if (this.closing) return 'closed';
    if (!this.fatalError) return 'open';
    return isFreshtierError(this.fatalError, 'SHARD_FENCED') ? 'fenced' : 'poisoned';
  }

  /** Why the writer takes no more writes, if it does not: closed, fenced or poisoned. */
  stopReason(): FreshtierError | undefined {
    return this.closing ? new WriterClosedError(this.shard) : this.fatalError;
  }

  assertWritable(): void {
    const reason = this.stopReason();
    if (reason) throw reason;
  }

  /** The memtables in memory with their visible batch counts, captured in one step. */
  refs(): MemtableRef[] {
    return this.list.map((s) => ({ memtable: s.memtable, batchCount: s.memtable.batchCount }));
  }

  /** reserve: the active generation's next batch index, for a batch accepted now. */
  reserve(prepared: PreparedBatch): PendingRecord {
    const slot = this.active;
    return { slot, batchIndex: slot.reserve(prepared), prepared };
  }

  /** append: a reserved batch enters its memtable (`walPosition` -1: not logged yet); true if its slot just froze. */
  append(record: PendingRecord, walPosition: number): boolean {
    return record.slot.apply(record.prepared, record.batchIndex, walPosition);
  }

  /**
   * logged: the WAL entry at `position` holds `records`; they are appended now (`append`,
   * durable mode) or were already (noted). One step: a commit never sees `loggedThrough`
   * past records not yet accounted for in a slot. True if a slot froze.
   */
  logged(records: readonly PendingRecord[], position: number, append: boolean): boolean {
    let froze = false;
    for (const r of records) {
      if (append) froze = this.append(r, position) || froze;
      else r.slot.noteLogged(position);
    }
    this.loggedPosition = position;
    return froze;
  }

  /** freeze: seals the active generation (if it holds anything) and opens the next, sized after it. */
  freeze(limits: { readonly maxBytes: number; readonly maxRows: number }): { slot: MemtableSlot; frozeNow: boolean } | undefined {
    const slot = this.active;
    if (slot.isEmpty) return undefined;
    const next = MemtableSlot.active(this.shard, slot.generation + 1, this.keyed, slot.successorHint(limits.maxBytes, limits.maxRows));
    this.highestAssigned = next.generation;
    this.list.push(next);
    return { slot, frozeNow: slot.seal() };
  }

  /** ingest: when `drained`, the empty active generation becomes the ingest's (sealed, frozen, with its files); the next opens. */
  takeForIngest(files: Omit<FlushedGeneration, 'generation'>): MemtableSlot {
    const slot = this.active;
    slot.seal();
    slot.files = { ...files, generation: slot.generation };
    this.list.push(MemtableSlot.active(this.shard, slot.generation + 1, this.keyed));
    this.highestAssigned = slot.generation + 1;
    return slot;
  }

  /** flush-start: what committing `prefix` sets besides its files (invariant 6: `replayPoint`). */
  commitChange(prefix: readonly MemtableSlot[]): { nextGeneration: Generation; replayAfter: number } {
    const uncommitted = this.list.filter((s) => !prefix.includes(s));
    return { nextGeneration: this.highestAssigned + 1, replayAfter: replayPoint(uncommitted, this.loggedPosition) };
  }

  /** flush-commit: the committed generations leave memory (invariant 2: only once their commit succeeded). */
  committed(prefix: readonly MemtableSlot[]): void {
    this.list = this.list.filter((s) => !prefix.includes(s));
  }

  /** close: no more writes. */
  beginClose(): void {
    this.closing = true;
  }

  finishClose(): void {
    this.closeDone = true;
  }

  /**
   * poison: stops the writer for good with `error` (a fence or poisoning as it is, anything
   * else wrapped in `WriterPoisonedError`). The first error wins; `now` is false if it was stopped already.
   */
  poison(error: unknown): { fatal: FreshtierError; now: boolean } {
    if (this.fatalError) return { fatal: this.fatalError, now: false };
    const known = isFreshtierError(error, 'SHARD_FENCED') || isFreshtierError(error, 'WRITER_POISONED');
    this.fatalError = known ? (error as FreshtierError) : new WriterPoisonedError(this.shard, 'an unexpected error', error);
    return { fatal: this.fatalError, now: true };
  }
}
