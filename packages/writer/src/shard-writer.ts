/**
 * `ShardWriter`: the one live writer of a shard. It accepts puts and deletes
 * into the active memtable, logs them to the WAL, freezes memtables on size,
 * flushes frozen ones into committed generations, and hands its memtables to
 * readers (`inMemoryMemtableRefs`, core's `MemtableSource`).
 *
 * The pieces live in their own modules — options, fencing, WAL, group commit,
 * replay, flush, backpressure; this class owns the state they share: the slots
 * in memory (ascending by generation, the last one active), the cached shard
 * manifest head, the highest WAL position whose records are accounted for, and
 * the fatal error once the writer is fenced or poisoned.
 */
import { randomUUID } from 'node:crypto';
import {
  WriterClosedError, WriterPoisonedError, failpoint, isFreshtierError,
  type FreshtierError, type Generation, type MemtableSource, type ShardId, type ShardMemtableRefs, type Table, type WalRecord,
} from '@freshtier/core';
import type { RecordBatch } from 'apache-arrow';
import { BackpressureGate } from './backpressure.js';
import { prepareDelete, preparePut, type PreparedBatch } from './batches.js';
import { emitEvent, type FreezeReason, type WriterEvent, type WriterEventBody } from './events.js';
import { claimEpoch, commitGuarded, type ShardHead } from './fencing.js';
import { cancelPendingRollback } from './rollback-pending.js';
import { Flusher, isPublished, withFlushed, writeGenerationFiles, type FlushHost } from './flush.js';
import { sharedFlushPool } from './flush-pool.js';
import { GroupCommitter } from './group-commit.js';
import { writeIngestFiles, type IngestFiles, type IngestResult, type IngestSource } from './ingest.js';
import { MemtableSlot, replayPoint } from './memtable-slot.js';
import { parseWriterOptions, type Durability, type ResolvedWriterOptions, type ShardWriterOptions } from './options.js';
import { durableGenerations, replayWal, type ReplayResult } from './replay.js';
import { WalAppender, listWal, quarantineTornTail, writeFence } from './wal.js';

/** A batch accepted by `put`/`delete`, with the coordinate it reserved. */
interface PendingRecord {
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
  readonly state: 'open' | 'closed' | 'fenced' | 'poisoned';
}

/**
 * The writer of one shard. Open it with {@link ShardWriter.open}; it fences any
 * previous writer of the shard and replays the WAL.
 *
 * @example
 * ```ts
 * const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable' });
 * await writer.put(batch);           // resolves once the batch is in the WAL and the memtable
 * await writer.delete(keyBatch);     // tombstones
 * const refs = writer.inMemoryMemtableRefs(); // for a scanner
 * await writer.close();              // flushes everything, throws if it cannot
 * ```
 */
export class ShardWriter implements MemtableSource {
  readonly shard: ShardId;
  readonly epoch: number;
  readonly durability: Durability;
  private readonly wal: WalAppender;
  private readonly committer: GroupCommitter<PendingRecord> | undefined;
  private readonly flusher: Flusher;
  private readonly gate: BackpressureGate;
  private slots: MemtableSlot[];
  private head: ShardHead;
  private headStale = false;
  private highestAssigned: Generation;
  /** Highest WAL position whose records were applied or noted in their slots (starts at the fence). */
  private loggedThrough: number;
  private fatalError: FreshtierError | undefined;
  private closed = false;
  private closeDone = false;
  private flushWorkerHeld = false;
  /** Set while an ingest commits: puts and deletes wait for it (invariant 9). */
  private writeGate: Promise<void> | undefined;

