/**
 * The objects one table version needs, each with the check that reads it whole and
 * what a reader loses if it is damaged (DESIGN.md invariant 13). `verify` runs the
 * checks; `repair` starts from what they found.
 *
 * Source order (what a read of the version touches, and so what is listed):
 * 1. `_table.json`;
 * 2. every tag document (or only the one asked for);
 * 3. the base manifest version, then each of its data files and key indexes;
 * 4. per shard: the shard manifest version, each flushed generation's data file and
 *    key index it names (also those the base already covers: an older version may
 *    still read them), then — for the newest version only — the WAL entries after
 *    `replayAfter`, which hold acked rows not yet flushed.
 * A manifest that fails its check hides what it names: those objects are not listed.
 */
import {
  CorruptEntryError, FileReader, Table, WalReplayer, baseCoverage, describeDamagedEntry, errorDetail, isFreshtierError, listWal, decodeKeyIndex, decodeWalEntry, emptyStats, layout, rowGroupCount,
  type BaseManifest, type DataFile, type ShardManifest, type WalEntry,
} from '@freshtier/core';

/**
 * The kinds of stored object `verify` checks.
 *
 * @example
 * ```ts
 * const kind: ObjectKind = 'wal-entry';
 * ```
 */
export type ObjectKind = 'table' | 'tag' | 'base-manifest' | 'shard-manifest' | 'data-file' | 'key-index' | 'wal-entry';

/**
 * One object to check: where it is, what it is, what depends on it.
 *
 * @example
 * ```ts
 * const o: TableObject = { path: '_table.json', kind: 'table', affects: 'the whole table', check: async () => {} };
 * ```
 */
export interface TableObject {
  readonly path: string;
  readonly kind: ObjectKind;
  readonly shard?: number;
  /** For data files, key indexes and WAL entries of a shard: the generation(s) involved. */
  readonly generation?: number;
  /** Who loses what if the object is damaged. */
  readonly affects: string;
  /** Reads the object whole and verifies it; resolves with the bytes read. */
  check(): Promise<number>;
}

/** A manifest that could not be read, and the error it gave. */
export interface UnreadableManifest {
  readonly object: TableObject;
  readonly error: unknown;
}

/**
 * What the version's documents name, and the documents that failed (step 3 and 4 of the module doc).
 *
 * @example
 * ```ts
 * const { objects, failed } = await versionObjects(table, { baseVersion: 3, shardVersions: [8, 5] }, true);
 * ```
 */
export async function versionObjects(table: Table, version: { baseVersion: number; shardVersions: readonly number[] }, newest: boolean): Promise<{ objects: TableObject[]; failed: UnreadableManifest[] }> {
  const reader = new FileReader(table, emptyStats(), 0);
  const objects: TableObject[] = [];
  const failed: UnreadableManifest[] = [];
  const base = await loadManifest(failed, baseManifestObject(table, version.baseVersion), () => table.baseManifests.load(version.baseVersion));
  if (base) for (const f of base.files) objects.push(...fileObjects(table, reader, f, f.shard, undefined));
  for (let s = 0; s < version.shardVersions.length; s++) {
    const shard = await loadManifest(failed, shardManifestObject(table, s, version.shardVersions[s], newest), () => table.shardManifests(s).load(version.shardVersions[s]));
    if (!shard) continue;
    objects.push(...flushedObjects(table, reader, shard, base));
    if (newest) objects.push(...(await walObjects(table, shard)));
  }
  return { objects, failed };
}

/**
 * `_table.json` as an object to check (step 1).
 *
 * @example
 * ```ts
 * await tableDocObject(table).check();
 * ```
 */
export function tableDocObject(table: Table): TableObject {
  return {
    path: layout.tableDoc, kind: 'table', affects: 'the whole table: no reader or writer can open it',
    check: async () => (await Table.openDoc(table.store), (await table.store.head(layout.tableDoc))?.size ?? 0),
  };
}

/**
 * The base manifest version as an object (its check loads it).
 *
 * @example
 * ```ts
 * const o = baseManifestObject(table, 3);
 * ```
 */
export function baseManifestObject(table: Table, version: number): TableObject {
  return {
    path: layout.manifest(layout.baseManifests, version), kind: 'base-manifest',
    affects: `every read of base version ${version}: its base files and which generations they cover are unknown`,
    check: async () => (await table.baseManifests.load(version), 0),
  };
}

function shardManifestObject(table: Table, shard: number, version: number, newest: boolean): TableObject {
  return {
    path: layout.manifest(layout.shardManifests(shard), version), kind: 'shard-manifest', shard,
    affects: `every read of shard ${shard} at version ${version}${newest ? `, and the writer of shard ${shard}` : ''}: its flushed generations are unknown`,
    check: async () => (await table.shardManifests(shard).load(version), 0),
  };
}

