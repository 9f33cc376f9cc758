/**
 * Replaying WAL entries into memtables: the one set of replay rules, used by a writer
 * opening a shard (writer/shard/replay.ts, all at once) and by a remote reader tailing
 * it (scanner tail mode, entry by entry as they appear). Both must rebuild exactly the
 * memtables the writer acked, so the rules live here once:
 *
 * 0. Every entry (fences too) names the shard of the WAL it is in: one of another shard is
 *    damage (`CorruptEntryError`), never applied, never a fence.
 * 1. Entries are applied in ascending position. Fence entries carry no rows; a
 *    `repaired` fence marks an entry `repair` set aside (its batches are lost).
 * 2. An entry of an epoch above the replayer's is a newer writer's: a replaying writer is
 *    then fenced (`ShardFencedError`); a reader replays every epoch.
 * 3. Each record keeps its ORIGINAL generation and batch index, so batch coordinates and
 *    `AsOfCut`s mean the same after a crash and in another process. A generation's
 *    records arrive in batch-index order from 0: a gap or duplicate is damage
 *    (`CorruptEntryError`) — except a gap after a `repaired` fence (between the
 *    generation's previous record and this one), filled with empty batches so later
 *    batches keep their coordinates.
 * 4. Records of durable generations (flushed, compacted, or excluded by a rollback) are
 *    skipped; a reader re-evaluates durability after each commit it sees and drops the
 *    memtables that became durable.
 * 5. A data entry of an epoch below one already read (a fence or data entry; not a
 *    `repaired` fence, which `repair` writes with its own epoch among a live writer's
 *    entries) was never acked, and is skipped. A writer has several entries in flight and
 *    acks them in position order; once a newer writer took one of its positions (a fence,
 *    or a hole filled at open) it fails there, so whatever of its window lands above that
 *    position was never acknowledged — and may miss the batches of the failed position,
 *    which rule 3 would read as damage. A writer writing one entry at a time never lands
 *    above a newer entry, so this never skips an entry such a writer wrote.
 */
import { RecordBatch, Struct, makeData, vectorFromArray, type Schema } from 'apache-arrow';
import { CorruptEntryError, ShardFencedError } from '../errors.js';
import type { WalEntry, WalRecord } from '../format/wal-codec.js';
import { encodeKeys } from '../keys/pk-encoding.js';
import { Memtable, type Generation } from '../memtable/memtable.js';
import type { Table } from '../table/table.js';
import type { WalCoordinate } from './wal-damage.js';
import type { WalListing } from './wal-listing.js';
import { walBatchAt } from '../schema/stored-projection.js';

/**
 * A generation rebuilt from the WAL, with the WAL positions that logged it.
 *
 * @example
 * ```ts
 * declare const replayer: WalReplayer;
 * for (const g of replayer.generations()) console.log(g.memtable.generation, g.first, g.last);
 * ```
 */
export interface ReplayedGeneration {
  readonly memtable: Memtable;
  /** WAL position of its first record. */
  readonly first: number;
  /** WAL position of its latest record (-1 before the first). */
  readonly last: number;
}

interface Rebuilt {
  memtable: Memtable;
  first: number;
  last: number;
}

/**
 * Applies WAL entries to memtables by the rules of the module doc.
 *
 * @example
 * ```ts
 * declare const epoch: number; // the reading writer's epoch
 * declare const flushed: Set<number>; // generations the shard manifest makes durable
 * declare const entries: Array<[WalListing, WalEntry]>;
 * const replayer = new WalReplayer(table, 0, epoch, (g) => flushed.has(g));
 * for (const [listing, entry] of entries) replayer.apply(listing, entry);
 * const memtables = replayer.generations().map((g) => g.memtable);
 * ```
 */
export class WalReplayer {
  private readonly rebuilt = new Map<Generation, Rebuilt>();
  /** Highest generation named by any record (-1: none). */
  highestGeneration = -1;
  recordsApplied = 0;
  recordsSkipped = 0;
  /** The last batch read from an intact entry, for naming what a damaged one held. */
  lastRead: WalCoordinate | undefined;
  /** WAL position of the latest `repaired` fence (-1: none yet). */
  private repairedAt = -1;
  /** Highest epoch of an entry read so far, `repaired` fences aside (rule 5). */
  private newestEpoch = -1;
  /** Data entries skipped by rule 5 (never acked). */
  entriesNeverAcked = 0;

  /**
   * @param epoch entries of a newer epoch fence this replayer (`Infinity` for a reader)
   * @param isDurable true for generations whose records are skipped (committed or excluded)
   */
  constructor(private readonly table: Table, readonly shard: number, private readonly epoch: number, private isDurable: (g: Generation) => boolean) {}

