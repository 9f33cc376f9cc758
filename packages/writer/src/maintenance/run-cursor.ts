/**
 * Streaming input of compaction's merge (compaction-merge-stream.ts): one *run* — a
 * picked generation, or the chain of rewritten base files of the shard (disjoint key
 * ranges, read in key order) — walked row by row, decoding one row group at a time.
 *
 * A run holds the bytes of the one file it is in (fetched whole: the manifest's CRC-32
 * covers the whole file, and every byte is checked before use) and the decoded batch it
 * is at, so the merge holds about one row group per run, whatever the shard's size.
 * {@link Holdings} counts the decoded row groups the merge holds, for tests and the
 * retention limit of the merged output.
 */
import {
  TOMBSTONE_COLUMN, conformBatch, encodeKeys, mergePolicyOf, rowGroupCount, stateFields,
  type DataFile, type EncodedKeys, type FileReader, type Table,
} from '@freshtier/core';
import type { Data, Field, RecordBatch } from 'apache-arrow';

/**
 * The decoded row groups (batches) a compaction holds at once: each run's current one,
 * plus those the merged output still refers to (until it gathers them).
 *
 * @example
 * ```ts
 * const holdings = new Holdings((held) => (peak = Math.max(peak, held)));
 * ```
 */
export class Holdings {
  held = 0;
  peak = 0;

  constructor(private readonly onChange?: (held: number) => void) {}

  acquire(): void {
    this.held++;
    if (this.held > this.peak) this.peak = this.held;
    this.onChange?.(this.held);
  }

  release(n = 1): void {
    this.held -= n;
    this.onChange?.(this.held);
  }
}

/**
 * Called when a run leaves a batch: true when the output still refers to it (it is released later).
 *
 * @example
 * ```ts
 * const retain: Retainer = (batch) => output.refers(batch);
 * ```
 */
export type Retainer = (batch: RecordBatch) => boolean;

/**
 * One sorted run, read row group by row group. `batch`, `keys`, `tombstones` and `r` are
 * the current row; {@link RunCursor.advance} moves to the next batch.
 *
 * @example
 * ```ts
 * const run = new RunCursor(table, reader, [gen.file], 'flushed', 1, holdings, () => false);
 * if (await run.open()) console.log(run.batch.numRows);
 * ```
 */
export class RunCursor {
  batch!: RecordBatch;
  keys: EncodedKeys | undefined;
  tombstones: Data | undefined;
  r = 0;
  private readonly fields: Field[];
  private file = -1;
  private bytes: Uint8Array | undefined;
  private rg = 0;
  private queue: RecordBatch[] = [];
  private holding = false;

  constructor(
    private readonly table: Table,
    private readonly reader: FileReader,
    private readonly files: readonly DataFile[],
    private readonly kind: 'base' | 'flushed',
    /** Larger is newer: 0 for base files, 1.. for generations in ascending order. */
    readonly priority: number,
    private readonly holdings: Holdings,
    private readonly retained: Retainer,
    private readonly onFile?: (file: DataFile) => void,
  ) {
    // the state columns a stored state of this table carries (none for deduplicate)
    this.fields = [...table.schema.fields, ...stateFields(mergePolicyOf(table), table.schema, kind === 'flushed' ? 'generation' : 'base')];
  }

  /** Loads the first row; false when the run has none. */
  open(): Promise<boolean> {
    return this.advance();
  }

  /** Moves to the next batch with rows (row 0); false once the run is done. */
  async advance(): Promise<boolean> {
    this.leave();
    for (;;) {
      const next = this.queue.shift() ?? (await this.nextRowGroup());
      if (next === undefined) return false;
      if (next.numRows === 0) continue;
      this.take(next);
      return true;
    }
  }

  private take(raw: RecordBatch): void {
    const batch = conformBatch(raw, this.fields, this.kind === 'flushed' ? [TOMBSTONE_COLUMN] : []);
    this.batch = batch;
    this.keys = this.table.appendOnly ? undefined : encodeKeys(batch, this.table.primaryKey);
    this.tombstones = batch.getChild(TOMBSTONE_COLUMN)?.data[0];
    this.r = 0;
    this.holding = true;
    this.holdings.acquire();
  }

  /** Gives up the current batch, unless the output still refers to it. */
  private leave(): void {
    if (!this.holding) return;
    this.holding = false;
    if (!this.retained(this.batch)) this.holdings.release();
  }

  /** Decodes the next row group, fetching the next file when this one is done; undefined at the end. */
  private async nextRowGroup(): Promise<RecordBatch | undefined> {
    while (this.bytes === undefined || this.rg >= rowGroupCount(this.files[this.file])) {
      this.bytes = undefined; // the finished file's bytes go before the next file's arrive
      if (++this.file >= this.files.length) return undefined;
      const f = this.files[this.file];
      this.rg = 0;
      if (f.rows > 0) this.bytes = await this.reader.dataFile(f);
      this.onFile?.(f);
    }
    this.queue = this.reader.readRowGroup(this.bytes, this.files[this.file], this.rg++);
    return this.queue.shift();
  }
}