/** Loads a manifest, recording damage as a failure instead of throwing. */
async function loadManifest<T>(failed: UnreadableManifest[], object: TableObject, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (!isDamage(error)) throw error;
    failed.push({ object, error });
    return undefined;
  }
}

const DAMAGE_CODES = new Set(['CORRUPT_ENTRY', 'NOT_FOUND', 'SNAPSHOT_EXPIRED', 'UNSUPPORTED_FORMAT', 'OUTSIDE_ROOT']);

/**
 * Whether an error means a stored object is damaged or missing. Anything else — a store
 * outage, a bug — stops `verify`: it cannot vouch for what it could not read.
 *
 * @example
 * ```ts
 * if (!isDamage(e)) throw e;
 * ```
 */
export function isDamage(e: unknown): boolean {
  return isFreshtierError(e) && DAMAGE_CODES.has(e.code);
}

function flushedObjects(table: Table, reader: FileReader, shard: ShardManifest, base: BaseManifest | undefined): TableObject[] {
  const coverage = base ? baseCoverage(base, shard.shard) : undefined;
  return shard.flushed.flatMap((f) => {
    if (!coverage?.inBase(f.generation)) return fileObjects(table, reader, f.file, shard.shard, f.generation);
    const why = f.generation <= coverage.compacted ? 'the base covers it at this version' : 'a rollback excluded it at this version';
    // no read of this version uses it, so GC may have deleted it (once no retained version reads it): gone is
    // not damage; present, it is still checked, since an older version may read it
    return fileObjects(table, reader, f.file, shard.shard, f.generation, ` (${why}: only older versions read it)`).map(mayBeGone);
  });
}

/** The object, whose absence is no damage (GC deleted what no retained version reads). */
function mayBeGone(o: TableObject): TableObject {
  return {
    ...o,
    check: async () => {
      try {
        return await o.check();
      } catch (e) {
        if (isFreshtierError(e, 'NOT_FOUND') || isFreshtierError(e, 'SNAPSHOT_EXPIRED')) return 0;
        throw e;
      }
    },
  };
}

/** A data file and its key index. `generation` undefined: a base file. */
function fileObjects(table: Table, reader: FileReader, file: DataFile, shard: number, generation: number | undefined, note = ''): TableObject[] {
  const what = generation === undefined ? `base rows of shard ${shard} in ${file.path} (${file.rows} rows)` : `generation ${generation} of shard ${shard} (${file.rows} rows)`;
  const out: TableObject[] = [{
    path: file.path, kind: 'data-file', shard, generation,
    affects: `${what}: scans, gets and compactions that read it fail${note}`,
    check: () => checkDataFile(reader, file),
  }];
  if (file.keyIndexPath) {
    const path = file.keyIndexPath;
    out.push({
      path, kind: 'key-index', shard, generation,
      affects: `the key index of ${what}: scans, gets and containsPks that reach it fail${note}`,
      check: async () => {
        const bytes = await table.store.get(path);
        decodeKeyIndex(bytes, path, table.doc.checksums === true);
        return bytes.byteLength;
      },
    });
  }
  return out;
}

/** Size and checksum; a file written before checksums is decoded row group by row group instead. */
async function checkDataFile(reader: FileReader, file: DataFile): Promise<number> {
  const bytes = await reader.dataFile(file);
  if (file.checksum === undefined) for (let rg = 0; rg < rowGroupCount(file); rg++) reader.readRowGroup(bytes, file, rg);
  return bytes.byteLength;
}

async function walObjects(table: Table, shard: ShardManifest): Promise<TableObject[]> {
  return (await listWal(table.store, shard.shard, shard.replayAfter, table.walSuffix)).map((listing) => ({
    path: listing.key, kind: 'wal-entry' as const, shard: shard.shard,
    affects: `acked rows of shard ${shard.shard} not yet flushed: the writer of shard ${shard.shard} will not open until it is repaired`,
    check: async () => {
      const bytes = await table.store.get(listing.key);
      try {
        decodeWalEntryOf(bytes, listing.key, shard.shard);
      } catch (e) {
        throw new CorruptEntryError(listing.key, `${errorDetail(e)}; ${describeDamagedEntry(bytes, 'unknown')}`, e);
      }
      return bytes.byteLength;
    },
  }));
}

/**
 * An entry of shard `shard`'s WAL, decoded and checked as replay checks it: the codec, then
 * the replayer's own shard rule (an entry of another shard is damage). So `verify` reports,
 * and `repair` confirms, exactly the entries that stop a writer's open or a tail read.
 *
 * @example
 * ```ts
 * const entry = decodeWalEntryOf(await table.store.get(listing.key), listing.key, 0);
 * ```
 */
export function decodeWalEntryOf(bytes: Uint8Array, key: string, shard: number): WalEntry {
  const entry = decodeWalEntry(bytes, key);
  WalReplayer.checkShard(key, entry, shard);
  return entry;
}
