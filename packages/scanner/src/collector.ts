/**
 * Source collection: the one step that decides what a read sees (DESIGN.md
 * invariants 1 and 2). The planner relies on this order of steps:
 *
 * 1. Capture every live writer's in-memory memtables, synchronously, for every
 *    `MemtableSource` given, before the first `await`. Each writer captures its
 *    frozen and active memtables under one lock, with their batch counts.
 * 2. Read the base manifest (latest version).
 * 3. Read each shard manifest (latest version).
 * 4. Per shard, merge into one list ordered by ascending generation:
 *    a. memtables sorted by generation, one per generation (a duplicate from a
 *       second writer of the shard keeps the newer epoch, then more batches);
 *    b. the cut: the newest captured memtable, or — no writer given — one past the
 *       newest flushed or compacted generation read, with 0 batches;
 *    c. generations `<= compacted[shard]` are skipped, in memory or flushed: the
 *       base version read in step 2 holds them; so are generations that base version
 *       excludes (a rollback undid them);
 *    d. a generation both captured in memory and listed as flushed is read ONCE,
 *       from the memtable (bounded by the captured batch count, so it agrees
 *       with the cut);
 *    e. flushed generations newer than the cut's active generation (flushed after
 *       step 1) are excluded: the read is as of the capture.
 *
 * 5. Schema: the read is at its Table handle's schema version. A base version of another
 *    one, a file of a version the handle does not know (flushed after a schema change
 *    committed between steps 2 and 3), or memtables of a writer on another version fail
 *    the read with `SchemaChangedError` (reopen the table), never a misread column.
 *
 * Why memtables first: a flush drops its frozen memtable only after the manifest
 * commit that publishes it succeeds. Had we read the manifest first, a flush
 * committing between the two reads would leave its rows in neither. Captured
 * first, the frozen memtable is still held by our ref; if the manifest read
 * afterwards already lists it, step 4d reads it once. Why the base manifest before
 * the shard manifests: every generation compacted into base is listed in every
 * later shard manifest (compaction never removes flushed entries), so step 4c
 * cannot skip a generation the shard manifest read would not account for.
 */
import { CorruptEntryError, SchemaChangedError, baseCoverage, isSchemaAncestor, schemaVersionOfBase, type BaseManifest, type GenerationRange, type MemtableRef, type MemtableSource, type ShardManifest, type Table, type Versioned } from '@freshtier/core';
import type { AsOfCut } from './as-of-cut.js';
import type { FreshSource, ReadView, ShardView } from './sources.js';

interface CapturedRef {
  readonly epoch: number;
  readonly ref: MemtableRef;
}

/**
 * Step 1: captures every writer's memtables now (synchronously), grouped by shard.
 *
 * @example
 * ```ts
 * const captured = captureMemtables(table, [writer0, writer1]);
 * console.log(captured.get(0)?.map((r) => r.memtable.generation));
 * ```
 */
export function captureMemtables(table: Table, writers: readonly MemtableSource[]): Map<number, MemtableRef[]> {
  const byShard = new Map<number, CapturedRef[]>();
  for (const w of writers) {
    const refs = w.inMemoryMemtableRefs();
    if (refs.schemaVersion !== undefined && refs.schemaVersion !== table.schemaVersion) {
      throw new SchemaChangedError(`The writer of shard ${refs.shard} given to this scanner`, refs.schemaVersion, table.schemaVersion, { shard: refs.shard });
    }
    let list = byShard.get(refs.shard);
    if (!list) byShard.set(refs.shard, (list = []));
    for (const ref of refs.refs) list.push({ epoch: refs.epoch, ref });
  }
  const out = new Map<number, MemtableRef[]>();
  for (const [shard, list] of byShard) {
    if (shard < table.shardCount) out.set(shard, onePerGeneration(list));
  }
  return out;
}

/** Step 4a: ascending by generation; for a duplicate generation keep the newer epoch, then more batches. */
function onePerGeneration(list: CapturedRef[]): MemtableRef[] {
  const best = new Map<number, CapturedRef>();
  for (const c of list) {
    const g = c.ref.memtable.generation;
    const prev = best.get(g);
    if (!prev || c.epoch > prev.epoch || (c.epoch === prev.epoch && c.ref.batchCount > prev.ref.batchCount)) best.set(g, c);
  }
  return [...best.values()].map((c) => c.ref).sort((a, b) => a.memtable.generation - b.memtable.generation);
}

/**
 * A table version to read instead of the newest manifests (a `checkout`): one base
 * version and, indexed by shard, one shard manifest version. Versions are immutable,
 * so a pinned read needs no memtables and always returns the same rows.
 *
 * @example
 * ```ts
 * const at: PinnedVersions = { baseVersion: 4, shardVersions: [7, 5] };
 * const pinned = new LsmScanner(table, { at }); // reads exactly that table version
 * ```
 */
export interface PinnedVersions {
  readonly baseVersion: number;
  readonly shardVersions: readonly number[];
}

/**
 * Steps 1–4: collects one consistent set of sources for every shard. With `at`, steps
 * 2 and 3 load those versions instead of the newest (pass no writers then).
 *
 * @example
 * ```ts
 * const view = await collectSources(table, [writer]);
 * for (const s of view.shards) console.log(s.shard, s.fresh.map((f) => `${f.kind}:${f.generation}`));
 * ```
 */
export function collectSources(table: Table, writers: readonly MemtableSource[], at?: PinnedVersions, now: () => number = Date.now): Promise<ReadView> {
  const takenAt = now();
  const captured = captureMemtables(table, writers); // step 1, before any await
  return readManifests(table, at).then(({ base, shards }) => (assertSchema(table, base.doc, shards, at !== undefined), {
    takenAt,
    baseVersion: base.version,
    base: base.doc,
    shards: shards.map((m, s) => planShard(s, base.doc, m, captured.get(s) ?? [])),
  }));
}