  /** Applies one entry; entries must come in ascending position. */
  apply(listing: WalListing, entry: WalEntry): void {
    WalReplayer.checkShard(listing.key, entry, this.shard);
    if (entry.epoch > this.epoch) throw new ShardFencedError(this.shard, this.epoch, entry.epoch);
    if (entry.kind === 'fence') {
      if (entry.repaired) this.repairedAt = listing.position;
      else this.newestEpoch = Math.max(this.newestEpoch, entry.epoch);
      return;
    }
    if (entry.epoch < this.newestEpoch) return this.skipNeverAcked(entry);
    this.newestEpoch = entry.epoch;
    for (const record of entry.records) {
      this.highestGeneration = Math.max(this.highestGeneration, record.generation);
      this.lastRead = record;
      if (this.isDurable(record.generation)) {
        this.recordsSkipped++;
        continue;
      }
      this.applyRecord(listing, record, entry.schemaVersion ?? 0);
      this.recordsApplied++;
    }
  }

  /**
   * Rule 0: every entry — a fence too — belongs to the WAL it is stored in. One of another
   * shard (copied or misplaced) is damage: its fence would fence, and its epoch order, its
   * positions and its rows would replay, in a shard that never wrote them. Static so that
   * `verify` applies the very rule replay does.
   *
   * @example
   * ```ts
   * declare const key: string, bytes: Uint8Array;
   * WalReplayer.checkShard(key, decodeWalEntry(bytes, key), 0);
   * ```
   */
  static checkShard(key: string, entry: WalEntry, shard: number): void {
    if (entry.shard !== shard) throw new CorruptEntryError(key, `${entry.kind} entry of shard ${entry.shard} in the WAL of shard ${shard}`);
  }

  /** Rule 5: an entry written after its writer was fenced; its generations still count as used. */
  private skipNeverAcked(entry: WalEntry): void {
    this.entriesNeverAcked++;
    for (const record of entry.records) this.highestGeneration = Math.max(this.highestGeneration, record.generation);
    this.recordsSkipped += entry.records.length;
  }

  /**
   * Replaces the durability test (a commit was seen) and drops the memtables of
   * generations that became durable; returns them.
   */
  setDurable(isDurable: (g: Generation) => boolean): Generation[] {
    this.isDurable = isDurable;
    const dropped = [...this.rebuilt.keys()].filter((g) => isDurable(g));
    for (const g of dropped) this.rebuilt.delete(g);
    return dropped;
  }

  /** The rebuilt generations, ascending. */
  generations(): ReplayedGeneration[] {
    return [...this.rebuilt.values()].sort((a, b) => a.memtable.generation - b.memtable.generation);
  }

  /** Rule 3; the record's batch is read under the replayer's schema version (stored-projection.ts). */
  private applyRecord(listing: WalListing, record: WalRecord, schemaVersion: number): void {
    let r = this.rebuilt.get(record.generation);
    if (!r) {
      r = { memtable: new Memtable(this.shard, record.generation, !this.table.appendOnly), first: listing.position, last: -1 };
      this.rebuilt.set(record.generation, r);
    }
    // batches lost with an entry `repair` set aside (between this generation's previous record and this one)
    if (record.batchIndex > r.memtable.batchCount && this.repairedAt > r.last) this.fillLostBatches(r, record.batchIndex);
    const expected = r.memtable.batchCount;
    if (record.batchIndex !== expected) {
      const what = record.batchIndex < expected ? 'duplicate' : 'gap';
      throw new CorruptEntryError(listing.key, `generation ${record.generation}: found batch ${record.batchIndex} where batch ${expected} was due (${what})`);
    }
    this.append(r, walBatchAt(record.batch, record.op, schemaVersion, this.table.schemaState, listing.key), record.op, listing.position);
  }

  private append(r: Rebuilt, batch: RecordBatch, op: 'put' | 'delete', position: number): void {
    r.memtable.append(batch, op, this.table.appendOnly ? undefined : encodeKeys(batch, this.table.primaryKey), position);
    r.last = Math.max(r.last, position);
  }

  /** Empty batches at the coordinates a set-aside entry held (no WAL position: nothing logged them). */
  private fillLostBatches(r: Rebuilt, upTo: number): void {
    const empty = emptyBatch(this.table.schema);
    const keys = this.table.appendOnly ? undefined : encodeKeys(empty, this.table.primaryKey);
    while (r.memtable.batchCount < upTo) r.memtable.append(empty, 'put', keys, -1);
  }
}

function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => vectorFromArray([], f.type).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}
