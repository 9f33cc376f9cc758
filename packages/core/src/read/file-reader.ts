/**
 * Reading data files and key indexes from the object store, with the counters
 * tests and benchmarks use to prove that lookups skip files (`ScanStats`). Scans,
 * lookups, compaction and ingest all read files this way, hence core.
 *
 * - Data files are fetched whole (parquet-wasm parses from bytes) and decoded one
 *   row group at a time, so decoded memory stays at a row group, not a file.
 * - Key indexes are immutable objects, so what is read of them is cached (least
 *   recently used, bounded in bytes) and never goes stale: whole indexes (scans,
 *   compaction) by path, and for lookups the directory and blocks of a blocked
 *   index (key-lookup.ts), so a lookup reads only the blocks that can hold its keys.
 * - A file named by the manifests a read collected but missing from the store was
 *   removed after the read pinned it (GC past retention): that read fails with
 *   `SnapshotExpiredError`, never a silently different answer.
 *
 * Folder `read/`: what both sides need to read stored data — this reader, row-group
 * geometry (row-groups.ts) and the live-snapshot registry GC consults (snapshot-registry.ts).
 */
import type { RecordBatch } from 'apache-arrow';
import { conformBatch } from '../batch-cast.js';
import { CorruptEntryError, SnapshotExpiredError, isFreshtierError } from '../errors.js';
import { BATCH_COLUMN, TOMBSTONE_COLUMN } from '../format/generation-file.js';
import { crc32 } from '../format/crc32.js';
import { decodeKeyIndex, findKey, type KeyIndex } from '../format/key-index.js';
import type { DataFile } from '../manifest/manifest-schemas.js';
import type { ObjectStore } from '../store/object-store.js';
import { readParquetFile } from '../format/parquet-codec.js';
import { DELETED, newestState } from '../merge/merge-versions.js';
import { compareBytes, encodeKeys } from '../keys/pk-encoding.js';
import { rowGroupCount, rowGroupRows } from './row-groups.js';
import { readColumns } from './projected-read.js';
import { ByteLru } from './byte-lru.js';
import { checkWholeIndex } from './index-identity.js';
import { PARALLEL, lookupKeys, type CachedIndex, type IndexIo, type KeyEntry } from './key-lookup.js';
import type { Table } from '../table/table.js';
import { projectStored, storedColumnNames } from '../schema/stored-projection.js';

/**
 * I/O counters of a {@link FileReader} (cumulative; a scanner shows its reader's as
 * `LsmScanner.stats`, see `LsmScanner.resetStats`).
 *
 * @example
 * ```ts
 * scanner.resetStats();
 * const absentKeys = [{ id: 1_000_000n }, { id: 1_000_001n }];
 * await scanner.containsPks(absentKeys);
 * console.log(scanner.stats.dataFileReads); // 0: key indexes answered
 * ```
 */
export interface ScanStats {
  /** Data files (Parquet) fetched from the store. */
  dataFileReads: number;
  /** Key index files fetched from the store (cache misses): whole, or the directory of a blocked index. */
  keyIndexReads: number;
  /** Blocks of blocked key indexes fetched from the store (cache misses). */
  keyBlocksRead: number;
  /** Row groups decoded. */
  rowGroupsRead: number;
  /** Bytes fetched (data files and key indexes). */
  bytesRead: number;
}

/**
 * A fresh set of zeroed counters.
 *
 * @example
 * ```ts
 * const stats = emptyStats();
 * ```
 */
export function emptyStats(): ScanStats {
  return { dataFileReads: 0, keyIndexReads: 0, keyBlocksRead: 0, rowGroupsRead: 0, bytesRead: 0 };
}

/**
 * Fetches and decodes the files of one table.
 *
 * @example
 * ```ts
 * const reader = new FileReader(table, emptyStats(), 64 << 20);
 * const { doc: manifest } = await table.shardManifests(0).latest();
 * const file = manifest.flushed[0].file;
 * const index = await reader.keyIndexOf(file, 'flushed');
 * ```
 */
export class FileReader {
  private readonly store: ObjectStore;
  private readonly cache: ByteLru<CachedIndex>;
  private readonly inFlight = new Map<string, Promise<KeyIndex>>();
  private readonly metaInFlight = new Map<string, Promise<CachedIndex>>();
  private readonly io: IndexIo;

  constructor(private readonly table: Table, readonly stats: ScanStats, cacheLimit: number) {
    this.store = table.store;
    this.cache = new ByteLru(cacheLimit);
    this.io = {
      cache: this.cache,
      checksummed: table.doc.checksums === true,
      get: (path) => this.fetch(path),
      getRange: (path, offset, length) => this.fetchRange(path, offset, length),
      getRanges: (path, ranges) => this.fetchRanges(path, ranges),
      counted: (kind, n) => (kind === 'index' ? (this.stats.keyIndexReads += n) : (this.stats.keyBlocksRead += n)),
    };
  }