/**
 * Step 5: the sources are of the handle's schema version, or of one its history knows. A
 * pinned read may read an older table version at a newer schema (the change feed reads
 * both ends at the newer one's), but only along the line of changes that led to it: data of
 * a version a rollback undid may hold values the newer schema has no room for. Only the
 * generations the read uses count: an excluded one may be of an undone version.
 */
function assertSchema(table: Table, base: BaseManifest, shards: readonly Versioned<ShardManifest>[], pinned: boolean): void {
  const current = schemaVersionOfBase(base);
  if (pinned ? !isSchemaAncestor(table.schemaState, current) : current !== table.schemaVersion) throw new SchemaChangedError("This scanner's Table handle", table.schemaVersion, current);
  for (const { doc } of shards) {
    const skip = baseCoverage(base, doc.shard).inBase;
    const unknown = doc.flushed.find((f) => !skip(f.generation) && !table.schemaState.history.has(f.file.schemaVersion ?? 0));
    if (unknown) throw new SchemaChangedError("This scanner's Table handle", table.schemaVersion, unknown.file.schemaVersion ?? 0, { path: unknown.file.path });
    // known, but of a version a rollback undid: its values may not fit (a widening undone); never misread them
    const undone = doc.flushed.find((f) => !skip(f.generation) && !isSchemaAncestor(table.schemaState, f.file.schemaVersion ?? 0));
    if (undone) throw new CorruptEntryError(undone.file.path, `it is named by generation ${undone.generation} of shard ${doc.shard} but was written at schema version ${undone.file.schemaVersion ?? 0}, which a rollback undid (the table reads at version ${table.schemaVersion}); restore the shard manifest or roll back again`);
  }
}

/** Steps 2 and 3, in that order. */
async function readManifests(table: Table, at?: PinnedVersions): Promise<{ base: Versioned<BaseManifest>; shards: Versioned<ShardManifest>[] }> {
  const base = at ? { version: at.baseVersion, doc: await table.baseManifests.load(at.baseVersion) } : await table.baseManifests.latest();
  const shards = await Promise.all(Array.from({ length: table.shardCount }, (_, s) => loadShard(table, s, at)));
  return { base, shards };
}

async function loadShard(table: Table, shard: number, at?: PinnedVersions): Promise<Versioned<ShardManifest>> {
  const manifests = table.shardManifests(shard);
  if (!at) return manifests.latest();
  return { version: at.shardVersions[shard], doc: await manifests.load(at.shardVersions[shard]) };
}

/** Step 4 for one shard. Generations a rollback excluded are skipped like compacted ones (`baseCoverage`). */
function planShard(shard: number, base: BaseManifest, manifest: Versioned<ShardManifest>, memtables: readonly MemtableRef[]): ShardView {
  const coverage = baseCoverage(base, shard);
  const compactedThrough = coverage.compacted;
  const cut = withExcluded(cutForShard(shard, compactedThrough, memtables, manifest.doc), coverage.excluded);
  const skip = coverage.inBase;
  const byGeneration = new Map<number, FreshSource>();
  for (const entry of manifest.doc.flushed) {
    if (!skip(entry.generation) && entry.generation < cut.activeGeneration) { // 4c, 4e
      byGeneration.set(entry.generation, { kind: 'flushed', generation: entry.generation, entry, file: entry.file });
    }
  }
  for (const ref of memtables) {
    const g = ref.memtable.generation;
    if (!skip(g)) byGeneration.set(g, { kind: 'memtable', generation: g, ref }); // 4c, 4d: replaces a flushed copy
  }
  const fresh = [...byGeneration.values()].sort((a, b) => a.generation - b.generation);
  const baseFiles = base.files.filter((f) => f.shard === shard);
  return { shard, manifestVersion: manifest.version, manifest: manifest.doc, compactedThrough, baseFiles, fresh, cut };
}

/** The cut records the excluded ranges (only when there are some), so `containsPksAsOf` skips them too. */
function withExcluded(cut: AsOfCut, excluded: readonly GenerationRange[]): AsOfCut {
  return excluded.length === 0 ? cut : { ...cut, excluded };
}

/**
 * Step 4b: the cut a read of these sources observes: up to the newest captured memtable
 * holding a batch, bounded to the batches captured.
 *
 * Without a captured memtable the cut is one past the newest generation read, with
 * 0 batches — not the manifest's `nextGeneration`: a writer elsewhere may hold
 * generations below `nextGeneration` in memory, and counting them "whole" later
 * would over-report rows this read never saw.
 *
 * @example
 * ```ts
 * const cut = cutForShard(0, -1, refs, manifest);
 * ```
 */
export function cutForShard(shard: number, compactedThrough: number, memtables: readonly MemtableRef[], manifest: ShardManifest): AsOfCut {
  // The newest captured memtable HOLDING a batch, not simply the newest: an older one may be sealed with
  // durable puts still in flight (appended after this capture), which happens only while every newer one
  // holds none — so everything below the one chosen was complete when captured.
  const newest = [...memtables].reverse().find((r) => r.batchCount > 0) ?? memtables[0];
  if (newest) return { shard, compactedThrough, activeGeneration: newest.memtable.generation, activeBatchCount: newest.batchCount };
  const maxFlushed = manifest.flushed.reduce((m, f) => Math.max(m, f.generation), 0);
  return { shard, compactedThrough, activeGeneration: Math.max(maxFlushed, compactedThrough, 0) + 1, activeBatchCount: 0 };
}
