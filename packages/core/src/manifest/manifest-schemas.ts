/**
 * zod schemas of every persisted document. Each carries `formatVersion`; a
 * document of another version is refused with `UnsupportedFormatError` before
 * it is interpreted.
 */
import { z } from 'zod';
import { storedPathProblem } from '../layout/layout.js';
import { mergeSpecFields } from '../merge/merge-spec.js';
import { schemaRecordSchema } from '../schema/schema-record.js';

/** The format version of every document except `_table.json` (manifests, tags): this build writes and reads it. */
export const FORMAT_VERSION = 1;

/**
 * The format version of a base manifest that carries a `schema` (a table whose schema evolved,
 * docs/format.md "Schema versions"): builds that know only version 1 refuse it, so none of them
 * reads an evolved table's files by name as if its schema were still `_table.json`'s.
 */
export const SCHEMA_FORMAT_VERSION = 2;

/** The format versions of base manifests this build reads (2: with a `schema`). */
export const BASE_FORMAT_VERSIONS: readonly number[] = [FORMAT_VERSION, SCHEMA_FORMAT_VERSION];

/**
 * The format version of `_table.json` this build writes. It names the table's WAL entries
 * (docs/format.md "Naming"): version 1 tables keep `.arrow` WAL entries for their whole life,
 * version 2 tables use `.ftw`. Both are read; a build that knows only version 1 refuses a
 * version 2 table, which is what keeps its writers from claiming positions under the old name.
 */
export const TABLE_FORMAT_VERSION = 2;

/** Every `_table.json` format version this build opens. */
export const TABLE_FORMAT_VERSIONS: readonly number[] = [1, 2];

/** `_table.json`: created once, put-if-absent. */
export const tableDocSchema = z.object({
  formatVersion: z.number().int().refine((v) => TABLE_FORMAT_VERSIONS.includes(v), 'not a table format version this build reads'),
  createdAt: z.string(),
  /** Exact Arrow schema, base64 Arrow IPC. */
  arrowSchema: z.string().min(1),
  /** Human-readable copy of the fields (informational). */
  fields: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })),
  primaryKey: z.array(z.string().min(1)),
  shards: z.number().int().min(1).max(4096),
  /**
   * Set on tables created since documents carry checksums (format/doc-checksum.ts): then every
   * manifest and tag must carry one. Absent on older tables, whose documents are read unchecked.
   */
  checksums: z.literal(true).optional(),
  /**
   * The merge options (docs/merge-engines.md): absent on deduplicate tables without a sequence
   * field, and on every table created before merge engines existed, which read as such.
   */
  ...mergeSpecFields,
});
export type TableDoc = z.infer<typeof tableDocSchema>;

/**
 * A path a stored document names: relative to the table root, never leaving it. A bad
 * one fails the document's parse, so loading it is a `CorruptEntryError` naming the
 * document, before any path is used.
 */
