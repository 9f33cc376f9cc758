/**
 * @freshtier/writer — the write path of a freshtier shard (DESIGN.md "Write path").
 *
 * Data flow of one `put`:
 * ```
 * put(batch) ─ preparePut: Table.conform, encodeKeys, shard check   (bad input: typed error, nothing written)
 *            ─ BackpressureGate.admit                                 (wait while unflushed > maxUnflushedBytes)
 *            ─ reserve (generation, batchIndex) in the ACTIVE memtable
 *            ─ durable: GroupCommitter → WalAppender.append (one entry per group, putIfAbsent)
 *                       → append to the memtable → ack
 *              async:   append to the memtable → ack; the group is logged within walFlushIntervalMs
 *              none:    append to the memtable → ack
 *            ─ freeze on bytes / rows / batches: the active memtable becomes FROZEN, generation+1 opens
 * Flusher    ─ frozen → encodeGeneration → data.parquet + key index (putIfAbsent); the encoding runs
 *              in a flush worker thread (flush-pool.ts, `flushInWorker`) on a copy of the memtable
 *            ─ commit the oldest run of flushed generations into the shard manifest (epoch-guarded)
 *            ─ only then drop the frozen memtables from memory
 * open       ─ validate options → claim epoch+1 → fence entry at the WAL tip
 *            ─ replay WAL entries after replayAfter into frozen memtables (original generations) → flush;
 *              a damaged entry stops the open (CorruptEntryError); only `repair` sets one aside
 * ```
 *
 * Invariants relied on or provided (numbers from DESIGN.md):
 * 2 frozen stays readable until its commit · 5 durable ack after the WAL entry is persisted ·
 * 6 `replayAfter` never passes an uncommitted generation's entries · 7 data file and key index
 * exist before the manifest names them · 8 options first, then epoch claim, fence, replay; a
 * fenced writer gets `ShardFencedError`, never a false ack. From core: `putIfAbsent` is an atomic
 * create; manifests are never rewritten; WAL entries are checksummed.
 *
 * Folders: `shard/` the shard write path (`ShardWriter`, its state `writer-state.ts`, open,
 * write path, WAL, group commit, fencing, replay, backpressure, ingest); `flush/` frozen
 * memtables into committed generations (rounds and retries `flusher.ts`, files
 * `write-files.ts`, manifest change `commit.ts`, worker threads); `maintenance/` the table's
 * upkeep (compaction, base files, versions and tags, rollback, GC); `open-format/` the table as
 * other engines read it (`liveFiles`, `latestStateSql`; docs/format.md).
 *
 * Schema evolution (docs/format.md §14): `evolveSchema` commits one change as one conditional
 * base commit; writers check the schema when they open (before and after the epoch claim) and
 * after each flush commit, then refuse puts with `SchemaChangedError`; compaction writes the
 * current schema; repair rebuilds only what projection onto it leaves unchanged.
 *
 * The base table (docs/base-table.md): `compact` merges a shard's flushed generations into
 * base files; `writer.ingest` commits bulk data as one generation (9); `versions`, `tag`,
 * `checkout` read table versions; `rollback` returns to one in a single commit (12); `gc`
 * deletes what no retained version, tag or live snapshot needs (11).
 */
export { ShardWriter } from './shard/shard-writer.js';
export type { ShardWriterStatus } from './shard/writer-state.js';
export type { ShardWriterOptions, ResolvedWriterOptions, Durability, FlushRetryOptions } from './shard/options.js';
export { systemClock, type WriterClock } from './shard/backpressure.js';
export type { WriterEvent, WriterEventBody, WriterEventType, WriterEventListener, FreezeReason } from './shard/events.js';
export { splitByShard } from './shard/batches.js';
// re-exported from core, where readers share them (kept here for the writer's existing callers)
export { listWal, readWalEntry, type WalListing } from '@freshtier/core';
export { compact, type CompactOptions, type CompactionProgress, type CompactionResult } from './maintenance/compaction.js';
export type { IngestInput, IngestSource, IngestResult } from './shard/ingest.js';
export { head, versions, tag, tags, deleteTag, resolveVersion, checkout, type TableVersion, type VersionRef, type VersionInfo } from './maintenance/versions.js';
// schema evolution (issue 17): one change, one conditional base commit; readers project stored data by field id
export { evolveSchema } from './maintenance/evolve-schema.js';
export { rollback, type RollbackOptions, type RollbackResult, type RollbackStep } from './maintenance/rollback.js';
export { gc, type GcOptions, type GcReport } from './maintenance/gc.js';
export { verify, type VerifyOptions, type VerifyReport, type VerifyProgress, type DamagedObject } from './integrity/verify.js';
export type { ObjectKind } from './integrity/table-objects.js';
export { repair, type RepairOptions, type RepairReport, type RepairAction } from './integrity/repair.js';
export { openTableForRepair } from './integrity/open-for-repair.js';
export type { LostRows } from './integrity/repair-wal.js';
// the open format (docs/format.md): the live files of a table version, and a SQL view of its latest state
export { liveFiles, objectUrl, type LiveFile, type LiveFiles, type LiveShard } from './open-format/live-files.js';
export { latestStateSql, type LatestStateSqlOptions } from './open-format/latest-state-sql.js';
export { changes, changeSchema, CHANGE_OP_COLUMN, type ChangeOp, type ChangesOptions } from './changes/change-feed.js';
