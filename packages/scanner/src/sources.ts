/**
 * The sources of one read: what the collector captured and every read path
 * (scan, lookups, snapshots) consumes. A {@link ReadView} is immutable once built:
 * the manifests it names are versions (never rewritten), the data files they list
 * are immutable, and each memtable is read only through its captured batch count.
 * So reading the same view twice gives the same rows (DESIGN.md invariant 11).
 *
 * Per shard, sources are ordered oldest to newest:
 *
 * ```
 * base files (generations <= compactedThrough)  <  fresh[0]  <  fresh[1]  < …  (ascending generation)
 * ```
 *
 * A fresh source is either a flushed generation (Parquet + key index) or an
 * in-memory memtable (frozen or active) — never both for one generation.
 */
import type { AsOfCut } from './as-of-cut.js';
import type { BaseFile, BaseManifest, DataFile, FlushedGeneration, MemtableRef, ShardManifest } from '@freshtier/core';
import { compareBytes } from '@freshtier/core';

/**
 * A flushed generation read from its data file.
 *
 * @example
 * ```ts
 * if (source.kind === 'flushed') console.log(source.generation, source.file.path);
 * ```
 */
export interface FlushedSource {
  readonly kind: 'flushed';
  readonly generation: number;
  readonly entry: FlushedGeneration;
  readonly file: DataFile;
}

/**
 * An in-memory memtable (frozen or active) read up to its captured batch count.
 *
 * @example
 * ```ts
 * if (source.kind === 'memtable') console.log(source.ref.memtable.generation, source.ref.batchCount);
 * ```
 */
export interface InMemorySource {
  readonly kind: 'memtable';
  readonly generation: number;
  readonly ref: MemtableRef;
}

/**
 * One fresh-tier source of a shard.
 *
 * @example
 * ```ts
 * const gens = shard.fresh.map((s: FreshSource) => s.generation); // ascending
 * ```
 */
export type FreshSource = FlushedSource | InMemorySource;

/**
 * Everything one read uses from one shard.
 *
 * @example
 * ```ts
 * for (const f of shardView.baseFiles) console.log(f.path, f.rows);
 * ```
 */
export interface ShardView {
  readonly shard: number;
  /** Version of the shard manifest read (0 = the implicit initial one). */
  readonly manifestVersion: number;
  readonly manifest: ShardManifest;
  /** `compacted[shard]` of the base version read, -1 when nothing was compacted. */
  readonly compactedThrough: number;
  /** Base files of this shard, oldest first. Their keys are disjoint (compaction merges a shard). */
  readonly baseFiles: readonly BaseFile[];
  /** Fresh sources, ascending by generation, one per generation. */
  readonly fresh: readonly FreshSource[];
  /** The fresh tier as this read observed it. */
  readonly cut: AsOfCut;
}

/**
 * A consistent set of sources: one base version, one manifest version per shard,
 * and the captured memtables.
 *
 * @example
 * ```ts
 * const view = await collectSources(table, writers);
 * console.log(view.baseVersion, view.shards.map((s) => s.manifestVersion));
 * ```
 */
export interface ReadView {
  /** `Date.now()` when the memtables were captured. */
  readonly takenAt: number;
  readonly baseVersion: number;
  readonly base: BaseManifest;
  /** Indexed by shard number. */
  readonly shards: readonly ShardView[];
}

/**
 * A file's key range as encoded key bytes (from the manifest's hex `pkMin`/`pkMax`).
 *
 * @example
 * ```ts
 * const { min, max }: KeyRange = keyRangeOf(file)!;
 * ```
 */
export interface KeyRange {
  readonly min: Uint8Array;
  readonly max: Uint8Array;
}

const ranges = new WeakMap<DataFile, KeyRange | null>();

/**
 * The encoded key range of a data file, or undefined when the manifest has none.
 *
 * @example
 * ```ts
 * const r = keyRangeOf(file);
 * if (r && !keyInRange(r, key, 0, key.length)) skip(file);
 * ```
 */
export function keyRangeOf(file: DataFile): KeyRange | undefined {
  let r = ranges.get(file);
  if (r === undefined) {
    r = file.pkMin !== undefined && file.pkMax !== undefined ? { min: hexBytes(file.pkMin), max: hexBytes(file.pkMax) } : null;
    ranges.set(file, r);
  }
  return r ?? undefined;
}

/**
 * Whether key `bytes[s, e)` lies within `range` (inclusive).
 *
 * @example
 * ```ts
 * keyInRange({ min, max }, keys.bytes, keys.offsets[i], keys.offsets[i + 1]);
 * ```
 */
export function keyInRange(range: KeyRange, bytes: Uint8Array, s: number, e: number): boolean {
  return compareBytes(range.min, 0, range.min.length, bytes, s, e) <= 0 && compareBytes(bytes, s, e, range.max, 0, range.max.length) <= 0;
}

/**
 * Number of row groups of a data file (files are written with a fixed `rowGroupSize`).
 *
 * @example
 * ```ts
 * for (let rg = 0; rg < rowGroupCount(file); rg++) read(rg);
 * ```
 */
export function rowGroupCount(file: DataFile): number {
  return Math.ceil(file.rows / file.rowGroupSize);
}

/**
 * Rows expected in row group `rg` (every group is full but the last).
 *
 * @example
 * ```ts
 * rowGroupRows({ rows: 2500, rowGroupSize: 1000 } as DataFile, 2); // 500
 * ```
 */
export function rowGroupRows(file: DataFile, rg: number): number {
  return Math.min(file.rowGroupSize, file.rows - rg * file.rowGroupSize);
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
