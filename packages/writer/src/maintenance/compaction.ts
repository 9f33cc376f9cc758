/**
 * `compact`: merging a shard's flushed generations into the base table
 * (DESIGN.md "Compaction, versions, GC"; the steps are docs/base-table.md's).
 *
 * 1. Read the newest base version, then the shard manifest.
 * 2. Pick every flushed generation above `compacted[shard]` that no rollback
 *    excluded, ascending. (Generation numbers may have gaps; generations commit in
 *    ascending order, so "contiguous" means "all of them above the mark".)
 * 3. Rewrite only the shard's base files whose key range holds a picked key (read
 *    from the generations' key indexes); the others stay as they are.
 * 4. Merge and write new base files, streamed: a row group at a time in, a row group
 *    at a time out (compaction-merge-stream.ts, base-file-stream.ts), so memory is
 *    bounded by the inputs × one row group, whatever the shard's size.
 * 5. Commit on the newest base version: files − rewritten + new, `compacted[shard]` =
 *    the highest picked generation (compaction-commit.ts).
 * 6. If this shard's part of the base is unchanged (another shard was compacted),
 *    commit on the new base — our files are still right; on a conflict, reload and
 *    check again. Otherwise (this shard was compacted or rolled back), or if GC
 *    fenced compactions since the plan (gc-fence.ts: it may have deleted our files),
 *    delete the files written and start over, at most `MAX_PLANS` times
 *    (`CommitConflictError`): the work is never applied twice and never lost.
 * Shard manifests are never touched: flushed entries stay listed, so cuts taken
 * before the compaction still answer exactly (`containsPksAsOf`).
 */
import {
  CommitConflictError, FileReader, InvalidOptionsError, baseCoverage, emptyStats, keyRangeOf, lowerBoundKey, parseOptions, schemaVersionOfBase,
  type BaseFile, type DataFile, type KeyIndex, type Table,
} from '@freshtier/core';
import { z } from 'zod';
import type { BaseFileShape } from './base-files.js';
import { writeStreamedBaseFiles } from './base-file-stream.js';
import { abandonFiles, commitPlan, type CompactionPlan as Plan } from './compaction-commit.js';
import { MergeStream } from './compaction-merge-stream.js';
import { MergeOutput } from './merge-output.js';
import { Holdings, RunCursor } from './run-cursor.js';

/**
 * Where a compaction is, for a progress display: `filesRead` of `filesToRead`,
 * `rowsMerged` out, `filesWritten` / `bytesWritten`, then the commit.
 *
 * @example
 * ```ts
 * await compact(table, { shard: 0, onProgress: (p) => console.log(p.phase, p.rowsMerged, p.bytesWritten) });
 * ```
 */
export interface CompactionProgress {
  readonly phase: 'plan' | 'read' | 'merge' | 'write' | 'commit' | 'done';
  readonly shard: number;
  /** Generations being merged (ascending). */
  readonly generations: readonly number[];
  readonly filesToRead: number;
  readonly filesRead: number;
  readonly rowsRead: number;
  readonly rowsMerged: number;
  readonly filesWritten: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** 1 for the first plan; more after another compaction of this shard won the race. */
  readonly attempt: number;
}

/**
 * Options of {@link compact}.
 *
 * @example
 * ```ts
 * await compact(table, { shard: 2, maxFileRows: 500_000 });
 * ```
 */
export interface CompactOptions {
  shard: number;
  /** Rows per base file at most (default 1,000,000). */
  maxFileRows?: number;
  /** Rows per Parquet row group (default 65,536). */
  rowGroupSize?: number;
  /** Parquet compression (default `snappy`). */
  compression?: 'uncompressed' | 'snappy' | 'zstd' | 'lz4_raw';
  onProgress?: (progress: CompactionProgress) => void;
}

/**
 * What a compaction did.
 *
 * @example
 * ```ts
 * const r = await compact(table, { shard: 0 });
 * if (r.committed) console.log(`base v${r.baseVersion}: through generation ${r.compactedThrough}`);
 * ```
 */
export interface CompactionResult {
  readonly shard: number;
  /** False when there was nothing to compact. */
  readonly committed: boolean;
  /** The base version committed (or the one read, when nothing was committed). */
  readonly baseVersion: number;
  readonly compactedThrough: number;
  readonly generations: readonly number[];
  readonly filesRewritten: readonly string[];
  readonly filesWritten: readonly BaseFile[];
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly attempts: number;
}

