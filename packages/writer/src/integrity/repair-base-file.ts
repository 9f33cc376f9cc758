/**
 * Rebuilding a damaged base data file from the older base version it was compacted from
 * (repair.ts decides when). A base file is written once, by the compaction that first
 * lists it, as one key range of the merge of that compaction's inputs: the shard's base
 * files it rewrote (listed in the base version before it, gone after) and the
 * generations it picked (above the previous `compacted[shard]`, up to its own, not
 * excluded). Merging the same inputs with the same merge (compaction-merge.ts) and
 * keeping the file's key range gives the same rows, so:
 *
 * 1. find the first base version listing the file, and the version before it (both must
 *    still be stored; GC may have pruned them);
 * 2. read the inputs (they must still be stored and intact: GC collects rewritten base
 *    files and compacted generations once no retained version needs them);
 * 3. merge, keep the file's key range, check the row count against the manifest entry;
 * 4. write the rows as a new base file and swap it for the damaged one in one base
 *    commit, refused if GC fenced compactions meanwhile (it may have deleted the new,
 *    still unlisted file: gc-fence.ts), as a compaction's commit is.
 */
import {
  CommitConflictError, FileReader, baseCoverage, emptyStats, errorDetail, isFreshtierError, keyToHex, mergePolicyOf,
  type BaseFile, type BaseManifest, type Table, type Versioned,
} from '@freshtier/core';
import { mergeRuns, readRun, type Merged } from '../maintenance/compaction-merge.js';
import { writeBaseFile } from '../maintenance/base-files.js';
import { noGcFenceSince } from '../maintenance/gc-fence.js';

/**
 * What the compaction of `shard` that produced a base version read: the base files it
 * rewrote and the generations it picked (not in the base before, up to `through`).
 *
 * @example
 * ```ts
 * const found = await compactionInputs(table, damagedFile);
 * if (!('reason' in found)) await rebuildBaseFile(table, damagedFile, found);
 * ```
 */
export interface CompactionInputs {
  readonly rewritten: BaseFile[];
  /** The base before the compaction: a generation it did not cover and up to `through` was picked. */
  readonly before: BaseManifest;
  readonly through: number;
}

/**
 * Step 1: the inputs of the compaction that wrote `file`, or why they cannot be known.
 *
 * @example
 * ```ts
 * const found = await compactionInputs(table, damagedFile);
 * ```
 */
export async function compactionInputs(table: Table, file: BaseFile): Promise<CompactionInputs | { reason: string }> {
  const versions = await table.baseManifests.versions();
  let first: Versioned<BaseManifest> | undefined;
  for (const v of versions) {
    const doc = await table.baseManifests.load(v);
    if (doc.files.some((f) => f.path === file.path)) {
      first = { version: v, doc };
      break;
    }
  }
  if (!first) return { reason: `no stored base version lists ${file.path}` };
  const previous = first.version - 1;
  if (previous !== 0 && !versions.includes(previous)) return { reason: `base version ${previous}, which the compaction that wrote ${file.path} started from, was pruned by GC` };
  const before = await table.baseManifests.load(previous);
  const kept = new Set(first.doc.files.map((f) => f.path));
  return {
    rewritten: before.files.filter((f) => f.shard === file.shard && !kept.has(f.path)),
    before,
    through: baseCoverage(first.doc, file.shard).compacted,
  };
}

/**
 * Steps 1–3 now, step 4 when `write` is called: how `file` can be rebuilt, or why not.
 * Every input must still be stored and intact; the rebuilt key range must hold exactly the
 * rows its manifest entry records.
 *
 * @example
 * ```ts
 * const r = await baseFileRebuild(table, damaged);
 * if ('write' in r) await r.write();
 * ```
 */
export async function baseFileRebuild(table: Table, file: BaseFile): Promise<{ reason: string } | { rows: number; write(): Promise<BaseFile> }> {
  if (table.appendOnly || file.pkMin === undefined || file.pkMax === undefined) return { reason: 'the file records no key range (an append-only table), so its rows cannot be picked out of a merge' };
  const plan = await compactionInputs(table, file);
  if ('reason' in plan) return plan;
  const start = await table.baseManifests.latest();
  let merged: Merged;
  try {
    merged = await mergeInputs(table, new FileReader(table, emptyStats(), 0), file.shard, plan);
  } catch (e) {
    if (!isFreshtierError(e)) throw e;
    return { reason: `an input of the compaction that wrote it cannot be read (${errorDetail(e)})` };
  }
  const [lo, hi] = keyRangeRows(merged, file);
  if (hi - lo !== file.rows) return { reason: `merging the inputs gives ${hi - lo} rows in its key range, its manifest entry says ${file.rows}: they are not the ones it was written from` };
  return { rows: hi - lo, write: () => swapIn(table, file, start, merged, lo, hi) };
}

/** Step 4. */
async function swapIn(table: Table, file: BaseFile, start: Versioned<BaseManifest>, merged: Merged, lo: number, hi: number): Promise<BaseFile> {
  const { file: fresh } = await writeBaseFile(table, file.shard, merged, lo, hi, { maxFileRows: Number.MAX_SAFE_INTEGER, rowGroupSize: file.rowGroupSize, compression: 'snappy' });
  const seen = new Map<number, BaseManifest>();
  const committed = await table.baseManifests.update({
    build: async (latest, version) => {
      if (!latest.files.some((f) => f.path === file.path) || !(await noGcFenceSince(table, start, { version, doc: latest }, seen))) return undefined;
      return { ...latest, files: latest.files.map((f) => (f.path === file.path ? fresh : f)), committedAt: new Date().toISOString(), note: `repair: ${file.path} rebuilt as ${fresh.path} from the inputs of its compaction` };
    },
  });
  if (!committed) throw new CommitConflictError('base/_manifests', start.version + 1, new Error(`${file.path} was replaced, or GC ran, while it was rebuilt: run repair again`));
  return fresh;
}

async function mergeInputs(table: Table, reader: FileReader, shard: number, plan: CompactionInputs): Promise<Merged> {
  const { doc } = await table.shardManifests(shard).latest();
  const covered = baseCoverage(plan.before, shard); // what compaction's step 2 skipped
  const picked = doc.flushed.filter((g) => !covered.inBase(g.generation) && g.generation <= plan.through).sort((a, b) => a.generation - b.generation);
  const runs = [
    ...(await Promise.all(plan.rewritten.map((f) => readRun(table, reader, f, 'base', 0)))),
    ...(await Promise.all(picked.map((g, i) => readRun(table, reader, g.file, 'flushed', i + 1)))),
  ];
  return mergeRuns(runs, !table.appendOnly, mergePolicyOf(table), table);
}

/** The merged rows `[lo, hi)` whose keys lie in the file's `[pkMin, pkMax]`. */
function keyRangeRows(merged: Merged, file: BaseFile): [number, number] {
  const key = (i: number) => {
    const k = merged.keys[merged.batchOf[i]]!;
    const r = merged.rowOf[i];
    return keyToHex(k.bytes.subarray(k.offsets[r], k.offsets[r + 1]));
  };
  let lo = 0;
  while (lo < merged.count && key(lo) < file.pkMin!) lo++;
  let hi = lo;
  while (hi < merged.count && key(hi) <= file.pkMax!) hi++;
  return [lo, hi];
}