const storedPath = () => z.string().superRefine((path, ctx) => {
  const problem = storedPathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(path)} is not a path inside the table root: ${problem}. freshtier names only objects it wrote under the root, so this document was edited or damaged` });
});

/** A data file with its key index and key range (hex of encoded keys). */
export const dataFileSchema = z.object({
  path: storedPath(),
  keyIndexPath: storedPath().optional(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  rowGroupSize: z.number().int().positive(),
  pkMin: z.string().optional(),
  pkMax: z.string().optional(),
  /** CRC-32 of the whole data file (whose size is `bytes`), checked on every read; absent on files written before issue 12. */
  checksum: z.number().int().nonnegative().max(0xffffffff).optional(),
  /** The schema version the file's columns were written with (docs/format.md "Schema versions"); absent: 0. */
  schemaVersion: z.number().int().nonnegative().optional(),
});
export type DataFile = z.infer<typeof dataFileSchema>;

/** A flushed generation in a shard manifest. */
export const flushedGenerationSchema = z.object({
  generation: z.number().int().nonnegative(),
  file: dataFileSchema,
  /** Rows appended to the generation (before dedup), batch by batch: `batchRowOffsets[i]` = first row of batch i; last = total. */
  batchRowOffsets: z.array(z.number().int().nonnegative()),
  /** Highest WAL position holding a record of this generation (-1 if none, e.g. durability `none`). */
  walLast: z.number().int(),
  /** How the generation was made: a memtable flush or a bulk ingest. */
  source: z.enum(['flush', 'ingest']),
});
export type FlushedGeneration = z.infer<typeof flushedGenerationSchema>;

/** `shards/<id>/_manifests/v….json`. */
export const shardManifestSchema = z.object({
  formatVersion: z.number().int(),
  shard: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /** Lowest generation a new writer may use (strictly above every generation ever assigned). */
  nextGeneration: z.number().int().positive(),
  /** Ascending by generation. */
  flushed: z.array(flushedGenerationSchema),
  /** Every WAL entry at or below this position is covered by committed generations or is a fence (-1: none). */
  replayAfter: z.number().int(),
  committedAt: z.string(),
  /** What this commit did, for `versions()` and `inspect`. */
  note: z.string(),
});
export type ShardManifest = z.infer<typeof shardManifestSchema>;

/** Generations `g` with `above < g < below`, excluded from reads by a rollback. */
export const generationRangeSchema = z.object({
  above: z.number().int().min(-1),
  below: z.number().int().nonnegative(),
});
export type GenerationRange = z.infer<typeof generationRangeSchema>;

/** `base/_manifests/v….json`. */
export const baseManifestSchema = z.object({
  formatVersion: z.number().int(),
  files: z.array(dataFileSchema.extend({ shard: z.number().int().nonnegative() })),
  /** Per shard: every generation at or below this is in the base files (absent: none). */
  compacted: z.record(z.string(), z.number().int().nonnegative()),
  /**
   * Per shard: generation ranges a rollback excluded (docs/base-table.md). Readers, compaction
   * and replay skip them. Optional: base versions written before rollback existed have none.
   */
  excluded: z.record(z.string(), z.array(generationRangeSchema)).optional(),
  /**
   * A rollback in progress (docs/base-table.md "Rollback"): set by its first commit, gone with
   * its last. A writer that opens meanwhile removes it, which makes that rollback abort.
   * Readers ignore it; every other commit carries it forward.
   */
  pendingRollback: z.object({ id: z.string().min(1), startedAt: z.string() }).optional(),
  /**
   * How many times GC fenced compactions (docs/base-table.md "GC"): GC raises it by one,
   * in a commit that changes nothing else, before it deletes unlisted base files; a
   * compaction that started from a version with another value (or across a missing
   * version) does not commit. Optional: absent means 0.
   */
  gcFence: z.number().int().nonnegative().optional(),
  /**
   * The table's schema at this version (docs/format.md "Schema versions"); absent: version 0,
   * `_table.json`'s. Present only with `formatVersion` 2; every other commit carries it forward.
   */
  schema: schemaRecordSchema.optional(),
  committedAt: z.string(),
  note: z.string(),
}).superRefine((doc, ctx) => {
  if ((doc.schema !== undefined) !== (doc.formatVersion === SCHEMA_FORMAT_VERSION)) {
    ctx.addIssue({ code: 'custom', path: ['formatVersion'], message: `a base manifest carries a schema exactly when its format version is ${SCHEMA_FORMAT_VERSION}` });
  }
});
export type BaseManifest = z.infer<typeof baseManifestSchema>;
export type BaseFile = BaseManifest['files'][number];

/** `_tags/<name>.json`. */
export const tagDocSchema = z.object({
  formatVersion: z.number().int(),
  name: z.string(),
  baseVersion: z.number().int().nonnegative(),
  shardVersions: z.record(z.string(), z.number().int().nonnegative()),
  createdAt: z.string(),
});
export type TagDoc = z.infer<typeof tagDocSchema>;

/** The manifest of a shard nobody has written yet. */
export function initialShardManifest(shard: number): ShardManifest {
  return { formatVersion: FORMAT_VERSION, shard, epoch: 0, nextGeneration: 1, flushed: [], replayAfter: -1, committedAt: new Date(0).toISOString(), note: 'initial' };
}

/** The base manifest of a table nothing was compacted into yet. */
export function initialBaseManifest(): BaseManifest {
  return { formatVersion: FORMAT_VERSION, files: [], compacted: {}, committedAt: new Date(0).toISOString(), note: 'initial' };
}