const optionsSchema = z.strictObject({
  shard: z.number().int().min(0),
  maxFileRows: z.number().int().positive().default(1_000_000),
  rowGroupSize: z.number().int().positive().default(65_536),
  compression: z.enum(['uncompressed', 'snappy', 'zstd', 'lz4_raw']).default('snappy'),
  onProgress: z.custom<(p: CompactionProgress) => void>((v) => typeof v === 'function', 'expected a function').optional(),
});

/** Plans in a row that lost to another compaction of the same shard, or to a GC fence, before giving up. */
const MAX_PLANS = 20;

type Progress = { -readonly [K in keyof CompactionProgress]: CompactionProgress[K] };

/** The progress of one plan, reported to the caller's `onProgress`. */
class Tracker {
  readonly p: Progress;

  constructor(shard: number, attempt: number, private readonly reader: FileReader, private readonly listener?: (p: CompactionProgress) => void) {
    this.p = { phase: 'plan', shard, generations: [], filesToRead: 0, filesRead: 0, rowsRead: 0, rowsMerged: 0, filesWritten: 0, bytesRead: 0, bytesWritten: 0, attempt };
  }

  report(phase: Progress['phase']): void {
    this.p.phase = phase;
    this.p.bytesRead = this.reader.stats.bytesRead;
    this.listener?.({ ...this.p });
  }
}

/**
 * Compacts one shard's flushed generations into the base table (see the module doc).
 * Compactions of different shards may run at once.
 *
 * @example
 * ```ts
 * await Promise.all([0, 1, 2, 3].map((shard) => compact(table, { shard })));
 * ```
 */
export function compact(table: Table, options: CompactOptions): Promise<CompactionResult> {
  return compactProbed(table, options);
}

/**
 * What tests observe of a compaction's memory: `onHeld` gets the number of decoded row
 * groups (batches) the merge holds whenever it changes (run-cursor.ts `Holdings`).
 *
 * @example
 * ```ts
 * let peak = 0;
 * await compactProbed(table, { shard: 0 }, { onHeld: (n) => (peak = Math.max(peak, n)) });
 * ```
 */
export interface CompactionProbe {
  onHeld?(held: number): void;
}

/**
 * {@link compact} with a {@link CompactionProbe} (tests; not exported by the package).
 *
 * @example
 * ```ts
 * await compactProbed(table, { shard: 0 }, { onHeld: (n) => console.log(n) });
 * ```
 */
export async function compactProbed(table: Table, options: CompactOptions, probe?: CompactionProbe): Promise<CompactionResult> {
  const opts = parseOptions(optionsSchema, options, 'compact options');
  if (opts.shard >= table.shardCount) throw new InvalidOptionsError('compact options', [{ path: 'shard', message: `shard ${opts.shard} does not exist: the table has shards 0..${table.shardCount - 1}` }]);
  for (let attempt = 1; ; attempt++) {
    // output files are written at the current schema (issue 17): every input is read onto it by field id
    const current = await table.current();
    const reader = new FileReader(current, emptyStats(), 64 << 20);
    const t = new Tracker(opts.shard, attempt, reader, opts.onProgress);
    t.report('plan');
    const plan = await planCompaction(current, opts.shard, reader);
    // a schema change between the two reads: plan again, so the output is at the schema it commits onto
    if (schemaVersionOfBase(plan.base.doc) !== current.schemaVersion && attempt < MAX_PLANS) continue;
    if (plan.generations.length === 0) return resultOf(false, plan.base.version, plan, [], t.p);
    t.p.generations = plan.generations.map((g) => g.generation);
    const written = await mergeAndWrite(current, opts, plan, reader, t, new Holdings(probe?.onHeld));
    t.report('commit');
    const version = await commitPlan(current, opts.shard, plan, written);
    if (version !== undefined) {
      t.report('done');
      return resultOf(true, version, plan, written, t.p);
    }
    await abandonFiles(table, written);
    if (attempt >= MAX_PLANS) throw new CommitConflictError(`base/_manifests (shard ${opts.shard})`, plan.base.version + 1);
  }
}