  /**
   * The bytes of a data file, checked against the size and CRC-32 its manifest entry
   * records (Parquet pages carry no checksum, so damage would otherwise decode as other
   * values). Files of tables created before checksums record none and are read unchecked.
   */
  async dataFile(file: Pick<DataFile, 'path' | 'bytes' | 'checksum'>): Promise<Uint8Array> {
    const bytes = await this.fetch(file.path);
    this.stats.dataFileReads++;
    if (file.checksum === undefined) {
      // a table created with checksums names no data file without one: the entry was damaged or edited
      if (this.table.doc.checksums) throw new CorruptEntryError(file.path, 'its manifest entry records no checksum, which every data file of this table has');
      return bytes;
    }
    if (bytes.byteLength !== file.bytes) throw new CorruptEntryError(file.path, `unreadable Parquet file: it is ${bytes.byteLength} bytes, its manifest entry says ${file.bytes} (cut short or replaced)`);
    const got = crc32(bytes);
    if (got !== file.checksum) throw new CorruptEntryError(file.path, `data file checksum mismatch (manifest ${hex(file.checksum)}, computed ${hex(got)})`);
    return bytes;
  }

  /**
   * Decodes one row group, or several (consecutive or not, in the order given: one
   * call copies the file into WebAssembly once), all columns (parquet-wasm 0.8's
   * synchronous reader ignores column projection), checking the row count against the manifest.
   * Columns come out under this reader's schema version (`projectStored`: renamed, dropped and
   * defaulted by field id), types as stored.
   */
  readRowGroup(bytes: Uint8Array, file: DataFile, rg: number | readonly number[]): RecordBatch[] {
    const groups = typeof rg === 'number' ? [rg] : [...rg];
    const t = readParquetFile(bytes, file.path, { rowGroups: groups, batchSize: file.rowGroupSize });
    return this.checkedGroups(file, groups, t.numRows, t.batches);
  }

  /**
   * As {@link readRowGroup}, decoding only `columns` (names of this reader's schema version;
   * projected-read.ts; all of them when the file has none of those).
   */
  async readRowGroupColumns(bytes: Uint8Array, file: DataFile, groups: readonly number[], columns: readonly string[]): Promise<RecordBatch[]> {
    const stored = storedColumnNames(this.table.schemaState, file.schemaVersion ?? 0, columns, file.path);
    const batches = await readColumns(bytes, file.path, groups, stored, file.rowGroupSize);
    if (!batches) return this.readRowGroup(bytes, file, groups);
    return this.checkedGroups(file, groups, batches.reduce((n, b) => n + b.numRows, 0), batches);
  }

  private checkedGroups(file: DataFile, groups: readonly number[], rows: number, batches: RecordBatch[]): RecordBatch[] {
    this.stats.rowGroupsRead += groups.length;
    const want = groups.reduce((n, g) => n + rowGroupRows(file, g), 0);
    const what = groups.length === 1 ? `row group ${groups[0]} has` : `row groups ${groups.join(', ')} have`;
    if (rows !== want) throw new CorruptEntryError(file.path, `${what} ${rows} rows, the manifest implies ${want}`);
    return batches.map((b) => projectStored(b, file.schemaVersion ?? 0, this.table.schemaState, file.path));
  }

  /**
   * The key index of a data file: its index file when the manifest names one
   * (cached), else built from the data file's key columns (counted as a data read).
   */
  keyIndexOf(file: DataFile, kind: 'base' | 'flushed'): Promise<KeyIndex> {
    const path = file.keyIndexPath;
    if (!path) return this.indexFromData(file, kind);
    const hit = this.cache.get(path);
    if (hit?.kind === 'full') return Promise.resolve(hit.index);
    let p = this.inFlight.get(path);
    if (!p) {
      p = this.loadIndex(path, file).finally(() => this.inFlight.delete(path));
      this.inFlight.set(path, p);
    }
    return p;
  }

  private async loadIndex(path: string, file: DataFile): Promise<KeyIndex> {
    const index = decodeKeyIndex(await this.fetch(path), path, this.table.doc.checksums === true);
    checkWholeIndex(file, index);
    this.stats.keyIndexReads++;
    this.cache.set(path, { kind: 'full', index }, index.keyBytes.byteLength + index.count * 17);
    return index;
  }

  /**
   * The entry of each key `keys[c]`, `c` in `cands`, in the key index of `file`
   * (`undefined`: not in the file). A blocked index is read in parts: its directory
   * once, then only the blocks that can hold these keys (key-lookup.ts).
   *
   * @example
   * ```ts
   * declare const reader: FileReader, file: DataFile;
   * const keys = encodeKeys(keyBatch, table.primaryKey);
   * const hits = await reader.findKeys(file, 'base', keys, [0, 1]);
   * ```
   */
  async findKeys(file: DataFile, kind: 'base' | 'flushed', keys: { bytes: Uint8Array; offsets: ArrayLike<number> }, cands: readonly number[]): Promise<(KeyEntry | undefined)[]> {
    if (!file.keyIndexPath) {
      const index = await this.keyIndexOf(file, kind);
      return cands.map((c) => {
        const pos = findKey(index, keys.bytes, keys.offsets[c], keys.offsets[c + 1]);
        return pos < 0 ? undefined : { row: index.rows[pos], firstBatch: index.firstBatch[pos], tombstone: index.tombstone[pos] === 1 };
      });
    }
    return lookupKeys(this.io, file.keyIndexPath, keys, cands, this.metaInFlight, file);
  }

