/**
 * Which keys can differ between two table versions, without a full-table diff.
 *
 * A shard's state at a version is the merge, in generation order, of its *effective*
 * generations: those its shard manifest lists as flushed (or ingested) that the base
 * version does not exclude (a rollback). Compacted generations are still effective —
 * the base files hold their merge — so a key can only differ between versions v1 and v2
 * if some generation effective in exactly one of them holds it. Those generations' data
 * files are sorted by key with one row per key (puts and tombstones alike), so their
 * keys stream out in order through a k-way merge, one row group per file in memory.
 */
import {
  FileReader, TOMBSTONE_COLUMN, compareBytes, conformBatch, emptyStats, encodeKeys, excludedOf, isExcludedGeneration, rowGroupCount,
  type BaseManifest, type DataFile, type EncodedKeys, type ShardManifest, type Table,
} from '@freshtier/core';
import type { RecordBatch } from 'apache-arrow';

/**
 * The effective generations of one shard at one table version, by generation.
 *
 * @example
 * ```ts
 * const gens = effectiveGenerations(shardDoc, baseDoc); // Map { 3 => file, 5 => file }
 * ```
 */
export function effectiveGenerations(shard: ShardManifest, base: BaseManifest): Map<number, DataFile> {
  const excluded = excludedOf(base, shard.shard);
  return new Map(shard.flushed.filter((f) => !isExcludedGeneration(excluded, f.generation)).map((f) => [f.generation, f.file]));
}

/**
 * The data files of the generations effective in exactly one of two versions (the same
 * generation number naming another file counts as both).
 *
 * @example
 * ```ts
 * const files = changedGenerationFiles(effectiveGenerations(s1, b1), effectiveGenerations(s2, b2));
 * ```
 */
export function changedGenerationFiles(a: Map<number, DataFile>, b: Map<number, DataFile>): DataFile[] {
  const out: DataFile[] = [];
  for (const [g, f] of a) if (b.get(g)?.path !== f.path) out.push(f);
  for (const [g, f] of b) if (a.get(g)?.path !== f.path) out.push(f);
  return out;
}

/** A position in one sorted generation file: the key columns of one decoded batch at a time. */
class KeyCursor {
  private rg = -1;
  private row = 0;
  private pending: RecordBatch[] = [];
  batch: RecordBatch | undefined;
  keys: EncodedKeys | undefined;

  constructor(private readonly reader: FileReader, private readonly table: Table, private readonly file: DataFile, private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.batch === undefined;
  }

  get index(): number {
    return this.row;
  }

  /** Moves to the next row (decoding the next row group when this one is used up). */
  advance(): void {
    this.row++;
    while (this.batch === undefined || this.row >= this.batch.numRows) {
      if (this.pending.length === 0 && !this.loadRowGroup()) {
        this.batch = this.keys = undefined;
        return;
      }
      const keyFields = this.table.schema.fields.filter((f) => this.table.primaryKey.includes(f.name));
      this.batch = conformBatch(this.pending.shift()!, keyFields, [TOMBSTONE_COLUMN]);
      this.keys = encodeKeys(this.batch, this.table.primaryKey);
      this.row = 0;
    }
  }

  private loadRowGroup(): boolean {
    if (++this.rg >= rowGroupCount(this.file)) return false;
    this.pending = this.reader.readRowGroup(this.bytes, this.file, this.rg);
    return true;
  }

  compare(other: KeyCursor): number {
    const a = this.keys!;
    const b = other.keys!;
    return compareBytes(a.bytes, a.offsets[this.row], a.offsets[this.row + 1], b.bytes, b.offsets[other.row], b.offsets[other.row + 1]);
  }
}

/**
 * The distinct keys of `files`, ascending, `chunk` at a time, each chunk as `(batch, row)`
 * references into the key-column batches it came from.
 *
 * @example
 * ```ts
 * for await (const keys of changedKeys(table, files, 65_536)) console.log(keys.length);
 * ```
 */
export async function* changedKeys(table: Table, files: readonly DataFile[], chunk: number): AsyncGenerator<{ batch: RecordBatch; row: number }[]> {
  const reader = new FileReader(table, emptyStats(), 0);
  const cursors: KeyCursor[] = [];
  for (const f of files) {
    const c = new KeyCursor(reader, table, f, await reader.dataFile(f));
    c.advance();
    if (!c.done) cursors.push(c);
  }
  let out: { batch: RecordBatch; row: number }[] = [];
  while (cursors.some((c) => !c.done)) {
    const live = cursors.filter((c) => !c.done);
    const min = live.reduce((m, c) => (c.compare(m) < 0 ? c : m));
    out.push({ batch: min.batch!, row: min.index });
    for (const c of live.filter((x) => x !== min && x.compare(min) === 0)) c.advance();
    min.advance();
    if (out.length >= chunk) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}
