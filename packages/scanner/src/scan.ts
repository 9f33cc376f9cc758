/**
 * The scan pipeline over one collected {@link ReadView}:
 *
 * ```
 * per shard: FreshIndex.build(fresh sources)             (dedup.ts, O(fresh keys))
 *   base files → row groups → conform → [keys → winners] ─┐
 *   fresh sources, ascending generation → winners ────────┼→ filter (after dedup) → limit → OutputBuffer → RecordBatch
 * ```
 *
 * The merging scan's shortcuts (file-rows.ts; each is checked against the path without
 * it by the integration test merging-scan-model.test.ts): a base file or row group no
 * fresh key falls in skips dedup (no key decoded, encoded or probed); flushed rows find
 * their key's state through their key index (no key encoded); a batch with nothing
 * masked goes out as it is (no gather); only the columns needed are decoded when they
 * are few; consecutive row groups are decoded a few at a time.
 *
 * Under merge engines that are not newest-decides a shard is read by merged-scan.ts
 * instead: its sorted sources merged by key, each key's state built by the one merge.
 *
 * Parquet files are decoded a few row groups at a time (at most `CHUNK_ROWS` rows) and
 * output batches are gathered as they fill, so memory stays at a few batches (plus the
 * fresh index and one file's compressed bytes) whatever the table size. Primary-key
 * conjuncts of the filter skip files, row groups and fresh-index entries early.
 */
import {
  InvalidOptionsError, assertKnownKeys, keyRangeOf, mergePolicyOf, rowGroupCount,
  type BaseFile, type DataFile, type FileReader, type Table,
} from '@freshtier/core';
import { Schema, Table as ArrowTable, type Field, type RecordBatch } from 'apache-arrow';
import type { AsOfCut } from './as-of-cut.js';
import { FreshIndex } from './dedup.js';
import { mergedShard } from './merged-scan.js';
import { compileFilter, type CompiledFilter, type Filter } from './filter.js';
import { fileMayMatch, indexPositions, keyConstraintOf, type KeyConstraint } from './key-constraint.js';
import { OutputBuffer, resolveColumns } from './projection.js';
import { baseWinners, fileBatches, flushedWinners, scanPaths, worthProjecting, type Winners } from './file-rows.js';
import type { InMemorySource, ReadView } from './sources.js';

/**
 * What to read.
 *
 * @example
 * ```ts
 * scanner.scan({ columns: ['id', 'name'], filter: col('age').gt(30), limit: 100 });
 * ```
 */
export interface ScanOptions {
  /** Output columns, in this order (default: every table column). */
  columns?: string[];
  /** Applied to the newest version of each key only (after dedup). */
  filter?: Filter;
  /** Stop after this many rows. */
  limit?: number;
  /** Target rows per output batch (default: the scanner's, 65,536). */
  batchSize?: number;
}

/**
 * A validated scan: output schema, the columns read, compiled filter, key constraint.
 *
 * @example
 * ```ts
 * const plan = planScan(table, { columns: ['id'] }, 65_536);
 * ```
 */
export interface ScanPlan {
  readonly outSchema: Schema;
  /** Table fields decoded: output ∪ filter ∪ key columns (dedup needs the keys). */
  readonly readFields: readonly Field[];
  /** Table fields decoded where dedup reads no key: output ∪ filter. */
  readonly valueFields: readonly Field[];
  readonly filter: CompiledFilter | undefined;
  readonly constraint: KeyConstraint | undefined;
  readonly limit: number;
  readonly batchSize: number;
}

/**
 * Validates scan options against the table (throws `InvalidOptionsError`).
 *
 * @example
 * ```ts
 * const plan = planScan(table, { filter: col('id').eq(5n) }, 65_536);
 * ```
 */