  private fetch(path: string): Promise<Uint8Array> {
    return this.counting(path, this.store.get(path));
  }

  private fetchRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    return this.counting(path, this.store.getRange(path, offset, length));
  }

  /** Ranges of one object: in one call where the store reads them for less, else a few ranged reads at a time. */
  private async fetchRanges(path: string, ranges: readonly (readonly [number, number])[]): Promise<Uint8Array[]> {
    if (this.store.getRanges) {
      const parts = await this.expiring(path, this.store.getRanges(path, ranges));
      for (const p of parts) this.stats.bytesRead += p.byteLength;
      return parts;
    }
    const out: Uint8Array[] = [];
    for (let at = 0; at < ranges.length; at += PARALLEL) {
      out.push(...(await Promise.all(ranges.slice(at, at + PARALLEL).map(([offset, length]) => this.fetchRange(path, offset, length)))));
    }
    return out;
  }

  private async counting(path: string, read: Promise<Uint8Array>): Promise<Uint8Array> {
    const bytes = await this.expiring(path, read);
    this.stats.bytesRead += bytes.byteLength;
    return bytes;
  }

  /** `read`, with a missing object turned into SnapshotExpiredError (GC removed it after the read pinned it). */
  private async expiring<T>(path: string, read: Promise<T>): Promise<T> {
    try {
      return await read;
    } catch (e) {
      if (isFreshtierError(e, 'NOT_FOUND')) {
        throw new SnapshotExpiredError(`${path}, named by the manifest versions this read pinned, is gone (removed by GC after the read collected its sources)`, { path, cause: e });
      }
      throw e;
    }
  }

  /**
   * Fallback for a file without an index file (the manifest allows it): keys sorted,
   * `firstBatch` = the stored version's batch, which can only make `containsPksAsOf`
   * under-report for such a file.
   */
  private async indexFromData(file: DataFile, kind: 'base' | 'flushed'): Promise<KeyIndex> {
    const bytes = await this.dataFile(file);
    const entries: Entry[] = [];
    for (let rg = 0, row = 0; rg < rowGroupCount(file); rg++) {
      for (const raw of this.readRowGroup(bytes, file, rg)) {
        const b = conformBatch(raw, this.table.schema.fields.filter((f) => this.table.primaryKey.includes(f.name)), [BATCH_COLUMN, TOMBSTONE_COLUMN]);
        const keys = encodeKeys(b, this.table.primaryKey);
        const batchCol = kind === 'flushed' ? b.getChild(BATCH_COLUMN) : null;
        const tombCol = kind === 'flushed' ? b.getChild(TOMBSTONE_COLUMN) : null;
        for (let r = 0; r < b.numRows; r++, row++) {
          entries.push({ key: keys.bytes.slice(keys.offsets[r], keys.offsets[r + 1]), row, batch: batchCol ? Number(batchCol.get(r)) : -1, tomb: tombCol?.get(r) ? 1 : 0 });
        }
      }
    }
    // one entry per key, in coordinate order (batch, then row), like an index file: a stored file holds one
    // state per key, and whether it is live is its newest row's tombstone flag under every engine
    entries.sort((a, b) => compareBytes(a.key, 0, a.key.length, b.key, 0, b.key.length) || a.batch - b.batch || a.row - b.row);
    return indexOf(statesOf(entries));
  }
}

type Entry = { key: Uint8Array; row: number; batch: number; tomb: number };

/** Per run of equal keys (sorted entries), the newest entry (`newestState`), a tombstone when the key is deleted. */
function statesOf(entries: Entry[]): Entry[] {
  const out: Entry[] = [];
  for (let i = 0, j = 1; i < entries.length; i = j++) {
    const k = entries[i].key;
    while (j < entries.length && compareBytes(k, 0, k.length, entries[j].key, 0, entries[j].key.length) === 0) j++;
    const w = newestState({ count: j - i, isTombstone: (p) => entries[i + p].tomb === 1 });
    out.push(w === DELETED ? { ...entries[j - 1], tomb: 1 } : entries[i + w]);
  }
  return out;
}

function indexOf(entries: Entry[]): KeyIndex {
  const n = entries.length;
  const keyOffsets = new Int32Array(n + 1);
  entries.forEach((e, i) => (keyOffsets[i + 1] = keyOffsets[i] + e.key.length));
  const keyBytes = new Uint8Array(keyOffsets[n]);
  entries.forEach((e, i) => keyBytes.set(e.key, keyOffsets[i]));
  return {
    count: n, keyBytes, keyOffsets,
    rows: Uint32Array.from(entries, (e) => e.row),
    firstBatch: Int32Array.from(entries, (e) => e.batch),
    tombstone: Uint8Array.from(entries, (e) => e.tomb),
  };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
