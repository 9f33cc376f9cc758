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
  /** When the memtables were captured, on the scanner's clock (`LsmScannerOptions.now`, default `Date.now`). */
  readonly takenAt: number;
  readonly baseVersion: number;
  readonly base: BaseManifest;
  /** Indexed by shard number. */
  readonly shards: readonly ShardView[];
}