  private constructor(private readonly table: Table, private readonly options: ResolvedWriterOptions, head: ShardHead, fencePosition: number, replayed: ReplayResult) {
    this.shard = options.shard;
    this.epoch = head.doc.epoch;
    this.durability = options.durability;
    this.head = head;
    this.loggedThrough = fencePosition;
    this.wal = new WalAppender(table.store, this.shard, this.epoch, fencePosition);
    const active = Math.max(head.doc.nextGeneration, replayed.highestGeneration + 1);
    this.slots = [...replayed.slots, MemtableSlot.active(this.shard, active, !table.appendOnly)];
    this.highestAssigned = active;
    this.committer = this.durability === 'none' ? undefined : new GroupCommitter<PendingRecord>({
      write: (records) => this.writeGroup(records),
      sizeOf: (r) => r.prepared.bytes,
      maxGroupBytes: options.maxWalEntryBytes,
      lingerMs: this.durability === 'async' ? options.walFlushIntervalMs : 0,
    });
    this.flusher = new Flusher(this.flushHost(), options);
    this.gate = new BackpressureGate(this.shard, { limit: options.maxUnflushedBytes, graceMs: options.backpressureGraceMs }, {
      unflushedBytes: () => this.unflushedBytes,
      relieve: () => this.relieveMemory(),
      lastFlushError: () => this.flusher.lastError,
      stopped: () => (this.closed ? new WriterClosedError(this.shard) : this.fatalError),
    }, options.clock);
    for (const s of replayed.slots) this.emit({ type: 'freeze', generation: s.generation, reason: 'replay', rows: s.memtable.rowCount, bytes: s.unflushedBytes });
  }

  /**
   * Opens the writer of `options.shard`: validates the options (nothing is
   * claimed if they are bad), claims the next epoch, moves a corrupt final WAL
   * entry aside, writes a fence entry at the WAL tip, and replays the WAL into
   * frozen memtables, which are then flushed in the background.
   *
   * @example
   * ```ts
   * const writer = await ShardWriter.open(table, { shard: 2, durability: 'async', walFlushIntervalMs: 5 });
   * ```
   */
  static async open(table: Table, options: ShardWriterOptions): Promise<ShardWriter> {
    const opts = parseWriterOptions(table, options);
    const { store } = table;
    const claimed = await claimEpoch(table, opts.shard, randomUUID());
    const { epoch, replayAfter } = claimed.doc;
    await cancelPendingRollback(table, `writer of shard ${opts.shard} (epoch ${epoch})`); // before any ack: see rollback-pending.ts
    const emit = (e: WriterEventBody) => emitEvent(opts.onEvent, { shard: opts.shard, epoch, ...e } as WriterEvent);
    const listed = await listWal(store, opts.shard, replayAfter);
    for (const quarantined of await quarantineTornTail(store, opts.shard, epoch, listed)) emit({ type: 'wal-quarantined', ...quarantined });
    const tip = Math.max(replayAfter, listed.length > 0 ? listed[listed.length - 1].position : -1);
    const fencePosition = await writeFence(store, opts.shard, epoch, tip + 1);
    const durable = await durableGenerations(table, claimed);
    const replayed = await replayWal({
      store, table, shard: opts.shard, epoch, after: replayAfter, isDurable: durable,
      onProgress: (entriesDone, entriesTotal, position) => emit({ type: 'replay-progress', entriesDone, entriesTotal, position }),
    });
    const writer = new ShardWriter(table, opts, claimed, fencePosition, replayed);
    if (opts.flushInWorker) writer.holdFlushWorker();
    writer.flusher.kick();
    return writer;
  }

  /**
   * The active memtable's generation.
   *
   * @example
   * ```ts
   * const g = writer.activeGeneration; writer.freeze(); // now g is frozen and g + 1 is active
   * ```
   */
  get activeGeneration(): Generation {
    return this.active.generation;
  }

  /**
   * Data held by memtables not yet committed — batches and their key-index entries, never
   * capacity allocated ahead (an empty memtable holds 0): what backpressure limits.
   *
   * @example
   * ```ts
   * metrics.gauge('unflushed_bytes', writer.unflushedBytes);
   * ```
   */
  get unflushedBytes(): number {
    let total = 0;
    for (const s of this.slots) total += s.unflushedBytes;
    return total;
  }

  /**
   * The shard manifest as this writer last committed or loaded it.
   *
   * @example
   * ```ts
   * writer.manifest.doc.flushed.map((f) => f.generation);
   * ```
   */
  get manifest(): ShardHead {
    return this.head;
  }

  /**
   * A summary of the writer's state.
   *
   * @example
   * ```ts
   * console.log(writer.status().frozenGenerations);
   * ```
   */
  status(): ShardWriterStatus {
    const state = this.closed ? 'closed' : !this.fatalError ? 'open' : isFreshtierError(this.fatalError, 'SHARD_FENCED') ? 'fenced' : 'poisoned';
    return {
      shard: this.shard, epoch: this.epoch, activeGeneration: this.activeGeneration,
      frozenGenerations: this.slots.filter((s) => s.state !== 'active').map((s) => s.generation),
      unflushedBytes: this.unflushedBytes, walLoggedThrough: this.loggedThrough,
      manifestVersion: this.head.version, replayAfter: this.head.doc.replayAfter, state,
    };
  }

