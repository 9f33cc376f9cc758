/**
 * `LsmScanner`: the read path of a table — base files plus the fresh tier
 * (flushed generations and, when given, live writers' memtables), deduplicated
 * by primary key, newest wins, at a consistent set of sources per read.
 *
 * Every read first collects its sources (collector.ts: memtables first, then the
 * base manifest, then each shard manifest), then reads only those. A scan
 * captures the memtables synchronously inside `scan()`, so it sees every write
 * acknowledged before the call.
 */
import { FileReader, InvalidOptionsError, assertKnownKeys, emptyStats, mergePolicyOf, type MemtableSource, type ScanStats, type Table } from '@freshtier/core';
import type { Table as ArrowTable } from 'apache-arrow';
import { cutsByShard, freshTierHolds, type AsOfCut, type CurrentFresh } from './as-of-cut.js';
import { captureMemtables, collectSources, type PinnedVersions } from './collector.js';
import { normalizeKeys, type KeysInput } from './key-input.js';
import { findNewest } from './lookup.js';
import { lookupRows } from './merged-lookup.js';
import { resolveColumns } from './projection.js';
import { ScanResult, planScan, streamScan, type ScanOptions } from './scan.js';
import { Snapshot, type GetOptions } from './snapshot.js';
import { ShardTail, type ShardTailRefresh } from './tail/shard-tail.js';

/**
 * Options of {@link LsmScanner}.
 *
 * @example
 * ```ts
 * new LsmScanner(table, { writers: [writer], snapshotRetentionMs: 60_000 });
 * ```
 */
export interface LsmScannerOptions {
  /** Live writers whose memtables reads include (a `ShardWriter` is a `MemtableSource`). */
  writers?: readonly MemtableSource[];
  /** How long a snapshot stays readable (default 10 minutes). */
  snapshotRetentionMs?: number;
  /**
   * The clock snapshot retention is measured on, in ms since the epoch (default `Date.now`).
   * Tests pass a manual one to expire a snapshot without waiting.
   */
  now?: () => number;
  /** Target rows per output batch (default 65,536). */
  batchSize?: number;
  /** Bytes of decoded key indexes kept in memory (default 64 MiB). */
  keyIndexCacheBytes?: number;
  /**
   * Tail the WAL (a *remote reader*, DESIGN.md invariant 15): every read first refreshes
   * read-only memtables rebuilt from each shard's WAL entries after `replayAfter`, so it
   * sees every row any writer, in any process, acknowledged durably before the read was
   * called — not only what was flushed. Costs per shard and read: one WAL LIST, one GET
   * per new entry, and the manifest reads. Default false (committed data only, plus `writers`).
   */
  tail?: boolean;
  /**
   * Read this table version instead of the newest (read-only; no `writers` then).
   * Every read, cut and snapshot of the scanner uses these manifest versions.
   */
  at?: PinnedVersions;
}

const DEFAULTS = { snapshotRetentionMs: 600_000, batchSize: 65_536, keyIndexCacheBytes: 64 << 20 };
const OPTION_KEYS = ['writers', 'at', 'now', 'tail', ...Object.keys(DEFAULTS)];
/** The keys of {@link GetOptions} (`Snapshot.get` checks the same). */
const GET_OPTIONS = ['columns'];

/**
 * Reads a table: scans, point lookups, membership, cuts and snapshots.
 *
 * @example
 * ```ts
 * const scanner = new LsmScanner(table, { writers: [writer] });
 * const adults = await scanner.scan({ columns: ['id', 'name'], filter: col('age').ge(18) }).toTable();
 * const rows = await scanner.get([{ id: 42n }]);
 * const live = await scanner.containsPks([{ id: 42n }, { id: 43n }]);
 * ```
 */
export class LsmScanner {
  /** Cumulative I/O counters (data files, key indexes, row groups). */
  readonly stats: ScanStats = emptyStats();
  private readonly writers: readonly MemtableSource[];
  /** One per shard in tail mode (`LsmScannerOptions.tail`), else none. */
  private readonly tails: readonly ShardTail[];
  private readonly reader: FileReader;
  private readonly options: Required<Omit<LsmScannerOptions, 'writers' | 'at' | 'tail'>>;
  /** The pinned table version (see `LsmScannerOptions.at`), or undefined for the newest. */
  readonly at: PinnedVersions | undefined;

