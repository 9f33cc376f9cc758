/**
 * The contract between the runner and each system under test (freshtier and its peers).
 * An adapter implements the workloads it can; the runner skips the rest.
 */

/**
 * The workloads the runner starts, in report order. `scan` also measures `scanWarm` in the
 * same process (see {@link REPORTED_WORKLOADS}).
 */
export const WORKLOADS = ['upsert', 'append', 'scan', 'containsPks', 'replay', 'compaction'] as const;

/** Every workload a report can hold, in report order: the runnable ones plus `scanWarm`. */
export const REPORTED_WORKLOADS = ['upsert', 'append', 'scan', 'scanWarm', 'containsPks', 'replay', 'compaction'] as const;

/** One runnable workload's id. */
export type WorkloadId = (typeof WORKLOADS)[number];

/** One reported workload's id (`scanWarm` comes out of the `scan` run). */
export type ReportedWorkloadId = (typeof REPORTED_WORKLOADS)[number];

/** What each workload does, printed in the report. */
export const WORKLOAD_TITLES: Record<ReportedWorkloadId, string> = {
  upsert: 'durable upsert stream (1,000-row batches, 10% updates, 10 producers), timed to the end of close()',
  append: 'append-only analytics stream (1,000-row batches, 10 producers), timed to the end of close()',
  scan: 'cold scan of the latest state (base + 8 generations + memtables): fresh process, fresh scanner, first scan',
  scanWarm: 'warm scan: the same scanner/connection scanning again right after the cold scan',
  containsPks: 'containsPks of 10,000 keys (half present)',
  replay: 'WAL replay after a crash (unflushed rows)',
  compaction: 'compaction of the latest state',
};

/** Sizes of one run; `--quick` shrinks them all. */
export interface Sizes {
  /** Rows written by each stream workload (upsert, append), all producers together. */
  streamRows: number;
  /** Base rows of the scan/containsPks/compaction fixture; unflushed rows for replay. */
  tableRows: number;
  /** Rows per streamed batch. */
  batchRows: number;
  /** Fraction of each upsert batch that rewrites earlier keys. */
  updateFraction: number;
  /** Concurrent producers of the stream workloads. */
  producers: number;
  /** Flushed generations over the base in the fixture (a memtable's worth more is unflushed). */
  generations: number;
  /** Keys in a membership check. */
  lookupKeys: number;
  /**
   * Latency added to every store request of the `freshtier-latency` system (writes: PUT,
   * create, DELETE; reads: GET, range GET, HEAD, LIST), or null for no such system.
   */
  storeLatency: StoreLatency | null;
  /**
   * At most this many stream rows for LanceDB, DuckDB and SlateDB (`--peer-stream-rows`;
   * null: the full `streamRows`). freshtier and parquet-wasm always write all of them.
   */
  peerStreamRows: number | null;
}

/** Milliseconds added per store request, as a remote object store (S3) adds them. */
export interface StoreLatency {
  putMs: number;
  getMs: number;
}

/**
 * Default sizes. The streams are the target workload (2 M rows, 10 producers,
 * 1,000-row batches): big enough that freshtier's writer flushes during the stream (it
 * freezes a memtable at 1,000,000 rows or 64 MiB), not only in `close()`.
 */
export const DEFAULT_SIZES: Sizes = {
  streamRows: 2_000_000,
  tableRows: 1_000_000,
  batchRows: 1_000,
  updateFraction: 0.1,
  producers: 10,
  generations: 8,
  lookupKeys: 10_000,
  storeLatency: { putMs: 50, getMs: 30 },
  peerStreamRows: null,
};

/** `--quick`: tiny sizes for a CI smoke test (no latency-store run). */
export const QUICK_SIZES: Sizes = { ...DEFAULT_SIZES, streamRows: 4_000, tableRows: 10_000, producers: 4, lookupKeys: 200, storeLatency: null };

/** What a workload sees. */
export interface WorkloadContext {
  /** A scratch directory for this (system, workload), shared by its prepare and run steps. */
  dir: string;
  sizes: Sizes;
  /** Progress messages (to stderr, so stdout stays the report). */
  log(message: string): void;
}

/** What a workload measured. The runner derives rows/s and MB/s and adds peak RSS. */
export interface Result {
  /** Rows processed in the timed section (written, returned, or keys checked). */
  rows: number;
  /** Arrow bytes of those rows. */
  bytes: number;
  /** Wall-clock seconds of the timed section only. */
  seconds: number;
  /** How this system did the workload, where it differs from the others. */
  notes?: string;
  /** Other workloads measured in the same process (the `scan` run's `scanWarm`). */
  also?: Partial<Record<ReportedWorkloadId, Result>>;
}

/**
 * Thrown by an adapter that cannot run on this machine (a peer without a build for this
 * platform, say): the report shows the reason as "skipped", not as a failure.
 *
 * @example
 * ```ts
 * throw new SkipError('no prebuilt library for linux-riscv64');
 * ```
 */
export class SkipError extends Error {
  static readonly PREFIX = 'skipped: ';
  constructor(reason: string) {
    super(`${SkipError.PREFIX}${reason}`);
    this.name = 'SkipError';
  }
}

/** One workload of one system. */
export type Workload = (ctx: WorkloadContext) => Promise<Result>;

/** Untimed setup, run in its own process before the workload's process. */
export interface Prepare {
  (ctx: WorkloadContext): Promise<void>;
}

/** A system under test. */
export interface Adapter {
  /** Short name used on the command line (`--peers`) and in the report. */
  name: string;
  /** Whether it needs bench/peers installed (LanceDB, DuckDB, SlateDB). */
  needsPeers: boolean;
  /** The workloads it implements. */
  workloads: Partial<Record<WorkloadId, Workload>>;
  /**
   * Setup that must not share a process with the measurement: it leaves state on disk in
   * `ctx.dir`. A prepare step may end its own process with SIGKILL to simulate a crash
   * (replay); the runner treats that as success.
   */
  prepare?: Partial<Record<WorkloadId, Prepare>>;
}

/**
 * A peer's stream sizes: `streamRows` capped by `--peer-stream-rows` and by the peer's own
 * `cap`, with a note for the report when capped (a shorter stream flatters a peer whose
 * cost grows with the table).
 *
 * @example
 * ```ts
 * const { sizes, note } = peerStream(ctx.sizes, 200_000);
 * ```
 */
export function peerStream(sizes: Sizes, cap = Infinity): { sizes: Sizes; note: string } {
  const rows = Math.min(sizes.streamRows, sizes.peerStreamRows ?? Infinity, cap);
  if (rows === sizes.streamRows) return { sizes, note: '' };
  const n = (x: number) => x.toLocaleString('en-US');
  return { sizes: { ...sizes, streamRows: rows }, note: `; only the first ${n(rows)} of ${n(sizes.streamRows)} rows (${rows === cap ? 'its cap' : '--peer-stream-rows'}; a shorter stream flatters a peer)` };
}

/** Starts a wall clock; the returned function gives elapsed seconds. */
export function startClock(): () => number {
  const t0 = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t0) / 1e9;
}
