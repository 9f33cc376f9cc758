/**
 * `ShardWriter.open` options: their meaning, defaults and validation.
 *
 * Options are parsed with zod (core's `parseOptions`, which throws
 * `InvalidOptionsError` naming every bad field) *before* the writer claims an
 * epoch: an open that is going to fail must not fence the shard's current
 * writer (DESIGN.md invariant 8).
 */
import { InvalidOptionsError, parseOptions, type Table } from '@freshtier/core';
import { z } from 'zod';
import { isWriterClock, type WriterClock } from './backpressure.js';
import type { WriterEventListener } from './events.js';
import { WAL_WINDOW_MAX } from './wal.js';

/**
 * How a `put` is made durable (`ShardWriterOptions.durability`, e.g. `'async'`).
 * - `durable`: `put` resolves after the WAL entry holding the batch is persisted (group commit).
 * - `async`: `put` resolves at once; the WAL entry is written within `walFlushIntervalMs`.
 * - `none`: no WAL; data not yet flushed is lost on a crash (for bulk loads that can be redone).
 */
export type Durability = 'durable' | 'async' | 'none';

/**
 * Backoff of flush retries.
 *
 * @example
 * ```ts
 * ShardWriter.open(table, { shard: 0, flushRetry: { initialDelayMs: 100, maxAttempts: 10 } });
 * ```
 */
export interface FlushRetryOptions {
  /** First delay after a failed flush (default 50 ms). */
  initialDelayMs?: number;
  /** Upper bound of the doubling delay (default 5,000 ms). */
  maxDelayMs?: number;
  /** Attempts an explicit `flush()` / `close()` makes before it throws the last error (default 5). Background flushing retries forever. */
  maxAttempts?: number;
}

/**
 * Options of {@link ShardWriter.open}.
 *
 * @example
 * ```ts
 * const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', maxMemtableBytes: 32 << 20 });
 * ```
 */
export interface ShardWriterOptions {
  /** The shard this writer owns (0 .. table.shardCount-1). */
  shard: number;
  /** Default `durable`. */
  durability?: Durability;
  /** Freeze the active memtable when it takes this much memory, its key index's spare capacity included (default 64 MiB). */
  maxMemtableBytes?: number;
  /** Freeze the active memtable at this many rows (default 1,000,000). */
  maxMemtableRows?: number;
  /** Freeze the active memtable at this many batches (default 10,000). */
  maxMemtableBatches?: number;
  /** `async` durability: the longest a put waits before its WAL entry is written (default 10 ms). */
  walFlushIntervalMs?: number;
  /** Largest WAL entry a group commit builds, in Arrow bytes (default 16 MiB; one batch may exceed it). */
  maxWalEntryBytes?: number;
  /** WAL entries written at once, acked in position order (default 4, at most `WAL_WINDOW_MAX` = 8; 1 = one at a time). */
  walWindow?: number;
  /**
   * `put` waits while active + frozen memtables hold more data than this (default 256 MiB): their
   * batches and key-index entries, not capacity allocated ahead (an empty memtable holds 0). A put
   * into a writer holding less is accepted whatever its own size; the next one waits for its flush.
   */
  maxUnflushedBytes?: number;
  /** How long `put` waits for flushing to make progress before it fails with `BackpressureError` (default 30 s). */
  backpressureGraceMs?: number;
  /**
   * The time source of `backpressureGraceMs` (default: the real clock, `systemClock`). Tests pass a
   * manual one to run the grace period on virtual time; see {@link WriterClock}.
   */
  clock?: WriterClock;
  /** Retry backoff of failed flushes. */
  flushRetry?: FlushRetryOptions;
  /** Rows per Parquet row group of flushed generations (default 65,536). */
  rowGroupSize?: number;
  /** Parquet compression of flushed generations (default `snappy`). */
  compression?: 'uncompressed' | 'snappy' | 'zstd' | 'lz4_raw';
  /** Flush frozen memtables in the background (default true). With `false`, only `flush()` and `close()` flush. */
  autoFlush?: boolean;
  /**
   * Encode flushed generations (dedup, sort, Parquet, key index) in a worker thread (default true),
   * so puts keep the writer's thread while a generation encodes. The worker gets copies of the frozen
   * memtable; the memtable stays readable, and uploads and the commit stay on the writer's thread.
   * Where no worker can start (e.g. a bundle without `flush-worker.js`), encoding falls back to the
   * writer's thread with a `FRESHTIER_NO_FLUSH_WORKER` process warning. `false` always encodes in-process.
   */
  flushInWorker?: boolean;
  /** Lifecycle events (freeze, flush, replay, fencing); see {@link WriterEvent}. */
  onEvent?: WriterEventListener;
}