  /**
   * Upserts a batch (appends, on an append-only table). Every row must belong to
   * this shard (see `splitByShard`). Waits while memory is over `maxUnflushedBytes`.
   * In durable mode resolves once the batch is in a persisted WAL entry and in the memtable.
   *
   * @example
   * ```ts
   * await writer.put(batch);
   * ```
   */
  async put(batch: RecordBatch): Promise<void> {
    this.assertWritable();
    return this.accept(preparePut(this.table, this.shard, batch));
  }

  /**
   * Deletes keys: `keys` holds the primary-key columns (extra table columns are
   * dropped); each key becomes a tombstone that hides older versions.
   *
   * @example
   * ```ts
   * await writer.delete(new RecordBatch({ id: vectorFromArray([7n, 9n]) }));
   * ```
   */
  async delete(keys: RecordBatch): Promise<void> {
    this.assertWritable();
    return this.accept(prepareDelete(this.table, this.shard, keys));
  }

  /**
   * Bulk ingest (ingest.ts): checks the whole source, writes one generation file (no WAL, no
   * memtable), commits it as the next generation. Writes acked before are older, after newer.
   *
   * @example
   * ```ts
   * const { generation, rows } = await writer.ingest(['/data/day-1.parquet', '/data/day-2.parquet']);
   * ```
   */
  async ingest(source: IngestSource): Promise<IngestResult> {
    this.assertWritable();
    const target = { store: this.table.store, table: this.table, shard: this.shard, epoch: this.epoch, rowGroupSize: this.options.rowGroupSize, compression: this.options.compression };
    const written = await writeIngestFiles(target, source);
    if (!written) return { generation: undefined, rows: 0, fileRows: 0, batches: 0, bytesWritten: 0 };
    const generation = await this.commitIngest(written.files);
    return { generation, rows: written.rows, fileRows: written.files.file.rows, batches: written.batches, bytesWritten: written.bytesWritten };
  }

  /**
   * Freezes the active memtable now and opens the next generation. Returns the
   * frozen generation, or undefined when the active memtable was empty.
   *
   * @example
   * ```ts
   * const g = writer.freeze(); // g stays readable until its flush commits
   * ```
   */
  freeze(): Generation | undefined {
    this.assertWritable();
    return this.freezeActive('manual');
  }

  /**
   * Freezes the active memtable and flushes every generation in memory; resolves
   * when they are committed, throws the last error after `flushRetry.maxAttempts`.
   *
   * @example
   * ```ts
   * await writer.flush();
   * ```
   */
  async flush(): Promise<void> {
    this.assertWritable();
    this.freezeActive('flush');
    await this.flusher.flushThrough(this.active.generation - 1);
  }

  /**
   * Stops accepting writes, waits for WAL writes in flight, then freezes and
   * flushes everything. Throws if that flush fails (call `close()` again to
   * retry; the data is still in the WAL for a reopen). A fenced or poisoned
   * writer cannot flush: close throws its error if it still held data.
   *
   * @example
   * ```ts
   * await writer.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.closeDone) return;
    this.closed = true;
    this.flusher.stop();
    this.gate.wake();
    await this.committer?.drain();
    if (this.fatalError) {
      if (this.slots.some((s) => !s.isEmpty)) throw this.fatalError;
    } else {
      this.freezeActive('close');
      await this.flusher.flushThrough(this.active.generation - 1);
    }
    this.closeDone = true;
    this.releaseFlushWorker();
  }

  /**
   * The memtables in memory, frozen then active, ascending by generation,
   * captured in one synchronous step with their visible batch counts. A fenced or
   * poisoned writer throws its error: its memory may differ from the shard.
   *
   * @example
   * ```ts
   * const { refs } = writer.inMemoryMemtableRefs();
   * ```
   */
  inMemoryMemtableRefs(): ShardMemtableRefs {
    if (this.fatalError) throw this.fatalError;
    return { shard: this.shard, epoch: this.epoch, refs: this.slots.map((s) => ({ memtable: s.memtable, batchCount: s.memtable.batchCount })) };
  }

  private get active(): MemtableSlot {
    return this.slots[this.slots.length - 1];
  }

