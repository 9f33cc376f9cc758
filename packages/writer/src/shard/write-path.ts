/**
 * The write path of a `ShardWriter` (DESIGN.md "Write path"): how a checked batch
 * gets into memory and the WAL.
 *
 * 1. Admission: wait while an ingest commits (invariant 9), then while memory is over
 *    `maxUnflushedBytes` (backpressure.ts); without a wait, the reservation happens in
 *    the `put()` call itself, so puts reserve in call order.
 * 2. Reservation of `(generation, batchIndex)` in the active generation (`WriterState.reserve`).
 * 3. Durability: `durable` — the group's WAL entry is written (group-commit.ts,
 *    wal-appender.ts), then the batches enter their memtables and the put resolves
 *    (invariant 5); `async` — the batch enters now, the put resolves, the group is logged
 *    within `walFlushIntervalMs` (a failed WAL write stops the writer); `none` — no WAL.
 *    Up to `walWindow` entries are written at once, each at the next position, and they
 *    settle in position order: a group's batches enter their memtables (and its puts
 *    resolve) only after every earlier entry did, so memtables take batches in the order
 *    their indexes were reserved, and the memtable takes one group while the next syncs.
 *    A failed entry fails it and every later one (none of them acked): the writer stops.
 * 4. Freeze on bytes, rows or batches: the active generation is sealed, the next opens.
 * Each step is a `WriterState` transition; this module adds the WAL, backpressure,
 * events and the flusher's kick around them.
 */
import type { FreshtierError, Generation, ShardId, WalRecord } from '@freshtier/core';
import { BackpressureGate } from './backpressure.js';
import type { PreparedBatch } from './batches.js';
import type { FreezeReason, WriterEventBody } from './events.js';
import { GroupCommitter } from './group-commit.js';
import type { IngestGate } from './ingest-commit.js';
import type { MemtableSlot } from './memtable-slot.js';
import type { ResolvedWriterOptions } from './options.js';
import { WalAppender, walWindowOf, type WalTable } from './wal.js';
import type { PendingRecord, WriterState } from './writer-state.js';

/**
 * What the write path needs from its writer.
 *
 * @example
 * ```ts
 * const host: WritePathHost = { state, options, ingestGate, kick: () => flusher.kick(), lastFlushError: () => flusher.lastError, emit, die };
 * ```
 */
export interface WritePathHost {
  readonly state: WriterState;
  readonly options: ResolvedWriterOptions;
  readonly ingestGate: IngestGate;
  /** Something froze: start the background flush. */
  kick(): void;
  /** The cause of a `BackpressureError`. */
  lastFlushError(): unknown;
  emit(event: WriterEventBody): void;
  /** Stops the writer for good (a failed WAL write); returns the error later calls fail with. */
  die(error: unknown): FreshtierError;
}

/**
 * Puts and deletes into memory and the WAL (see the module doc).
 *
 * @example
 * ```ts
 * const writes = new WritePath(host, { wal: table, shard: 0, epoch: 3, fencePosition: 41 });
 * await writes.accept(preparePut(table, 0, batch));
 * ```
 */
export class WritePath {
  private readonly wal: WalAppender;
  private readonly committer: GroupCommitter<PendingRecord, number> | undefined;
  private readonly gate: BackpressureGate;

  constructor(private readonly host: WritePathHost, at: { wal: WalTable; shard: ShardId; epoch: number; fencePosition: number }) {
    const { options } = host;
    this.wal = new WalAppender(at.wal, at.shard, at.epoch, at.fencePosition);
    this.committer = options.durability === 'none' ? undefined : new GroupCommitter<PendingRecord, number>({
      write: (records) => this.wal.append(records.map(toWalRecord)),
      settled: (records, position) => this.logged(records, position),
      onFailure: (e) => host.die(e),
      sizeOf: (r) => r.prepared.bytes,
      maxGroupBytes: options.maxWalEntryBytes,
      lingerMs: options.durability === 'async' ? options.walFlushIntervalMs : 0,
      maxInFlight: walWindowOf(at.wal, options.walWindow),
    });
    this.gate = new BackpressureGate(at.shard, { limit: options.maxUnflushedBytes, graceMs: options.backpressureGraceMs }, {
      unflushedBytes: () => host.state.unflushedBytes,
      relieve: () => this.relieveMemory(),
      lastFlushError: () => host.lastFlushError(),
      stopped: () => host.state.stopReason(),
    }, options.clock);
  }