const MiB = 1024 * 1024;
const positiveInt = () => z.number().int().positive();

const flushRetrySchema = z.strictObject({
  initialDelayMs: z.number().int().min(0).default(50),
  maxDelayMs: z.number().int().min(0).default(5_000),
  maxAttempts: positiveInt().default(5),
});

/**
 * The zod schema of {@link ShardWriterOptions}; unknown keys are rejected so a typo is not silently ignored.
 *
 * @example
 * ```ts
 * shardWriterOptionsSchema.safeParse({ shard: 0, maxMemtableRows: 0 }).success; // false
 * ```
 */
export const shardWriterOptionsSchema = z.strictObject({
  shard: z.number().int().min(0),
  durability: z.enum(['durable', 'async', 'none']).default('durable'),
  maxMemtableBytes: positiveInt().default(64 * MiB),
  maxMemtableRows: positiveInt().default(1_000_000),
  maxMemtableBatches: positiveInt().default(10_000),
  walFlushIntervalMs: z.number().int().min(0).default(10),
  maxWalEntryBytes: positiveInt().default(16 * MiB),
  walWindow: z.number().int().min(1).max(WAL_WINDOW_MAX).default(4),
  maxUnflushedBytes: positiveInt().default(256 * MiB),
  backpressureGraceMs: z.number().int().min(0).default(30_000),
  clock: z.custom<WriterClock>(isWriterClock, 'expected a clock: { now(): number, sleep(ms, signal): Promise<void> }').optional(),
  // `prefault` parses the default, so an omitted `flushRetry` still gets each field's default
  flushRetry: flushRetrySchema.prefault({}),
  rowGroupSize: positiveInt().default(65_536),
  compression: z.enum(['uncompressed', 'snappy', 'zstd', 'lz4_raw']).default('snappy'),
  autoFlush: z.boolean().default(true),
  flushInWorker: z.boolean().default(true),
  onEvent: z.custom<WriterEventListener>((v) => typeof v === 'function', 'expected a function').optional(),
}).refine((o) => o.flushRetry.maxDelayMs >= o.flushRetry.initialDelayMs, {
  path: ['flushRetry', 'maxDelayMs'], message: 'must be at least flushRetry.initialDelayMs',
});

/**
 * Options with every default filled in.
 *
 * @example
 * ```ts
 * declare const o: ResolvedWriterOptions; // what ShardWriter.open makes of { shard: 0 }
 * console.log(o.durability, o.maxMemtableBytes); // 'durable' and the default memtable size
 * ```
 */
export type ResolvedWriterOptions = z.output<typeof shardWriterOptionsSchema>;

/**
 * Validates writer options against the schema and the table (the shard must
 * exist). Throws `InvalidOptionsError`; touches no storage.
 *
 * @example
 * ```ts
 * const opts = parseWriterOptions(table, { shard: 1, durability: 'async' });
 * opts.maxMemtableRows; // 1_000_000
 * ```
 */
export function parseWriterOptions(table: Table, input: unknown): ResolvedWriterOptions {
  const opts = parseOptions(shardWriterOptionsSchema, input, 'ShardWriter options');
  if (opts.shard >= table.shardCount) {
    throw new InvalidOptionsError('ShardWriter options', [
      { path: 'shard', message: `shard ${opts.shard} does not exist: the table has shards 0..${table.shardCount - 1}` },
    ]);
  }
  return opts;
}