/** Steps 1–3. */
async function planCompaction(table: Table, shard: number, reader: FileReader): Promise<Plan> {
  const base = await table.baseManifests.latest();
  const { doc: manifest } = await table.shardManifests(shard).latest();
  const coverage = baseCoverage(base.doc, shard); // compacted or excluded by a rollback: not picked
  const generations = manifest.flushed
    .filter((g) => !coverage.inBase(g.generation))
    .sort((a, b) => a.generation - b.generation);
  if (generations.length === 0) return { base, generations, rewrite: [], keep: [], through: coverage.compacted };
  const mine = base.doc.files.filter((f) => f.shard === shard);
  const indexes = table.appendOnly ? [] : await Promise.all(generations.map((g) => reader.keyIndexOf(g.file, 'flushed')));
  const touched = (f: BaseFile) => !table.appendOnly && indexes.some((ix) => holdsKeyIn(ix, f));
  return {
    base, generations,
    rewrite: mine.filter(touched),
    keep: mine.filter((f) => !touched(f)),
    through: generations[generations.length - 1].generation,
  };
}

/** Whether the index holds a key within the file's key range (no range: assume so). */
function holdsKeyIn(index: KeyIndex, file: BaseFile): boolean {
  const range = keyRangeOf(file);
  if (!range) return true;
  const pos = lowerBoundKey(index, range.min, 0, range.min.length);
  if (pos >= index.count) return false;
  const { keyBytes: b, keyOffsets: o } = index;
  return Buffer.compare(b.subarray(o[pos], o[pos + 1]), range.max) <= 0;
}

/**
 * Step 4, streamed: the rewritten base files (one run, in key order: their key ranges
 * are disjoint) and the picked generations, merged a row group at a time into new base
 * files that never span a file that stays (compaction-merge-stream.ts).
 */
async function mergeAndWrite(table: Table, shape: BaseFileShape, plan: Plan, reader: FileReader, t: Tracker, holdings: Holdings): Promise<BaseFile[]> {
  // one run when every file records its key range (always, but for files of old builds): one file open at a time
  const chained = plan.rewrite.every((f) => keyRangeOf(f) !== undefined);
  const base: DataFile[][] = chained ? (plan.rewrite.length > 0 ? [[...plan.rewrite].sort(byPkMin)] : []) : plan.rewrite.map((f) => [f]);
  const sources = [
    ...base.map((files) => ({ files, kind: 'base' as const, priority: 0 })),
    ...plan.generations.map((g, i) => ({ files: [g.file], kind: 'flushed' as const, priority: i + 1 })),
  ];
  t.p.filesToRead = sources.reduce((n, s) => n + s.files.length, 0);
  t.report('read');
  const output = new MergeOutput(table);
  const boundaries = plan.keep.map((f) => keyRangeOf(f)?.min).filter((k): k is Uint8Array => k !== undefined).sort(Buffer.compare);
  const merge = new MergeStream(table, output, { ...shape, boundaries }, holdings, sources.length);
  const onFile = (f: DataFile) => {
    t.p.filesRead++;
    t.p.rowsRead += f.rows;
    t.report('read');
  };
  const runs = sources.map((s) => new RunCursor(table, reader, s.files, s.kind, s.priority, holdings, merge.retain, onFile));
  const opened = await Promise.all(runs.map((r) => r.open()));
  merge.start(runs.filter((_, i) => opened[i]));
  return writeStreamedBaseFiles(table, t.p.shard, merge, output, shape, (_, bytes) => {
    t.p.rowsMerged = merge.rowsOut;
    t.p.filesWritten++;
    t.p.bytesWritten += bytes;
    t.report('merge');
    t.report('write');
  });
}

/** Base files by key range (`pkMin` hex sorts as the encoded keys do). */
function byPkMin(a: BaseFile, b: BaseFile): number {
  return (a.pkMin ?? '') < (b.pkMin ?? '') ? -1 : (a.pkMin ?? '') > (b.pkMin ?? '') ? 1 : 0;
}

function resultOf(committed: boolean, version: number, plan: Plan, written: BaseFile[], p: Progress): CompactionResult {
  return {
    shard: p.shard, committed, baseVersion: version, compactedThrough: plan.through, generations: p.generations,
    filesRewritten: committed ? plan.rewrite.map((f) => f.path) : [], filesWritten: written, rowsRead: p.rowsRead,
    rowsWritten: written.reduce((n, f) => n + f.rows, 0), bytesRead: p.bytesRead, bytesWritten: p.bytesWritten, attempts: p.attempt,
  };
}
