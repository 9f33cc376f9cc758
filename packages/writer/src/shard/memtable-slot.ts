/**
 * The writer's bookkeeping around one generation's core `Memtable`: its
 * lifecycle (active → sealed → frozen → committed), batches reserved but not
 * yet appended, the WAL positions holding its batches, and the files written
 * for it while they await the manifest commit.
 *
 * Why "reserved": in durable mode a batch enters the memtable only after its
 * WAL entry is persisted (a reader must never see a row a crash could lose), yet
 * the entry must already name the batch's coordinate `(generation, batchIndex)`.
 * So a put reserves the next batch index when it is accepted and appends when
 * its group is written. Several groups may be written at once, but they settle in
 * position order (group-commit.ts), so appends happen in reservation order and each
 * gets exactly the index it reserved.
 *
 * Why "sealed": a freeze can happen while reserved batches are still in flight.
 * The slot then stops taking reservations at once (new puts go to the next
 * generation), and becomes frozen — `Memtable.freeze()` — when the last
 * reserved batch has been appended. Flushing only takes frozen slots.
 */
import { Memtable, type FlushedGeneration, type Generation, type ShardId } from '@freshtier/core';
import type { PreparedBatch } from './batches.js';

/**
 * A generation's files, encoded and ready to upload.
 *
 * @example
 * ```ts
 * if (slot.encoded) console.log('retrying upload of', slot.encoded.parquet.byteLength, 'bytes');
 * ```
 */
export interface EncodedFiles {
  readonly parquet: Uint8Array;
  /** Absent on append-only tables. */
  readonly keyIndex: Uint8Array | undefined;
  readonly rows: number;
  readonly pkMin: string | undefined;
  readonly pkMax: string | undefined;
}

/**
 * Where a slot is in its lifecycle; committed slots are dropped from the writer.
 *
 * @example
 * ```ts
 * const flushable = slots.filter((s) => s.state === 'frozen');
 * ```
 */
export type SlotState = 'active' | 'sealed' | 'frozen';

/**
 * One generation held in memory by a writer.
 *
 * @example
 * ```ts
 * const slot = MemtableSlot.active(0, 5, true);
 * const i = slot.reserve(prepared);                 // at put time
 * slot.apply(prepared, i, walPosition);             // after the WAL entry is persisted
 * ```
 */
export class MemtableSlot {
  readonly memtable: Memtable;
  /** Files written for this generation, awaiting the manifest commit that publishes them. */
  files: FlushedGeneration | undefined;
  /** The encoded files, kept while their upload fails so a retry does not encode again (counted as memory). */
  encoded: EncodedFiles | undefined;
  private stateValue: SlotState = 'active';
  private pendingBatches = 0;
  private pendingRows = 0;
  private pendingBytes = 0;
  private firstLogged = -1;
  private lastLogged = -1;

  constructor(memtable: Memtable) {
    this.memtable = memtable;
  }

  /**
   * A new, empty active slot.
   *
   * @example
   * ```ts
   * const active = MemtableSlot.active(0, 7, !table.appendOnly);
   * ```
   */
  static active(shard: ShardId, generation: Generation, keyed: boolean, expected?: { keys: number; rows: number }): MemtableSlot {
    return new MemtableSlot(new Memtable(shard, generation, keyed, expected));
  }

  /**
   * What the generation after this one may expect to hold (`Memtable`'s size hint): as many
   * keys and rows as this one, but its preallocated index at most a third of `maxBytes`
   * (about 10 bytes per expected key and row: 4 / 0.75 of key-index slots, a 4-byte version link
   * and a bit), so a small memtable limit never freezes on the hint alone.
   */
  successorHint(maxBytes: number, maxRows: number): { keys: number; rows: number } {
    const cap = Math.min(maxRows, Math.floor(maxBytes / 3 / 10));
    return { keys: Math.min(this.memtable.keyCount, cap), rows: Math.min(this.projectedRows, cap) };
  }

  /**
   * Wraps a memtable rebuilt by replay; it is frozen at once (replayed generations are only flushed).
   *
   * @example
   * ```ts
   * const slot = MemtableSlot.replayed(memtable, 12, 19);
   * ```
   */
  static replayed(memtable: Memtable, walFirst: number, walLast: number): MemtableSlot {
    const slot = new MemtableSlot(memtable);
    slot.firstLogged = walFirst;
    slot.lastLogged = walLast;
    slot.seal();
    return slot;
  }

