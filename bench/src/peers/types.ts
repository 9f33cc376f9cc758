/**
 * The contract between the runner and each system under test (freshtier and its peers).
 * An adapter implements the workloads it can; the runner skips the rest.
 */

/** The six workloads of the benchmark issue, in report order. */
export const WORKLOADS = ['upsert', 'append', 'scan', 'containsPks', 'replay', 'compaction'] as const;

/** One workload's id. */
export type WorkloadId = (typeof WORKLOADS)[number];

/** What each workload does, printed in the report. */
export const WORKLOAD_TITLES: Record<WorkloadId, string> = {
  upsert: 'durable upsert stream (1,000-row batches, 10% updates, 10 producers)',
  append: 'append-only analytics stream (1,000-row batches, 10 producers)',
  scan: 'scan of the latest state (base + 8 generations + memtables)',
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
}

/** Default sizes: sized so a full run of all peers stays near 10 minutes on 2 cores. */
export const DEFAULT_SIZES: Sizes = {
  streamRows: 200_000,
  tableRows: 1_000_000,
  batchRows: 1_000,
  updateFraction: 0.1,
  producers: 10,
  generations: 8,
  lookupKeys: 10_000,
};

/** `--quick`: tiny sizes for a CI smoke test. */
export const QUICK_SIZES: Sizes = { ...DEFAULT_SIZES, streamRows: 4_000, tableRows: 10_000, producers: 4, lookupKeys: 200 };

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
  /** Whether it needs bench/peers installed (LanceDB, DuckDB). */
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

/** Starts a wall clock; the returned function gives elapsed seconds. */
export function startClock(): () => number {
  const t0 = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t0) / 1e9;
}