  constructor(readonly table: Table, options: LsmScannerOptions = {}) {
    this.options = validateOptions(table, options);
    this.at = validateAt(table, options);
    this.tails = options.tail === true ? Array.from({ length: table.shardCount }, (_, s) => new ShardTail(table, s)) : [];
    this.writers = [...(options.writers ?? []), ...this.tails];
    this.reader = new FileReader(table, this.stats, this.options.keyIndexCacheBytes);
  }

  /**
   * Tail mode: reads each shard's new WAL entries now (every read does this first; call it
   * to bound how much the next read has to catch up). Without `tail`, resolves to [].
   */
  async refresh(): Promise<ShardTailRefresh[]> {
    if (this.tails.length === 0) return [];
    const base = await this.table.baseManifests.latest(); // once for every shard, before their shard manifests
    return Promise.all(this.tails.map((t) => t.refresh(base)));
  }

  /** The sources of a read: tails refreshed first, then memtables captured, then manifests (collector.ts). */
  private collect(now?: () => number): ReturnType<typeof collectSources> {
    if (this.tails.length === 0) return collectSources(this.table, this.writers, this.at, now); // captures memtables now
    return this.refresh().then(() => collectSources(this.table, this.writers, this.at, now));
  }

  /** Zeroes `stats`. */
  resetStats(): void {
    Object.assign(this.stats, emptyStats());
  }

  /**
   * Streams the live rows (newest version per key, tombstones hidden), filtered
   * after dedup, projected to `columns`. Options are checked at once
   * (`InvalidOptionsError`); storage errors surface while iterating.
   */
  scan(options: ScanOptions = {}): ScanResult {
    const plan = planScan(this.table, options, this.options.batchSize);
    const view = this.collect(); // captures memtables now (after a refresh, in tail mode)
    view.catch(() => {}); // surfaced by iteration or `cuts`
    return new ScanResult(plan.outSchema, view, (v) => streamScan(this.table, v, plan, this.reader));
  }

  /**
   * The live rows of these keys (absent and deleted keys are left out), one row
   * per distinct key, in the order keys were given. Keys: a RecordBatch/Table of
   * the key columns or plain objects like `{ id: 5n }`.
   */
  async get(keys: KeysInput, options: GetOptions = {}): Promise<ArrowTable> {
    assertKnownKeys(options, GET_OPTIONS, 'get options');
    const fields = resolveColumns(this.table.schema, options.columns);
    const k = normalizeKeys(this.table, keys);
    const view = await this.collect();
    return lookupRows(this.table, view, k, this.reader, fields);
  }

  /** For each key: is it live now (newest version exists and is not a tombstone)? Reads key indexes, not data files. */
  async containsPks(keys: KeysInput): Promise<boolean[]> {
    const k = normalizeKeys(this.table, keys);
    const view = await this.collect();
    return (await findNewest(view, k, this.reader, mergePolicyOf(this.table))).map((f) => f !== undefined);
  }

  /**
   * For each key: did the fresh tier, as the read that produced `cuts` saw it,
   * hold any version (put or tombstone)? Exact also after that generation was
   * frozen, flushed or compacted.
   */
  async containsPksAsOf(keys: KeysInput, cuts: AsOfCut | readonly AsOfCut[]): Promise<boolean[]> {
    const k = normalizeKeys(this.table, keys);
    const byShard = cutsByShard(cuts, this.table.shardCount);
    await this.refresh();
    const memtables = captureMemtables(this.table, this.writers); // memtables first, as in collection
    const shards = [...new Set(k.shards)];
    const manifests = await Promise.all(shards.map((s) => (this.at ? this.table.shardManifests(s).load(this.at.shardVersions[s]) : this.table.shardManifests(s).latest().then((m) => m.doc))));
    const current = new Map<number, CurrentFresh>(shards.map((s, i) => [s, { memtables: memtables.get(s) ?? [], flushed: manifests[i].flushed }]));
    return freshTierHolds(k, byShard, current, this.reader);
  }

