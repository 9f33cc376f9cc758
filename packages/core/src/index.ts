/**
 * @freshtier/core — the layer every other freshtier package stands on.
 *
 * Data flow: callers hand Arrow `RecordBatch`es to a writer, which checks them
 * against the {@link Table} schema (`Table.conform`), encodes primary keys into
 * order-preserving bytes (`encodeKeys`), logs them as WAL entries
 * (`encodeWalEntry`, checksummed Arrow IPC) and later writes Parquet
 * (`writeParquetFile`) with a key index (`encodeKeyIndex`). Every commit is a new
 * manifest version created with `putIfAbsent` (`ManifestStore`).
 *
 * Scans and the write side's maintenance read stored data through the same pieces:
 * `FileReader` (data files and key indexes), `conformBatch` (casting to the table's
 * types), `keyRangeOf` / `rowGroupCount` (file geometry from the manifest),
 * `baseCoverage` (which generations a base version holds) and the live-snapshot
 * registry (`liveSnapshotPins`) that GC consults.
 *
 * Schema versions (docs/format.md §14): a `Table` handle is bound to one schema version, read
 * from the newest base manifest (`Table.open`) or a pinned one (`atBase`); every stored row
 * reaches callers projected onto it by field id, at two points only — `FileReader` for data
 * files and `walBatchAt` for WAL records — so data written under any version reads the same.
 *
 * Invariants this package provides: `putIfAbsent` is an atomic create on every
 * store; manifests are never rewritten; a stored document of another format
 * version is refused; bad input raises a typed error before anything is written.
 */
