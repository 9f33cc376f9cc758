/**
 * The live files of a table version (docs/format.md "Reading a table version"): the
 * objects another engine reads to get the version's latest state, read at one
 * consistent version. Per shard:
 *
 * - the base files of the base version (`files` with that `shard`);
 * - the flushed generations of the shard manifest version that the base version does
 *   not cover (`baseCoverage`: above `compacted[shard]` and outside every `excluded`
 *   range), ascending by generation; an ingest is a generation like a flush.
 *
 * For the newest version the base manifest is read before the shard manifests (as a
 * scan's collector does): compaction never removes a flushed entry, so every generation
 * the base covers is in the shard manifests read after it. What the WAL after
 * `replayAfter` still holds (rows acked but not flushed) is in no file: `pendingWal`
 * counts those entries for the newest version, so a caller can say so.
 *
 * Schema versions (issue 17): each file reports the schema version it was written with, and
 * the answer the schema its table version reads at (the base manifest's `schema`, else
 * version 0) with the column names of every schema version its files have, so a reader can
 * project each file onto it by field id (latest-state-sql.ts does).
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { CorruptEntryError, baseCoverage, layout, listWal, storedNames, type BaseManifest, type DataFile, type GenerationRange, type ShardManifest, type Table, type TableSchema } from '@freshtier/core';
import { resolveVersion, type TableVersion, type VersionRef } from '../maintenance/versions.js';
import { liveSchema, schemaAt, type LiveSchema } from './view-schema.js';

/**
 * One live data file of a table version.
 *
 * @example
 * ```ts
 * const f: LiveFile = { kind: 'generation', shard: 0, generation: 7, path: 'shards/0/gen-7-e1-0badf00d/data.parquet', url: '/data/t/shards/0/gen-7-e1-0badf00d/data.parquet', rows: 10, bytes: 2048, rowGroupSize: 65536, schemaVersion: 0 };
 * ```
 */
export interface LiveFile {
  /** `base`: a base file; `generation`: a flushed memtable; `ingest`: a bulk ingest (a generation too). */
  readonly kind: 'base' | 'generation' | 'ingest';
  readonly shard: number;
  /** The generation (ordering the files of a shard); null for base files, which are older than every generation they do not cover. */
  readonly generation: number | null;
  /** Relative to the table root. */
  readonly path: string;
  /** Where another engine reads it: an absolute path for a local table, else the store's URL of the object. */
  readonly url: string;
  readonly rows: number;
  readonly bytes: number;
  /** CRC-32 of the whole file (absent on files written before checksums). */
  readonly checksum?: number;
  readonly rowGroupSize: number;
  /** The key index beside it (relative path); absent on append-only tables. */
  readonly keyIndexPath?: string;
  /** Hex of the smallest and largest encoded key. */
  readonly pkMin?: string;
  readonly pkMax?: string;
  /**
   * The schema version its columns were written with (0 when its entry names none): its column
   * names are `schema.versions`' of that version. Always set by {@link liveFiles}; absent (read: 0)
   * only in an answer built by hand or by a build before schema versions.
   */
  readonly schemaVersion?: number;
}

/**
 * What a shard contributes to a table version.
 *
 * @example
 * ```ts
 * const s: LiveShard = { shard: 0, manifestVersion: 8, compacted: 5, excluded: [], replayAfter: 41 };
 * ```
 */
export interface LiveShard {
  readonly shard: number;
  readonly manifestVersion: number;
  /** `compacted[shard]` of the base version: generations at or below it are in the base files (-1: none). */
  readonly compacted: number;
  /** Generation ranges a rollback excluded (`above < g < below`). */
  readonly excluded: readonly GenerationRange[];
  /** WAL entries at or below it are in committed generations or are fences. */
  readonly replayAfter: number;
  /** Newest version only: WAL entries after `replayAfter` (they may hold acked rows no file holds yet). */
  readonly pendingWal?: number;
}

/**
 * The live files of one table version.
 *
 * @example
 * ```ts
 * const live = await liveFiles(table);
 * for (const f of live.files) console.log(f.kind, f.shard, f.generation ?? 'base', f.url);
 * ```
 */
export interface LiveFiles {
  readonly version: TableVersion;
  /** True when this is the newest version (no ref given). */
  readonly newest: boolean;
  readonly shards: readonly LiveShard[];
  /** Per shard (ascending), base files first, then generations ascending. */
  readonly files: readonly LiveFile[];
  /**
   * The schema the version reads at, and the column names of every schema version a live file
   * has. Always set by {@link liveFiles}; absent (read: version 0) as for {@link LiveFile.schemaVersion}.
   */
  readonly schema?: LiveSchema;
}

/** The in-memory schema of each {@link liveFiles} answer, for the SQL view (not part of its JSON form). */
const states = new WeakMap<LiveFiles, TableSchema>();

/**
 * The schema `live` reads at, in memory: the one {@link liveFiles} read, else (an answer
 * copied or built by hand) the table's current or version-0 schema when its version is
 * `live.schema.version`, else undefined.
 *
 * @example
 * ```ts
 * const ts = liveTableSchema(table, await liveFiles(table))!;
 * ```
 */
export function liveTableSchema(table: Table, live: LiveFiles): TableSchema | undefined {
  const known = states.get(live);
  if (known) return known;
  const version = live.schema?.version ?? 0; // an answer of a build before schema versions has none
  if (table.schemaVersion === version) return table.schemaState;
  return version === 0 ? table.initialSchema() : undefined;
}

