/**
 * `AsOfCut`: how far into the fresh tier of one shard a read saw (DESIGN.md
 * invariant 10), and `containsPksAsOf`, which answers membership as of that cut.
 *
 * A cut is `{ shard, compactedThrough, activeGeneration, activeBatchCount }`:
 * - generations `<= compactedThrough` were read from the base table, so they are
 *   NOT fresh tier for this cut. (This extends DESIGN's cut: without it, a
 *   two-phase reader whose scan read a generation from base would later be told the
 *   fresh tier "supersedes" its own base rows — wrong after a compaction.)
 * - generations in `(compactedThrough, activeGeneration)` were read whole;
 * - `activeGeneration` was read up to its first `activeBatchCount` batches;
 * - newer generations were not read.
 *
 * The answer stays exact after the active generation is frozen, flushed or
 * compacted: a memtable knows the first batch of every key (`firstBatchOf`), a
 * flushed generation keeps it in its key index (`firstBatch`), and compaction
 * leaves flushed entries in the shard manifest. A generation found neither in
 * memory nor in the manifest (its writer crashed before flushing; replay will
 * bring it back) is skipped, so a stale cut can only under-report.
 */
import {
  coverageThrough, InvalidOptionsError, type FileReader, type FlushedGeneration, type GenerationRange, type MemtableRef,
} from '@freshtier/core';
import { inKeyOrder, type NormalizedKeys } from './key-input.js';
import { eachFileHit } from './lookup.js';

/**
 * The fresh tier of one shard as a read observed it.
 *
 * @example
 * ```ts
 * const result = scanner.scan();
 * const cuts = await result.cuts; // one AsOfCut per shard
 * const baseKeys = [{ id: 1n }, { id: 2n }]; // keys the base-table scan returned
 * const superseded = await scanner.freshTierBlockList(baseKeys, cuts);
 * ```
 */
export interface AsOfCut {
  readonly shard: number;
  /** Generations at or below this were read from base (-1: none). */
  readonly compactedThrough: number;
  /** The newest generation read (the newest captured memtable holding a batch — usually the active one —, or one past the newest flushed one). */
  readonly activeGeneration: number;
  /** Batches of `activeGeneration` the read saw. */
  readonly activeBatchCount: number;
  /** Generations the read skipped because a rollback excluded them (absent: none). */
  readonly excluded?: readonly GenerationRange[];
}

/**
 * The current fresh tier of one shard, captured for a membership check: memtables
 * captured first, then the shard manifest (the same order as a scan's collection).
 *
 * @example
 * ```ts
 * const current: CurrentFresh = { memtables: refsOfShard, flushed: manifest.flushed };
 * ```
 */
export interface CurrentFresh {
  readonly memtables: readonly MemtableRef[];
  readonly flushed: readonly FlushedGeneration[];
}

/**
 * Validates cuts given by a caller and indexes them by shard.
 *
 * @example
 * ```ts
 * const byShard = cutsByShard(await result.cuts, table.shardCount);
 * ```
 */
export function cutsByShard(input: AsOfCut | readonly AsOfCut[], shardCount: number): (AsOfCut | undefined)[] {
  const list = Array.isArray(input) ? (input as readonly AsOfCut[]) : [input as AsOfCut];
  const out: (AsOfCut | undefined)[] = new Array(shardCount).fill(undefined);
  list.forEach((c, i) => {
    const ok = c && typeof c === 'object' && [c.shard, c.compactedThrough, c.activeGeneration, c.activeBatchCount].every(Number.isSafeInteger) && (c.excluded === undefined || Array.isArray(c.excluded));
    if (!ok || c.shard < 0 || c.shard >= shardCount) {
      throw new InvalidOptionsError('AsOfCut', [{ path: `cuts.${i}`, message: `not a cut of this table (shards 0..${shardCount - 1}); pass the cuts a scan of this table returned` }]);
    }
    out[c.shard] = c;
  });
  return out;
}

/**
 * For each key: does the fresh tier, as `cut` saw it, hold any version (put or
 * tombstone) of the key? `current[shard]` is the shard's fresh tier now.
 *
 * @example
 * ```ts
 * const held = await freshTierHolds(keys, cutsByShard(cuts, n), current, reader);
 * ```
 */
export async function freshTierHolds(keys: NormalizedKeys, cuts: readonly (AsOfCut | undefined)[], current: ReadonlyMap<number, CurrentFresh>, reader: FileReader): Promise<boolean[]> {
  const out = new Array<boolean>(keys.count).fill(false);
  for (const [shard, rows] of groupByShard(keys)) {
    const cut = cuts[shard];
    if (!cut) throw new InvalidOptionsError('AsOfCut', [{ path: 'cuts', message: `no cut for shard ${shard}, which holds some of the keys; pass every cut the scan returned` }]);
    const fresh = current.get(shard) ?? { memtables: [], flushed: [] };
    await checkShard(keys, inKeyOrder(keys, rows), cut, fresh, reader, out);
  }
  return out;
}

async function checkShard(keys: NormalizedKeys, rows: number[], cut: AsOfCut, fresh: CurrentFresh, reader: FileReader, out: boolean[]): Promise<void> {
  const covered = coverageThrough(cut.compactedThrough, cut.excluded); // what the cut's read took from the base
  const inRange = (g: number) => !covered.inBase(g) && g <= cut.activeGeneration;
  const inMemory = new Map(fresh.memtables.filter((r) => inRange(r.memtable.generation)).map((r) => [r.memtable.generation, r]));
  for (const ref of inMemory.values()) {
    const limit = ref.memtable.generation === cut.activeGeneration ? cut.activeBatchCount : Infinity;
    for (const i of rows) {
      if (out[i]) continue;
      const first = ref.memtable.firstBatchOf(keys.keys.bytes, keys.keys.offsets[i], keys.keys.offsets[i + 1]);
      if (first >= 0 && first < limit) out[i] = true;
    }
  }
  for (const entry of fresh.flushed) {
    if (!inRange(entry.generation) || inMemory.has(entry.generation)) continue;
    const limit = entry.generation === cut.activeGeneration ? cut.activeBatchCount : Infinity;
    await checkFlushed(keys, rows, entry, limit, reader, out);
  }
}

async function checkFlushed(keys: NormalizedKeys, rows: number[], entry: FlushedGeneration, limit: number, reader: FileReader, out: boolean[]): Promise<void> {
  await eachFileHit(entry.file, 'flushed', keys, rows.filter((i) => !out[i]), reader, (i, h) => {
    if (h.firstBatch < limit) out[i] = true;
  });
}

function groupByShard(keys: NormalizedKeys): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < keys.count; i++) {
    if (keys.absent?.[i]) continue; // a key its column types cannot hold: no version anywhere
    const s = keys.shards[i];
    let g = groups.get(s);
    if (!g) groups.set(s, (g = []));
    g.push(i);
  }
  return groups;
}

/**
 * Shorthand type for the cuts of every shard, as a scan returns them.
 *
 * @example
 * ```ts
 * const cuts: ScanCuts = await scanner.scan().cuts;
 * ```
 */
export type ScanCuts = readonly AsOfCut[];