export * from './errors.js';
export type { ObjectStore, ObjectMeta, PutIfAbsentResult } from './store/object-store.js';
export { joinKey, assertValidKey } from './store/object-store.js';
export { MemoryStore } from './store/memory-store.js';
export { LocalStore } from './store/local-store.js';
export { openStore, registerStoreScheme } from './store/store-uri.js';
export { crc32 } from './format/crc32.js';
export { sealedJsonBytes, openStoredJson, type OpenedDoc } from './format/doc-checksum.js';
export { isArrowRecordBatch, isArrowTable, schemaToBase64, schemaFromBase64, nullableSchema, batchByteSize, sameType } from './arrow/arrow-util.js';
export { encodeKeys, assertKeyColumns, compareBytes, keyAt, keyToHex, type EncodedKeys } from './keys/pk-encoding.js';
export { KeyMap, hashBytes, hashKeys } from './keys/key-map.js';
export { hashKey } from './keys/key-hash.js';
export { encodeKeyIndex, encodeKeyIndexFtk2, decodeKeyIndex, findKey, lowerBoundKey, emptyKeyIndex, type KeyIndex } from './format/key-index.js';
export { decodeCheckedBatch, decodeCheckedBatchOfAnySchema } from './format/ipc-bounds.js';
export { encodeWalEntry, decodeWalEntry, peekWalHeader, type WalEntry, type WalRecord } from './format/wal-codec.js';
// The WAL as readers see it: listing, fetching, replay rules and damage reports (writers' open, remote readers, verify).
export { listWal, readWalEntry, fetchWalEntries, type WalListing } from './wal/wal-listing.js';
export { WalReplayer, type ReplayedGeneration } from './wal/wal-replayer.js';
export { damagedEntryError, decodeOrExplain, describeDamagedEntry, errorDetail, type WalCoordinate } from './wal/wal-damage.js';
export { writeParquetFile, readParquetFile, type ParquetWriteOptions, type ParquetReadOptions } from './format/parquet-codec.js';
export { parquetByteStream } from './format/parquet-stream.js';
export { publishDataFile, type DataFileToPublish, type PublishedDataFile } from './format/publish-files.js';
export { layout, pad20, keyIndexPathFor, parseManifestVersion, parseWalPosition, storedPathProblem, walSuffixOf, type WalSuffix } from './layout/layout.js';
export type { ParsedKey, LayoutKind, DataFileRole } from './layout/layout-parse.js';
export { parseOptions, parseStored, parseJsonBytes, jsonBytes, assertKnownKeys } from './validate.js';
export { SYSTEM_COLUMN_PREFIX, columnNameProblems, assertBatchColumnNames, type ColumnNameProblem } from './table/column-names.js';
export * from './manifest/manifest-schemas.js';
export { ManifestStore, MAX_COMMIT_ATTEMPTS, type ManifestUpdate, type Versioned } from './manifest/manifest-store.js';
export { Table, type CreateTableOptions } from './table/table.js';
// Schema versions (issue 17; docs/format.md "Schema versions"): field ids, the stored record, projection of stored data.
export {
  initialTableSchema, isSchemaAncestor, rolledBackSchema, schemaRecordOf, schemaRecordSchema, schemaVersionField, schemaVersionOfBase, storedNames, tableSchemaOf,
  type InitialDoc, type SchemaField, type SchemaRecord, type TableSchema,
} from './schema/schema-record.js';
export { projectStored, storedColumnNames, walBatchAt } from './schema/stored-projection.js';
export { applySchemaChange, describeChange, schemaChangeSchema, type SchemaChange } from './schema/schema-change.js';
export { defaultData, encodeDefault } from './schema/schema-default.js';
export { Memtable, type MemtableBatch, type MemtableRef, type ShardMemtableRefs, type MemtableSource, type Generation, type ShardId } from './memtable/memtable.js';
export { gatherColumn, gatherData, type RowSelection } from './arrow/gather.js';
export { excludedOf, isExcludedGeneration } from './manifest/generation-ranges.js';
export { baseCoverage, coverageThrough, type BaseCoverage } from './manifest/base-coverage.js';
export { encodeGeneration, generationFileSchema, BATCH_COLUMN, TOMBSTONE_COLUMN, type EncodedGeneration, type GenerationInput } from './format/generation-file.js';
export { memtableImage, imageInput, type MemtableImage } from './memtable/memtable-image.js';
export { sortKeyIds } from './keys/key-sort.js';
// The one merge (DESIGN.md invariant 14): the state of a key from its versions, for every tier.
export {
  COMPUTED, DEDUPLICATE, DELETED, ListRun, MergedState, NO_VALUE, VersionPair, chooseVersion, mergePolicyOf, newestState, policyFor,
  type MergeEngineName, type MergePolicy, type MergeTable, type RowRun, type VersionRun,
} from './merge/merge-versions.js';
// The merge engines' options, state columns and row building (issue 13; docs/merge-engines.md).
export { AGGREGATE_FUNCTIONS, MERGE_ENGINES, aggregateFunctionOf, mergeSpecIssues, storedMergeSpec, type AggregateFunction, type MergeSpec } from './merge/merge-spec.js';
export { CUT_COLUMN, SEQUENCE_COLUMN_PREFIX, stateFields, type StateLayout } from './merge/merge-state-columns.js';
export { StateAssembler, integerData } from './merge/merge-assembler.js';
export { MinHeap } from './merge/merge-heap.js';
export { MemtableVersions, batchOfOrdinal, type VersionChain } from './memtable/memtable-versions.js';
// Reading stored data the same way on the read and the write side (scans, lookups, compaction, ingest, GC).
export { FileReader, emptyStats, type ScanStats } from './read/file-reader.js';
export type { KeyEntry } from './read/key-lookup.js';
export { conformBatch } from './batch-cast.js';
export { keyRangeOf, keyInRange, type KeyRange } from './keys/key-range.js';
export { rowGroupCount, rowGroupRows } from './read/row-groups.js';
export { registerSnapshot, releaseSnapshot, liveSnapshotPins, type SnapshotPin } from './read/snapshot-registry.js';
export { failpoint, armFailpoint, disarmFailpoint, disarmAllFailpoints, failpointStats, parseFailpointSpec, FailpointError, FAILPOINTS, type FailpointAction, type ArmOptions } from './failpoints.js';