  private assertWritable(): void {
    if (this.closed) throw new WriterClosedError(this.shard);
    if (this.fatalError) throw this.fatalError;
  }

  /** Admits (maybe after backpressure), reserves, and logs/applies a checked batch. */
  private accept(prepared: PreparedBatch): Promise<void> {
    if (prepared.rows === 0) return Promise.resolve();
    if (this.writeGate) return this.writeGate.then(() => (this.assertWritable(), this.accept(prepared))); // resumes in call order
    // without backpressure the reservation happens inside the put() call itself, so puts reserve in call order
    if (!this.gate.mustWait()) return this.enter(prepared);
    return this.gate.admit().then(() => {
      this.assertWritable();
      return this.enter(prepared);
    });
  }

  private enter(prepared: PreparedBatch): Promise<void> {
    const slot = this.active;
    const record: PendingRecord = { slot, batchIndex: slot.reserve(prepared), prepared };
    if (this.durability !== 'durable') {
      this.applyRecord(record, -1);
      // async: acked now; a failed WAL write kills the writer (see writeGroup), so the rejection is handled there
      if (this.committer) this.committer.enqueue(record).catch(() => undefined);
    }
    this.freezeIfFull(slot);
    return this.durability === 'durable' ? this.committer!.enqueue(record) : Promise.resolve();
  }

  /** Writes one group as a WAL entry; durable mode then appends its batches to their memtables. */
  private async writeGroup(records: PendingRecord[]): Promise<void> {
    let position: number;
    try {
      position = await this.wal.append(records.map(toWalRecord));
    } catch (e) {
      throw this.die(e);
    }
    // one synchronous step: a commit never sees loggedThrough past records not yet accounted for in a slot
    for (const r of records) {
      if (this.durability === 'durable') this.applyRecord(r, position);
      else r.slot.noteLogged(position);
    }
    this.loggedThrough = position;
  }

  private applyRecord(record: PendingRecord, walPosition: number): void {
    if (record.slot.apply(record.prepared, record.batchIndex, walPosition)) this.flusher.kick();
  }

  private freezeIfFull(slot: MemtableSlot): void {
    if (slot !== this.active) return;
    const o = this.options;
    const reason: FreezeReason | undefined =
      slot.memoryBytes >= o.maxMemtableBytes ? 'bytes' // memory, spare capacity included; backpressure counts held data
        : slot.projectedRows >= o.maxMemtableRows ? 'rows'
          : slot.projectedBatches >= o.maxMemtableBatches ? 'batches' : undefined;
    if (reason) this.freezeActive(reason);
  }

  /** Seals the active memtable and opens the next generation, in one synchronous step. */
  private freezeActive(reason: FreezeReason): Generation | undefined {
    const slot = this.active;
    if (slot.isEmpty) return undefined;
    const next = MemtableSlot.active(this.shard, slot.generation + 1, !this.table.appendOnly, slot.successorHint(this.options.maxMemtableBytes, this.options.maxMemtableRows));
    this.highestAssigned = next.generation;
    this.slots.push(next);
    const frozeNow = slot.seal();
    this.emit({ type: 'freeze', generation: slot.generation, reason, rows: slot.projectedRows, bytes: slot.unflushedBytes });
    if (frozeNow) this.flusher.kick();
    return slot.generation;
  }

  /**
   * Backpressure: flushing needs something frozen. When the active memtable is all that is in memory
   * it is frozen (it holds the data: an empty one counts 0 bytes, so no put waits on it); otherwise
   * older generations are sealed or frozen already, and the put re-checks after their flush commits.
   */
  private relieveMemory(): void {
    if (this.slots.length === 1) this.freezeActive('backpressure');
    this.flusher.kick();
  }

  private flushHost(): FlushHost {
    const o = this.options;
    const target = { store: this.table.store, table: this.table, shard: this.shard, epoch: this.epoch, rowGroupSize: o.rowGroupSize, compression: o.compression, flushInWorker: o.flushInWorker };
    return {
      slots: () => this.slots,
      writeFiles: (slot) => writeGenerationFiles(target, slot),
      commit: (prefix) => this.commitGenerations(prefix),
      settle: () => this.committer?.drain() ?? Promise.resolve(),
      fatal: () => this.fatalError,
      failed: (stage, generations, attempt, error) => this.emit({ type: 'flush-failed', stage, generations, attempt, error }),
      starting: (slot) => this.emit({ type: 'flush-start', generation: slot.generation, rows: slot.memtable.rowCount }),
    };
  }