  /**
   * Indices (ascending) of the keys the fresh tier supersedes as of `cuts`: the
   * base rows a two-phase reader must drop because the scan read a newer version
   * (or a delete) of them from the fresh tier.
   */
  async freshTierBlockList(keys: KeysInput, cuts: AsOfCut | readonly AsOfCut[]): Promise<number[]> {
    const held = await this.containsPksAsOf(keys, cuts);
    const out: number[] = [];
    held.forEach((h, i) => h && out.push(i));
    return out;
  }

  /** Pins the current sources for repeatable reads (see {@link Snapshot}). */
  async snapshot(): Promise<Snapshot> {
    const view = await this.collect(this.options.now);
    return new Snapshot(this.table, view, this.reader, this.options.snapshotRetentionMs, this.options.batchSize, this.options.now);
  }
}

/** Checks `options.at`: a version per shard, and no writers (a pinned version has no memtables). */
function validateAt(table: Table, o: LsmScannerOptions): PinnedVersions | undefined {
  const at = o.at;
  if (at === undefined) return undefined;
  const version = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const issues: { path: string; message: string }[] = [];
  if (!at || typeof at !== 'object' || !version(at.baseVersion)) issues.push({ path: 'at.baseVersion', message: 'must be a base manifest version (integer >= 0)' });
  const shards = at?.shardVersions;
  if (!Array.isArray(shards) || shards.length !== table.shardCount || !shards.every(version)) {
    issues.push({ path: 'at.shardVersions', message: `must hold one shard manifest version (integer >= 0) per shard (${table.shardCount})` });
  }
  if ((o.writers ?? []).length > 0) issues.push({ path: 'writers', message: 'a scanner pinned with `at` reads stored versions only: pass no writers' });
  if (o.tail === true) issues.push({ path: 'tail', message: 'a scanner pinned with `at` reads stored versions only: it cannot tail the WAL' });
  if (issues.length) throw new InvalidOptionsError('LsmScanner options', issues);
  return { baseVersion: at.baseVersion, shardVersions: [...at.shardVersions] };
}

function validateOptions(table: Table, o: LsmScannerOptions): Required<Omit<LsmScannerOptions, 'writers' | 'at' | 'tail'>> {
  if (o === null || typeof o !== 'object') throw new InvalidOptionsError('LsmScanner options', [{ path: '', message: 'expected an object' }]);
  assertKnownKeys(o, OPTION_KEYS, 'LsmScanner options');
  const issues: { path: string; message: string }[] = [];
  const writers = o.writers ?? [];
  if (!Array.isArray(writers)) issues.push({ path: 'writers', message: 'expected an array of writers (MemtableSource)' });
  else writers.forEach((w, i) => {
    if (!w || typeof w.inMemoryMemtableRefs !== 'function') issues.push({ path: `writers.${i}`, message: 'not a MemtableSource: pass a ShardWriter (it has inMemoryMemtableRefs())' });
    else if (!Number.isInteger(w.shard) || w.shard < 0 || w.shard >= table.shardCount) issues.push({ path: `writers.${i}.shard`, message: `shard ${w.shard} is not a shard of this table (0..${table.shardCount - 1})` });
  });
  const num = (key: keyof typeof DEFAULTS, min: number) => {
    const v = o[key] ?? DEFAULTS[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) issues.push({ path: key, message: `must be an integer >= ${min}` });
    return v;
  };
  if (o.tail !== undefined && typeof o.tail !== 'boolean') issues.push({ path: 'tail', message: 'expected true or false' });
  const now = o.now ?? Date.now;
  if (typeof now !== 'function') issues.push({ path: 'now', message: 'expected a function returning ms since the epoch, like Date.now' });
  const out = { snapshotRetentionMs: num('snapshotRetentionMs', 0), batchSize: num('batchSize', 1), keyIndexCacheBytes: num('keyIndexCacheBytes', 0), now };
  if (issues.length) throw new InvalidOptionsError('LsmScanner options', issues);
  return out;
}