/**
 * The live files of a table version (default: the newest), read at one consistent version.
 *
 * @example
 * ```ts
 * const { files } = await liveFiles(table, 'nightly');
 * const rows = files.reduce((n, f) => n + f.rows, 0); // stored rows, before dedup
 * ```
 */
export async function liveFiles(table: Table, ref?: VersionRef): Promise<LiveFiles> {
  const { version, base, shards, state } = ref === undefined ? await readNewest(table) : await readPinned(table, await resolveVersion(table, ref));
  const pending = ref === undefined ? await Promise.all(shards.map((m, s) => listWal(table.store, s, m.replayAfter, table.walSuffix).then((l) => l.length))) : undefined;
  const files: LiveFile[] = [];
  const live: LiveShard[] = shards.map((m, s) => {
    const coverage = baseCoverage(base, s);
    for (const f of base.files) if (f.shard === s) files.push(liveFile(table, 'base', s, null, f, state, layout.manifest(layout.baseManifests, version.baseVersion)));
    const where = layout.manifest(layout.shardManifests(s), version.shardVersions[s]);
    for (const g of [...m.flushed].sort((a, b) => a.generation - b.generation)) {
      if (!coverage.inBase(g.generation)) files.push(liveFile(table, g.source === 'ingest' ? 'ingest' : 'generation', s, g.generation, g.file, state, where));
    }
    return { shard: s, manifestVersion: version.shardVersions[s], compacted: coverage.compacted, excluded: coverage.excluded, replayAfter: m.replayAfter, ...(pending ? { pendingWal: pending[s] } : {}) };
  });
  const out: LiveFiles = { version, newest: ref === undefined, shards: live, files, schema: liveSchema(state, files.map((f) => f.schemaVersion ?? 0)) };
  states.set(out, state);
  return out;
}

interface ReadVersion {
  version: TableVersion;
  base: BaseManifest;
  shards: ShardManifest[];
  /** The schema the base manifest version holds. */
  state: TableSchema;
}

/** Reads of the newest version before a file of an unknown schema version is taken as damage. */
const NEWEST_ATTEMPTS = 3;

/**
 * The newest version: the base manifest first, then every shard manifest (see the module
 * doc). A schema change and a flush at its version may commit between the two reads, so a
 * shard can list a file of a schema version newer than the base read: then read again.
 */
async function readNewest(table: Table): Promise<ReadVersion> {
  for (let attempt = 1; ; attempt++) {
    const base = await table.baseManifests.latest();
    const shards = await Promise.all(shardIds(table).map((s) => table.shardManifests(s).latest()));
    const state = schemaAt(table, base.doc, base.version);
    const newest = Math.max(0, ...shards.flatMap((m) => m.doc.flushed.map((g) => g.file.schemaVersion ?? 0)));
    if (newest <= state.lastVersion || attempt === NEWEST_ATTEMPTS) {
      return { version: { baseVersion: base.version, shardVersions: shards.map((m) => m.version) }, base: base.doc, shards: shards.map((m) => m.doc), state };
    }
  }
}

async function readPinned(table: Table, version: TableVersion): Promise<ReadVersion> {
  const base = await table.baseManifests.load(version.baseVersion);
  const shards = await Promise.all(shardIds(table).map((s) => table.shardManifests(s).load(version.shardVersions[s])));
  return { version, base, shards, state: schemaAt(table, base, version.baseVersion) };
}

/** `manifest` names the document listing `f`: a schema version the table version does not know is a corrupt entry there. */
function liveFile(table: Table, kind: LiveFile['kind'], shard: number, generation: number | null, f: DataFile, state: TableSchema, manifest: string): LiveFile {
  const schemaVersion = f.schemaVersion ?? 0;
  if (schemaVersion > state.lastVersion) {
    // the newest version was read again (readNewest); a pinned one was chosen with its base
    throw new CorruptEntryError(manifest, `it lists ${f.path}, written with schema version ${schemaVersion}, newer than every schema version its table version's base manifest knows (up to ${state.lastVersion}); restore the manifest, or read another table version`);
  }
  storedNames(state, schemaVersion, manifest);
  return {
    kind, shard, generation, path: f.path, url: objectUrl(table, f.path), rows: f.rows, bytes: f.bytes,
    ...(f.checksum !== undefined ? { checksum: f.checksum } : {}), rowGroupSize: f.rowGroupSize,
    ...(f.keyIndexPath !== undefined ? { keyIndexPath: f.keyIndexPath } : {}),
    ...(f.pkMin !== undefined ? { pkMin: f.pkMin } : {}), ...(f.pkMax !== undefined ? { pkMax: f.pkMax } : {}), schemaVersion,
  };
}

/**
 * Where another engine finds object `key` of the table: an absolute path for a
 * `file://` store, else the store's URI joined with the key (`s3://bucket/prefix/key`).
 *
 * @example
 * ```ts
 * objectUrl(table, 'base/data/u.parquet'); // '/data/t/base/data/u.parquet'
 * ```
 */
export function objectUrl(table: Table, key: string): string {
  const uri = table.store.uri;
  if (uri.startsWith('file://')) return path.join(fileURLToPath(uri), ...key.split('/'));
  return `${uri.replace(/\/+$/, '')}/${key}`;
}

function shardIds(table: Table): number[] {
  return Array.from({ length: table.shardCount }, (_, s) => s);
}
