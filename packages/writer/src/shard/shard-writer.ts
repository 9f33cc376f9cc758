/**
 * `ShardWriter`: the one live writer of a shard. It accepts puts and deletes
 * into the active memtable, logs them to the WAL, freezes memtables on size,
 * flushes frozen ones into committed generations, and hands its memtables to
 * readers (`inMemoryMemtableRefs`, core's `MemtableSource`).
 *
 * The pieces live in their own modules — options, the open sequence (open.ts),
 * fencing, WAL, group commit, replay, flush, backpressure, ingest; the state they
 * share (generations in memory, WAL position accounted for, closed or fenced or
 * poisoned) is a `WriterState` changed only by its named transitions
 * (writer-state.ts). This class only orchestrates: it calls a transition, then
 * tells the others (flusher kick, events, backpressure progress).
 */
import { type FreshtierError, type Generation, type MemtableSource, type ShardId, type ShardMemtableRefs, type Table } from '@freshtier/core';
import type { RecordBatch } from 'apache-arrow';
import { prepareDelete, preparePut } from './batches.js';
import { emitEvent, type WriterEvent, type WriterEventBody } from './events.js';
import type { ShardHead } from './fencing.js';
import { FlushCommits } from '../flush/commit.js';
import { SchemaWatch } from './schema-watch.js';
import { Flusher } from '../flush/flusher.js';
import { sharedFlushPool } from '../flush/flush-pool.js';
import { writeIngestFiles, type IngestResult, type IngestSource } from './ingest.js';
import { IngestGate } from './ingest-commit.js';
import { writerFlushHost } from './flush-host.js';
import { openShard, type OpenedShard } from './open.js';
import { parseWriterOptions, type Durability, type ResolvedWriterOptions, type ShardWriterOptions } from './options.js';
import { WritePath } from './write-path.js';
import { WriterState, type ShardWriterStatus } from './writer-state.js';

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
  private readonly state: WriterState;
  private readonly writes: WritePath;
  private readonly commits: FlushCommits;
  private readonly flusher: Flusher;
  private readonly ingestGate = new IngestGate();
  private flushWorkerHeld = false;
  /** Whether the table's schema moved on since open (schema-watch.ts): puts then refuse; flush and close go on. */
  private readonly schemaWatch: SchemaWatch;

  private constructor(private readonly table: Table, private readonly options: ResolvedWriterOptions, { head, fencePosition, replayed }: OpenedShard) {
    this.shard = options.shard;
    this.epoch = head.doc.epoch;
    this.durability = options.durability;
    this.state = WriterState.load(this.shard, !table.appendOnly, replayed, head.doc.nextGeneration, fencePosition);
    this.schemaWatch = new SchemaWatch(table, this.shard);
    this.commits = new FlushCommits(table.shardManifests(this.shard), this.shard, this.epoch, head, () => this.schemaWatch.look());
    this.writes = new WritePath({
      state: this.state, options, ingestGate: this.ingestGate, kick: () => this.flusher.kick(), lastFlushError: () => this.flusher.lastError,
      emit: (e) => this.emit(e), die: (e) => this.die(e),
    }, { wal: table, shard: this.shard, epoch: this.epoch, fencePosition });
    const parts = { table, options, epoch: this.epoch, state: this.state, commits: this.commits, writes: this.writes };
    this.flusher = new Flusher(writerFlushHost({ ...parts, die: (e) => this.die(e), emit: (e) => this.emit(e) }), options);
    for (const s of replayed.slots) this.emit({ type: 'freeze', generation: s.generation, reason: 'replay', rows: s.memtable.rowCount, bytes: s.unflushedBytes });
  }

  /**
   * Opens the writer of `options.shard`: validates the options (nothing is
   * claimed if they are bad), claims the next epoch, moves a corrupt final WAL
   * entry aside, writes a fence entry at the WAL tip, and replays the WAL into
   * frozen memtables, which are then flushed in the background (open.ts).
   *
   * @example
   * ```ts
   * const writer = await ShardWriter.open(table, { shard: 2, durability: 'async', walFlushIntervalMs: 5 });
   * ```
   */
  static async open(table: Table, options: ShardWriterOptions): Promise<ShardWriter> {
    const opts = parseWriterOptions(table, options);
    const writer = new ShardWriter(table, opts, await openShard(table, opts));
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
    return this.state.active.generation;
  }

  /**
   * Data held by memtables not yet committed — batches and their key-index entries, never
   * capacity allocated ahead (an empty memtable holds 0): what backpressure limits.
   *
   * @example
   * ```ts
   * console.log('unflushed bytes', writer.unflushedBytes);
   * ```
   */
  get unflushedBytes(): number {
    return this.state.unflushedBytes;
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
    return this.commits.head;
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
    const { state } = this;
    return {
      shard: this.shard, epoch: this.epoch, activeGeneration: this.activeGeneration,
      frozenGenerations: state.frozenGenerations, unflushedBytes: state.unflushedBytes, walLoggedThrough: state.loggedThrough,
      manifestVersion: this.manifest.version, replayAfter: this.manifest.doc.replayAfter, state: state.lifecycle,
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
    this.state.assertWritable();
    this.schemaWatch.assertWritable();
    return this.writes.accept(preparePut(this.table, this.shard, batch));
  }

  /**
   * Deletes keys: `keys` holds the primary-key columns (extra table columns are
   * dropped); each key becomes a tombstone that hides older versions.
   *
   * @example
   * ```ts
   * await writer.delete(new RecordBatch({ id: vectorFromArray([7n, 9n], new Int64()).data[0] }));
   * ```
   */
  async delete(keys: RecordBatch): Promise<void> {
    this.state.assertWritable();
    this.schemaWatch.assertWritable();
    return this.writes.accept(prepareDelete(this.table, this.shard, keys));
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
    this.state.assertWritable();
    this.schemaWatch.assertWritable();
    const target = { store: this.table.store, table: this.table, shard: this.shard, epoch: this.epoch, rowGroupSize: this.options.rowGroupSize, compression: this.options.compression };
    const written = await writeIngestFiles(target, source);
    if (!written) return { generation: undefined, rows: 0, fileRows: 0, batches: 0, bytesWritten: 0 };
    const generation = await this.ingestGate.commit({ state: this.state, writes: this.writes, flushThrough: (g) => this.flusher.flushThrough(g) }, written.files);
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
    this.state.assertWritable();
    return this.writes.freeze('manual');
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
    this.state.assertWritable();
    this.writes.freeze('flush');
    const committed = this.commits.head.version;
    await this.flusher.flushThrough(this.activeGeneration - 1);
    // a flush that committed nothing still tells the caller whether the schema moved on
    if (this.commits.head.version === committed) await this.schemaWatch.look();
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
    if (this.state.closeFinished) return;
    this.state.beginClose();
    this.flusher.stop();
    this.writes.wake();
    await this.writes.settle();
    const fatal = this.state.fatal;
    if (fatal) {
      if (this.state.holdsData) throw fatal;
    } else {
      this.writes.freeze('close');
      await this.flusher.flushThrough(this.activeGeneration - 1);
    }
    this.state.finishClose();
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
    if (this.state.fatal) throw this.state.fatal;
    return { shard: this.shard, epoch: this.epoch, refs: this.state.refs(), schemaVersion: this.table.schemaVersion };
  }


  /** Stops the writer for good (`WriterState.poison`): every later call fails with the returned error. */
  private die(error: unknown): FreshtierError {
    const { fatal, now } = this.state.poison(error);
    if (!now) return fatal;
    const fenced = fatal.code === 'SHARD_FENCED';
    this.releaseFlushWorker();
    this.writes.fail(fatal);
    this.flusher.stop();
    this.writes.wake();
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