export function planScan(table: Table, options: ScanOptions, defaultBatchSize: number): ScanPlan {
  if (options === null || typeof options !== 'object') throw new InvalidOptionsError('scan options', [{ path: '', message: 'expected an object like { columns, filter, limit }' }]);
  assertKnownKeys(options, ['columns', 'filter', 'limit', 'batchSize'], 'scan options');
  const out = resolveColumns(table.schema, options.columns);
  const filter = options.filter === undefined ? undefined : compileFilter(options.filter, table.schema);
  const needed = new Set([...out.map((f) => f.name), ...(filter?.columns ?? []), ...table.primaryKey]);
  return {
    outSchema: new Schema(out, table.schema.metadata),
    readFields: table.schema.fields.filter((f) => needed.has(f.name)),
    valueFields: table.schema.fields.filter((f) => out.includes(f) || filter?.columns.includes(f.name)),
    filter,
    constraint: keyConstraintOf(options.filter, table),
    limit: count(options.limit, 'limit', Infinity, 0),
    batchSize: count(options.batchSize, 'batchSize', defaultBatchSize, 1),
  };
}

function count(v: unknown, path: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new InvalidOptionsError('scan options', [{ path, message: `must be an integer >= ${min}` }]);
  return v;
}

/**
 * Streams the live rows of a view: dedup, then filter, then limit and projection.
 *
 * @example
 * ```ts
 * for await (const batch of streamScan(table, view, plan, reader)) console.log(batch.numRows);
 * ```
 */
export async function* streamScan(table: Table, view: ReadView, plan: ScanPlan, reader: FileReader): AsyncGenerator<RecordBatch> {
  const run = new ScanRun(table, plan, reader);
  const policy = mergePolicyOf(table);
  for (const shard of view.shards) {
    if (run.done) break;
    if (!table.appendOnly && !policy.newestDecides) {
      // engines whose state may take values from every tier: merge the shard's sorted sources by key
      for await (const batch of mergedShard(table, shard, plan.readFields, plan.constraint, plan.batchSize, reader, policy)) {
        yield* run.merged(batch);
        if (run.done) break;
      }
      continue;
    }
    const baseRanges = scanPaths.shortcuts ? shard.baseFiles.map(keyRangeOf) : undefined; // keys outside them and in one source skip the map
    const index = table.appendOnly ? undefined : await FreshIndex.build(shard.fresh, reader, policy, plan.constraint, baseRanges);
    for (const file of shard.baseFiles) {
      if (run.done) break;
      const winners = baseWinners(table, file, index); // undefined: no fresh key in the file's range
      yield* run.file(file, 'base', winners ?? allLive, winners !== undefined);
    }
    for (let i = 0; i < shard.fresh.length && !run.done; i++) {
      const src = shard.fresh[i];
      if (src.kind === 'memtable') yield* run.memtable(i, src, index);
      else {
        const { winners, needsKeys } = flushedWinners(table, i, index);
        yield* run.file(src.file, 'flushed', winners, needsKeys);
      }
    }
  }
  const last = run.out.flush();
  if (last) yield last;
}

const allLive: Winners = () => undefined;

/** State of one scan: output buffer, rows still allowed by `limit`. */
class ScanRun {
  readonly out: OutputBuffer;
  private remaining: number;

  constructor(private readonly table: Table, private readonly plan: ScanPlan, private readonly reader: FileReader) {
    this.out = new OutputBuffer(plan.outSchema, plan.batchSize);
    this.remaining = plan.limit;
  }

  get done(): boolean {
    return this.remaining <= 0;
  }

  /**
   * Rows of a data file (base or flushed), a few row groups at a time (file-rows.ts).
   * The key columns are decoded only when `winners` reads them (`needsKeys`).
   */
  async *file(file: DataFile | BaseFile, kind: 'base' | 'flushed', winners: Winners, needsKeys: boolean): AsyncGenerator<RecordBatch> {
    const c = this.plan.constraint;
    if (file.rows === 0 || (c && !fileMayMatch(c, keyRangeOf(file)))) return;
    const groups = await this.rowGroups(file, kind);
    if (groups.length === 0) return;
    const bytes = await this.reader.dataFile(file);
    const fields = needsKeys ? this.plan.readFields : this.plan.valueFields;
    const projected = worthProjecting(this.table, kind, fields.length, file.rows);
    for await (const { batch, firstRow } of fileBatches(this.reader, bytes, file, groups, fields, projected, () => this.remaining)) {
      yield* this.accept(batch, this.table.appendOnly ? undefined : winners(batch, firstRow));
      if (this.done) return;
    }
  }