  /** Publishes the files of `prefix` (the oldest generations in memory) in one guarded commit, then drops them. */
  private async commitGenerations(prefix: MemtableSlot[]): Promise<void> {
    const files = prefix.map((s) => s.files!);
    const change = { files, epoch: this.epoch, nextGeneration: this.highestAssigned + 1, replayAfter: replayPoint(this.slots.filter((s) => !prefix.includes(s)), this.loggedThrough) };
    const manifests = this.table.shardManifests(this.shard);
    try {
      if (this.headStale) this.head = await manifests.latest();
      this.headStale = false;
      failpoint('flush:before-commit');
      this.head = await commitGuarded({ manifests, shard: this.shard, epoch: this.epoch, head: this.head, build: (doc) => withFlushed(doc, change), landed: (doc) => files.every((f) => isPublished(doc, f)) });
    } catch (e) {
      if (isFreshtierError(e, 'SHARD_FENCED')) throw this.die(e);
      this.headStale = true; // the outcome is unknown: reload before the next attempt, whose landed() check sees it
      throw e;
    }
    failpoint('flush:after-commit'); // a throw here is a commit whose ack was lost: the retry's landed() check sees it
    // invariant 2: the frozen memtables leave memory only now, in one synchronous step
    this.slots = this.slots.filter((s) => !prefix.includes(s));
    this.emit({ type: 'flush-committed', generations: files.map((f) => f.generation), version: this.head.version, replayAfter: this.head.doc.replayAfter });
    this.gate.progress();
  }

  /**
   * Invariant 9: puts wait at the gate; commit everything in memory (looping: a put past backpressure
   * may still land), then commit the files as the next generation. If that commit fails, the files
   * stay a frozen generation the flusher retries, like any flush.
   */
  private async commitIngest(files: IngestFiles): Promise<Generation> {
    while (this.writeGate) await this.writeGate; // one ingest commit at a time
    let open!: () => void;
    this.writeGate = new Promise<void>((resolve) => (open = resolve));
    try {
      for (;;) {
        this.assertWritable();
        this.freezeActive('ingest');
        await this.flusher.flushThrough(this.active.generation - 1);
        if (this.slots.length === 1 && this.active.isEmpty) break;
      }
      const slot = this.active; // empty: it becomes the ingest's generation, sealed and frozen at once
      slot.seal();
      slot.files = { ...files, generation: slot.generation };
      this.slots.push(MemtableSlot.active(this.shard, slot.generation + 1, !this.table.appendOnly));
      this.highestAssigned = slot.generation + 1;
      await this.flusher.flushThrough(slot.generation);
      return slot.generation;
    } finally {
      this.writeGate = undefined;
      open();
    }
  }

  /** Stops the writer for good: every later call fails with the returned error. */
  private die(error: unknown): FreshtierError {
    if (this.fatalError) return this.fatalError;
    const fenced = isFreshtierError(error, 'SHARD_FENCED');
    const fatal = fenced || isFreshtierError(error, 'WRITER_POISONED') ? (error as FreshtierError) : new WriterPoisonedError(this.shard, 'an unexpected error', error);
    this.fatalError = fatal;
    this.releaseFlushWorker();
    this.committer?.fail(fatal);
    this.flusher.stop();
    this.gate.wake();
    if (fenced) this.emit({ type: 'fenced', newerEpoch: fatal.context.newerEpoch as number | undefined });
    else this.emit({ type: 'poisoned', reason: String(fatal.context.reason ?? fatal.message), error: fatal.cause ?? fatal });
    return fatal;
  }

  /** While open, the flush pool keeps its worker (once started) for this writer's flushes (flush-pool.ts). */
  private holdFlushWorker(): void {
    this.flushWorkerHeld = true;
    sharedFlushPool().acquire();
  }

  private releaseFlushWorker(): void {
    if (this.flushWorkerHeld) sharedFlushPool().release();
    this.flushWorkerHeld = false;
  }

  private emit(event: WriterEventBody): void {
    emitEvent(this.options.onEvent, { shard: this.shard, epoch: this.epoch, ...event } as WriterEvent);
  }
}

function toWalRecord(r: PendingRecord): WalRecord {
  return { generation: r.slot.generation, batchIndex: r.batchIndex, op: r.prepared.op, batch: r.prepared.batch };
}
