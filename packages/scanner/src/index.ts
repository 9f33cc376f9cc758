/**
 * @freshtier/scanner — the read path: one table out of base files and the fresh
 * tier (flushed generations and live memtables), newest version per primary key.
 *
 * Data flow of a read:
 *
 * ```
 * collectSources (collector.ts)       1. writers' memtables (sync)  2. base manifest  3. shard manifests
 *   → ReadView (sources.ts): per shard base files + fresh sources in ascending generation + AsOfCut
 *   → scan (scan.ts):
 *        FreshIndex over the fresh keys (dedup.ts; files and key indexes via core's FileReader)
 *        base files / flushed generations row group by row group, memtable batches
 *        → conform to table types (core's conformBatch) → newest-version mask → filter (filter.ts,
 *          filter-eval.ts) → limit → OutputBuffer (projection.ts) → RecordBatch of the projected table columns
 *        primary-key conjuncts prune files, row groups and index entries (key-constraint.ts)
 *   → get / containsPks (lookup.ts): newest source first, pkMin/pkMax, key indexes, only the row groups needed
 * containsPksAsOf / freshTierBlockList (as-of-cut.ts): current memtables + shard manifests vs a cut
 * snapshot (snapshot.ts): a ReadView kept for repeatable reads until its retention ends
 * keys from callers (key-input.ts): a RecordBatch / Table of the key columns, or objects like { id: 5n }
 * ```
 *
 * API choices: `scan()` returns a `ScanResult` — an `AsyncIterable<RecordBatch>` with
 * `toTable()` and `cuts: Promise<AsOfCut[]>` (one per shard, resolved once sources are
 * collected, before any row is read). `get` returns one row per distinct live key in the
 * order the keys were given. `freshTierBlockList` returns the ascending indices of the keys
 * the fresh tier supersedes. `stats` counts data-file and key-index reads.
 *
 * Invariants relied on (DESIGN.md):
 * - a writer captures its frozen and active memtables in one synchronous step, and
 *   drops a frozen memtable only after the manifest commit publishing it succeeds (2);
 * - a flushed generation's data file and key index exist before the manifest naming
 *   them (7); manifests and data files are never rewritten;
 * - flushed files are sorted by key with one row per key (`_ft_batch`, `_ft_tombstone`)
 *   and a key index whose `firstBatch` is the first batch holding the key (10);
 * - compaction records `compacted[shard]` in the base manifest and does not remove
 *   entries from shard manifests' flushed lists; a shard's base files hold disjoint
 *   keys and no tombstones; every data file has `rowGroupSize`-row groups;
 * - keys of different shards are disjoint (a key's shard is a hash of its bytes);
 * - a base version may exclude generation ranges (`excluded`, written by a rollback):
 *   they are skipped like compacted ones, and the cut carries them.
 *
 * Remote readers: `new LsmScanner(table, { tail: true })` refreshes, before every read, one
 * `ShardTail` per shard (tail/shard-tail.ts): read-only memtables rebuilt from the WAL
 * entries after `replayAfter` by core's `WalReplayer` (the writer's replay rules), which
 * then take a writer's place in step 1. So a reader in any process sees every row acked
 * durably before the read, and its cuts mean the same in every process (invariant 15).
 *
 * Pinned reads: `new LsmScanner(table, { at: { baseVersion, shardVersions } })` reads that
 * table version (the writer's `checkout`). Live snapshots register in core's snapshot registry
 * so GC keeps what they read.
 *
 * Invariants provided: read union and read-once (1), frozen stays readable (2),
 * active wins over frozen (3), filters after dedup (4), exact AsOfCut (10),
 * repeatable snapshots that fail with `SnapshotExpiredError` rather than differ (11),
 * every acked row visible to a tailing reader in any process (15).
 *
 * @example
 * ```ts
 * import { LsmScanner, col } from '@freshtier/scanner';
 * const scanner = new LsmScanner(table, { writers: [writer] });
 * const result = scanner.scan({ columns: ['id', 'name'], filter: col('age').gt(30) });
 * for await (const batch of result) console.log(batch.numRows);
 * const baseKeys = [{ id: 1n }, { id: 2n }]; // keys a base-table reader returned
 * const superseded = await scanner.freshTierBlockList(baseKeys, await result.cuts);
 * ```
 */
// The public API.
export { LsmScanner, type LsmScannerOptions } from './lsm-scanner.js';
export { ShardTail, type ShardTailRefresh } from './tail/shard-tail.js';
export { ScanResult, type ScanOptions } from './scan.js';
export { Snapshot, type GetOptions } from './snapshot.js';
export { col, and, or, not, ColumnRef, type Filter, type FilterValue, type CompareOp } from './filter.js';
export type { AsOfCut } from './as-of-cut.js';
export type { PinnedVersions } from './collector.js';
export type { KeysInput } from './key-input.js';
// `LsmScanner.stats` has this type; it lives in core with the file reader that counts.
export type { ScanStats } from '@freshtier/core';