  /** Row groups that may hold an allowed key (all, without a key constraint or index). */
  private async rowGroups(file: DataFile, kind: 'base' | 'flushed'): Promise<number[]> {
    const all = Array.from({ length: rowGroupCount(file) }, (_, i) => i);
    const c = this.plan.constraint;
    if (!c || !file.keyIndexPath) return all;
    const index = await this.reader.keyIndexOf(file, kind);
    const set = new Set(indexPositions(index, c).map((pos) => Math.floor(index.rows[pos] / file.rowGroupSize)));
    return all.filter((rg) => set.has(rg));
  }

  /** Put batches of a memtable up to its captured batch count. */
  *memtable(i: number, src: InMemorySource, index: FreshIndex | undefined): Generator<RecordBatch> {
    const m = src.ref.memtable;
    for (let b = 0; b < src.ref.batchCount && !this.done; b++) {
      const entry = m.batch(b);
      if (entry.op === 'delete' || entry.batch.numRows === 0) continue;
      let mask: Uint8Array | undefined;
      if (index) index.memtableWinners(i, src, b, (mask = new Uint8Array(entry.batch.numRows)));
      yield* this.accept(entry.batch, mask);
    }
  }

  /** Rows that are merged states already (merged-scan.ts): each is its key's state. */
  *merged(batch: RecordBatch): Generator<RecordBatch> {
    yield* this.accept(batch, undefined);
  }

  /** Filter (after dedup), limit, hand to the output buffer. `mask` undefined: every row is live. */
  private *accept(batch: RecordBatch, mask: Uint8Array | undefined): Generator<RecordBatch> {
    if (this.plan.filter) {
      const pass = this.plan.filter.evaluate(batch);
      if (!mask) mask = pass;
      else for (let r = 0; r < mask.length; r++) mask[r] &= pass[r];
    }
    let n = batch.numRows;
    if (mask) {
      n = 0;
      for (let r = 0; r < mask.length; r++) n += mask[r];
    }
    if (n === batch.numRows && n <= this.remaining && scanPaths.shortcuts) {
      // nothing masked: the batch goes out as it is (no gather)
      this.remaining -= n;
      yield* this.out.addWhole(batch);
      return;
    }
    n = Math.min(n, this.remaining);
    if (n === 0) return;
    const rows = new Int32Array(n);
    for (let r = 0, k = 0; k < n; r++) if (!mask || mask[r]) rows[k++] = r;
    this.remaining -= n;
    const full = this.out.add(batch, rows);
    if (full) yield full;
  }
}

/**
 * The result of `scan()`: an `AsyncIterable<RecordBatch>` of the projected table
 * columns, plus the cuts it observed. Iterating twice reads the same collected
 * sources again, so both iterations return the same rows.
 *
 * @example
 * ```ts
 * const result = scanner.scan({ filter: col('age').gt(30) });
 * const cuts = await result.cuts; // available once sources are collected
 * for await (const batch of result) console.log(batch.numRows);
 * const table = await scanner.scan().toTable();
 * ```
 */
export class ScanResult implements AsyncIterable<RecordBatch> {
  /** Per shard, the fresh tier this scan observed (resolves once sources are collected). */
  readonly cuts: Promise<readonly AsOfCut[]>;

  constructor(
    /** The output schema (projected table columns, table types). */
    readonly schema: Schema,
    private readonly view: Promise<ReadView>,
    private readonly run: (view: ReadView) => AsyncGenerator<RecordBatch>,
    private readonly guard: () => void = () => {},
  ) {
    this.cuts = view.then((v) => v.shards.map((s) => s.cut));
    this.cuts.catch(() => {}); // reported when awaited or iterated, not as an unhandled rejection
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<RecordBatch> {
    this.guard();
    yield* this.run(await this.view);
  }

  /** Collects every batch into one Arrow Table. */
  async toTable(): Promise<ArrowTable> {
    const batches: RecordBatch[] = [];
    for await (const b of this) batches.push(b);
    return batches.length ? new ArrowTable(batches) : new ArrowTable(this.schema);
  }
}