  get generation(): Generation {
    return this.memtable.generation;
  }

  get state(): SlotState {
    return this.stateValue;
  }

  /** No batch appended or reserved. */
  get isEmpty(): boolean {
    return this.memtable.batchCount + this.pendingBatches === 0;
  }

  /** Batches, rows and bytes including reserved ones: what freeze thresholds look at. */
  get projectedBatches(): number {
    return this.memtable.batchCount + this.pendingBatches;
  }

  get projectedRows(): number {
    return this.memtable.rowCount + this.pendingRows;
  }

  /**
   * Data held or about to be held, counted toward `maxUnflushedBytes` until the generation is
   * committed: the memtable's `heldBytes` (batches and their key-index entries), reserved batches,
   * and encoded files awaiting upload. Capacity allocated ahead holds nothing and is not counted:
   * an empty slot counts 0, so backpressure never waits on what no freeze or flush can release.
   */
  get unflushedBytes(): number {
    return this.memtable.heldBytes + this.pendingBytes + this.encodedBytes;
  }

  /**
   * Memory taken, spare capacity included (the memtable's `byteSize`, reserved batches, encoded
   * files): what freezing on `maxMemtableBytes` bounds.
   */
  get memoryBytes(): number {
    return this.memtable.byteSize + this.pendingBytes + this.encodedBytes;
  }

  private get encodedBytes(): number {
    return this.encoded ? this.encoded.parquet.byteLength + (this.encoded.keyIndex?.byteLength ?? 0) : 0;
  }

  /** Lowest / highest WAL position holding a batch of this generation (-1: none logged yet). */
  get walFirst(): number {
    return this.firstLogged;
  }

  get walLast(): number {
    return this.lastLogged;
  }

  /** Reserves the next batch index for `batch`. Only the active slot takes reservations. */
  reserve(batch: PreparedBatch): number {
    if (this.stateValue !== 'active') throw new Error(`generation ${this.generation} is ${this.stateValue}; reservations go to the active memtable`);
    const index = this.memtable.batchCount + this.pendingBatches;
    this.pendingBatches++;
    this.pendingRows += batch.rows;
    this.pendingBytes += batch.bytes;
    return index;
  }

  /**
   * Appends a reserved batch (`walPosition` -1 when not logged yet). Returns true
   * if this was the last batch a sealed slot waited for, i.e. the slot just froze.
   */
  apply(batch: PreparedBatch, batchIndex: number, walPosition: number): boolean {
    const got = this.memtable.append(batch.batch, batch.op, batch.keys, walPosition);
    if (got !== batchIndex) throw new Error(`generation ${this.generation}: batch reserved as ${batchIndex} was appended as ${got}`);
    this.pendingBatches--;
    this.pendingRows -= batch.rows;
    this.pendingBytes -= batch.bytes;
    if (walPosition >= 0) this.noteLogged(walPosition);
    return this.finishFreeze();
  }

  /** Records that a batch of this generation is held by the WAL entry at `position`. */
  noteLogged(position: number): void {
    if (this.firstLogged < 0 || position < this.firstLogged) this.firstLogged = position;
    if (position > this.lastLogged) this.lastLogged = position;
  }

  /** Stops reservations. Returns true if the slot froze at once (nothing in flight). */
  seal(): boolean {
    if (this.stateValue !== 'active') return false;
    this.stateValue = 'sealed';
    return this.finishFreeze();
  }

  private finishFreeze(): boolean {
    if (this.stateValue !== 'sealed' || this.pendingBatches > 0) return false;
    this.memtable.freeze();
    this.stateValue = 'frozen';
    return true;
  }
}

/**
 * The replay point after a commit (DESIGN.md invariant 6): the WAL position just
 * below the lowest entry still needed by an uncommitted generation in memory, or
 * `lastWritten` when none needs any. Entries still in flight land above
 * `lastWritten`, so they are never passed either. Never past an uncommitted
 * generation's entries, whatever committed after it (Lance #8293).
 *
 * @example
 * ```ts
 * const replayAfter = replayPoint(uncommittedSlots, wal.lastWritten);
 * ```
 */
export function replayPoint(uncommitted: Iterable<MemtableSlot>, lastWritten: number): number {
  let lowest = lastWritten + 1;
  for (const slot of uncommitted) if (slot.walFirst >= 0 && slot.walFirst < lowest) lowest = slot.walFirst;
  return lowest - 1;
}
