/**
 * Snapshots (DESIGN.md invariant 11): one collected {@link ReadView} kept for
 * repeated reads — the base version, one manifest version per shard, and the
 * captured memtables with their batch counts, plus the cuts they imply.
 *
 * Reading a snapshot twice returns the same rows whatever was written, flushed
 * or compacted in between: manifests are versions, data files are immutable, and
 * memtables are read only up to the captured batch count. What can go away is
 * storage: GC may delete files no retained version needs once the retention has
 * passed. So a snapshot older than `snapshotRetentionMs`, or one whose pinned file
 * is gone, fails with `SnapshotExpiredError` — never a silently different answer.
 *
 * A snapshot holds its memtables in memory (also after the writer flushed and
 * dropped them); drop the snapshot to release them. While live it is registered
 * (core's snapshot-registry.ts) so that GC in this process keeps the files it reads.
 */
import { SnapshotExpiredError, assertKnownKeys, mergePolicyOf, registerSnapshot, releaseSnapshot, type FileReader, type Table } from '@freshtier/core';
import type { Table as ArrowTable } from 'apache-arrow';
import type { AsOfCut } from './as-of-cut.js';
import { normalizeKeys, type KeysInput } from './key-input.js';
import { findNewest } from './lookup.js';
import { lookupRows } from './merged-lookup.js';
import { resolveColumns } from './projection.js';
import { ScanResult, planScan, streamScan, type ScanOptions } from './scan.js';
import type { ReadView } from './sources.js';

/**
 * Options of point lookups.
 *
 * @example
 * ```ts
 * await scanner.get([{ id: 1n }], { columns: ['id', 'name'] });
 * ```
 */
export interface GetOptions {
  /** Output columns, in this order (default: every table column). */
  columns?: string[];
}

/**
 * A pinned, repeatable read of the table.
 *
 * @example
 * ```ts
 * const snap = await scanner.snapshot();
 * const a = await snap.scan().toTable();
 * await writer.put(batch);
 * const b = await snap.scan().toTable(); // same rows as a
 * ```
 */
export class Snapshot {
  /** When retention runs out (ms since the epoch). */
  readonly expiresAt: number;

  constructor(
    private readonly table: Table,
    private readonly view: ReadView,
    private readonly reader: FileReader,
    retentionMs: number,
    private readonly batchSize: number,
    /** The scanner's clock (`LsmScannerOptions.now`). */
    private readonly now: () => number = Date.now,
  ) {
    this.expiresAt = view.takenAt + retentionMs;
    // GC keeps what a live snapshot reads (core's snapshot registry)
    registerSnapshot(this, { store: table.store, baseVersion: this.baseVersion, shardVersions: this.shardVersions, expiresAt: this.expiresAt });
  }

  /**
   * Tells GC this snapshot will not be read again (it stops pinning its versions).
   * Reading it afterwards may fail with `SnapshotExpiredError` once GC ran.
   *
   * @example
   * ```ts
   * const snap = await scanner.snapshot();
   * try { await snap.scan().toTable(); } finally { snap.release(); }
   * ```
   */
  release(): void {
    releaseSnapshot(this);
  }

  /** When the sources were captured (ms since the epoch). */
  get takenAt(): number {
    return this.view.takenAt;
  }

  /** The base manifest version pinned. */
  get baseVersion(): number {
    return this.view.baseVersion;
  }

  /** The shard manifest version pinned, per shard. */
  get shardVersions(): readonly number[] {
    return this.view.shards.map((s) => s.manifestVersion);
  }

  /** Per shard, the fresh tier this snapshot observed. */
  get cuts(): readonly AsOfCut[] {
    return this.view.shards.map((s) => s.cut);
  }

  /** Whether retention has run out. */
  get expired(): boolean {
    return this.now() > this.expiresAt;
  }

  /** Scans the pinned sources (same options as `LsmScanner.scan`). */
  scan(options: ScanOptions = {}): ScanResult {
    this.assertLive();
    const plan = planScan(this.table, options, this.batchSize);
    return new ScanResult(plan.outSchema, Promise.resolve(this.view), (v) => streamScan(this.table, v, plan, this.reader), () => this.assertLive());
  }

  /** Point lookups against the pinned sources (see `LsmScanner.get`). */
  async get(keys: KeysInput, options: GetOptions = {}): Promise<ArrowTable> {
    this.assertLive();
    assertKnownKeys(options, ['columns'], 'get options');
    const fields = resolveColumns(this.table.schema, options.columns);
    return lookupRows(this.table, this.view, normalizeKeys(this.table, keys), this.reader, fields);
  }

  /** Membership against the pinned sources (see `LsmScanner.containsPks`). */
  async containsPks(keys: KeysInput): Promise<boolean[]> {
    this.assertLive();
    return (await findNewest(this.view, normalizeKeys(this.table, keys), this.reader, mergePolicyOf(this.table))).map((f) => f !== undefined);
  }

  /** Throws `SnapshotExpiredError` once retention has run out. */
  assertLive(): void {
    if (this.expired) {
      throw new SnapshotExpiredError(`taken at ${new Date(this.takenAt).toISOString()}, retention ended at ${new Date(this.expiresAt).toISOString()}`, { takenAt: this.takenAt, expiresAt: this.expiresAt });
    }
  }
}