  /** Admits (maybe after backpressure), reserves, and logs/applies a checked batch. */
  accept(prepared: PreparedBatch): Promise<void> {
    const { state } = this.host;
    if (prepared.rows === 0) return Promise.resolve();
    const ingesting = this.host.ingestGate.pending;
    if (ingesting) return ingesting.then(() => (state.assertWritable(), this.accept(prepared))); // resumes in call order
    // without backpressure the reservation happens inside the put() call itself, so puts reserve in call order
    if (!this.gate.mustWait()) return this.enter(prepared);
    return this.gate.admit().then(() => {
      state.assertWritable();
      return this.enter(prepared);
    });
  }

  /** Seals the active memtable and opens the next generation (`WriterState.freeze`); the frozen generation, if any. */
  freeze(reason: FreezeReason): Generation | undefined {
    const { options, state } = this.host;
    const frozen = state.freeze({ maxBytes: options.maxMemtableBytes, maxRows: options.maxMemtableRows });
    if (!frozen) return undefined;
    const { slot } = frozen;
    this.host.emit({ type: 'freeze', generation: slot.generation, reason, rows: slot.projectedRows, bytes: slot.unflushedBytes });
    if (frozen.frozeNow) this.host.kick();
    return slot.generation;
  }

  /** Waits until no WAL write is in flight (sealed generations become frozen). */
  settle(): Promise<void> {
    return this.committer?.drain() ?? Promise.resolve();
  }

  /** A flush committed: puts waiting for memory re-check. */
  progress(): void {
    this.gate.progress();
  }

  /** The writer closes or stops: puts waiting for memory wake up (and fail). */
  wake(): void {
    this.gate.wake();
  }

  /** The writer stopped: WAL groups not written yet fail with `fatal`. */
  fail(fatal: FreshtierError): void {
    this.committer?.fail(fatal);
  }

  private enter(prepared: PreparedBatch): Promise<void> {
    const { state } = this.host;
    const record = state.reserve(prepared);
    const durable = this.host.options.durability === 'durable';
    if (!durable) {
      if (state.append(record, -1)) this.host.kick();
      // async: acked now; a failed WAL write kills the writer (see writeGroup), so the rejection is handled there
      if (this.committer) this.committer.enqueue(record).catch(() => undefined);
    }
    this.freezeIfFull(record.slot);
    return durable ? this.committer!.enqueue(record) : Promise.resolve();
  }

  /** A group's WAL entry at `position` settled (in position order); durable mode now appends its batches to their memtables. */
  private logged(records: PendingRecord[], position: number): void {
    if (this.host.state.logged(records, position, this.host.options.durability === 'durable')) this.host.kick();
  }

  private freezeIfFull(slot: MemtableSlot): void {
    if (slot !== this.host.state.active) return;
    const o = this.host.options;
    const reason: FreezeReason | undefined =
      slot.memoryBytes >= o.maxMemtableBytes ? 'bytes' // memory, spare capacity included; backpressure counts held data
        : slot.projectedRows >= o.maxMemtableRows ? 'rows'
          : slot.projectedBatches >= o.maxMemtableBatches ? 'batches' : undefined;
    if (reason) this.freeze(reason);
  }

  /**
   * Backpressure: flushing needs something frozen. When the active memtable is all that is in memory
   * it is frozen (it holds the data: an empty one counts 0 bytes, so no put waits on it); otherwise
   * older generations are sealed or frozen already, and the put re-checks after their flush commits.
   */
  private relieveMemory(): void {
    if (this.host.state.slots.length === 1) this.freeze('backpressure');
    this.host.kick();
  }
}

function toWalRecord(r: PendingRecord): WalRecord {
  return { generation: r.slot.generation, batchIndex: r.batchIndex, op: r.prepared.op, batch: r.prepared.batch };
}
