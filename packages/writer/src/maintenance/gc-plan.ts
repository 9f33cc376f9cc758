/**
 * What GC deletes (gc.ts runs it): the listing of step 1, classified by
 * `layout.parse`, and the plan made from it and the manifests.
 *
 * A listed key freshtier does not write (`layout.parse` gives undefined) is never
 * deleted, only reported. The rest, by kind:
 * - base data files and key indexes: deleted when no retained base version names them
 *   (the GC fence, gc-fence.ts, makes that safe against compactions in flight);
 * - generation and ingest files: kept while a retained version still reads them.
 *   Otherwise a *committed* file (named by a stored shard version) is deleted; an
 *   *uncommitted* one only if the epoch in its directory name is below the shard's
 *   current epoch: its writer is fenced, and an epoch-guarded commit (fencing.ts) of
 *   a fenced writer never lands. Uncommitted files of the current epoch are in flight
 *   (a live writer may still publish them); uncommitted files whose directory name
 *   carries no epoch (written before epochs were part of the name) are orphans, kept;
 * - WAL data entries at or below every retained shard version's `replayAfter`, except
 *   fence entries (see gc.ts).
 * Everything else also waits until it is older than the cutoff (`now - olderThan`);
 * that is not what keeps in-flight files safe, the rules above are.
 */
import { layout, readWalEntry, type ObjectMeta, type ParsedKey, type ShardManifest, type Table } from '@freshtier/core';
import { epochBoundary, neededPaths, pinnedVersions, retainedVersions, type Retained } from './gc-retention.js';

/** A listed object with what it is. */
interface Classified {
  readonly meta: ObjectMeta;
  readonly parsed: ParsedKey;
}

/**
 * GC step 1: the listed objects GC may consider, per kind.
 *
 * @example
 * ```ts
 * const listing = await listForGc(table);
 * ```
 */
export interface GcListing {
  readonly baseFiles: readonly ObjectMeta[];
  /** Per shard: generation and ingest files. */
  readonly shardFiles: readonly (readonly Classified[])[];
  /** Per shard: WAL entries. */
  readonly walEntries: readonly (readonly Classified[])[];
  /** Keys under `base/data/` and `shards/<id>/` that are not of freshtier's layout. */
  readonly unknown: readonly string[];
}

/**
 * Lists `base/data/` and every shard's directory and classifies each key.
 *
 * @example
 * ```ts
 * const { baseFiles, unknown } = await listForGc(table);
 * ```
 */
export async function listForGc(table: Table): Promise<GcListing> {
  const unknown: string[] = [];
  const classify = (metas: ObjectMeta[]) => metas.flatMap((meta): Classified[] => {
    const parsed = layout.parse(meta.key);
    if (!parsed) unknown.push(meta.key);
    return parsed ? [{ meta, parsed }] : [];
  });
  const base = classify(await table.store.list(layout.baseDataDir));
  const shards = await Promise.all(shardIds(table).map(async (s) => classify(await table.store.list(layout.shardDir(s)))));
  const ofShard = (s: number, c: Classified) => 'shard' in c.parsed && c.parsed.shard === s;
  return {
    baseFiles: base.filter((c) => c.parsed.kind === 'base-data').map((c) => c.meta),
    shardFiles: shards.map((cs, s) => cs.filter((c) => ofShard(s, c) && (c.parsed.kind === 'generation-file' || c.parsed.kind === 'ingest-file'))),
    walEntries: shards.map((cs, s) => cs.filter((c) => ofShard(s, c) && c.parsed.kind === 'wal-entry')),
    unknown,
  };
}

/**
 * What to delete and what was kept, and why.
 *
 * @example
 * ```ts
 * const plan = await planGc(table, listing, Date.now(), Date.now() - 3_600_000);
 * ```
 */
export interface GcPlan {
  readonly kept: { readonly baseVersions: readonly number[]; readonly shardVersions: readonly (readonly number[])[] };
  readonly manifests: ObjectMeta[];
  readonly baseFiles: ObjectMeta[];
  readonly generationFiles: ObjectMeta[];
  readonly walEntries: ObjectMeta[];
  /** Uncommitted generation files of a shard's current epoch: a live writer may publish them. */
  readonly inFlight: string[];
  /** Uncommitted generation files whose directory name carries no epoch: never deleted. */
  readonly orphans: string[];
  /** Newest stored version of the base and of each shard manifest (for the `_latest` hints). */
  readonly newest: { readonly base: number; readonly shards: readonly number[] };
}

/**
 * Plans from `listing` and the manifests as they are now (see the module doc).
 *
 * @example
 * ```ts
 * const plan = await planGc(table, await listForGc(table), now, now - olderThan);
 * ```
 */
export async function planGc(table: Table, listing: GcListing, now: number, cutoff: number): Promise<GcPlan> {
  const pins = await pinnedVersions(table, now);
  const bases = await retainedVersions(table.baseManifests, cutoff, pins.map((p) => p.baseVersion));
  const shards = await Promise.all(shardIds(table).map((s) => retainedVersions(table.shardManifests(s), cutoff, pins.map((p) => p.shardVersions[s]), epochBoundary)));
  const needed = neededPaths(bases, shards);
  const old = (m: ObjectMeta) => m.lastModified <= cutoff;
  const files = shards.map((r, s) => generationVerdicts(r, listing.shardFiles[s], needed, old));
  const walBounds = shards.map((r) => Math.min(...[...r.kept.values()].map((m) => m.replayAfter)));
  return {
    kept: { baseVersions: [...bases.kept.keys()], shardVersions: shards.map((r) => [...r.kept.keys(), ...r.guards.keys()].sort((a, b) => a - b)) },
    manifests: [...bases.prune, ...shards.flatMap((r) => r.prune)],
    baseFiles: listing.baseFiles.filter((m) => old(m) && !needed.has(m.key)),
    generationFiles: files.flatMap((f) => f.delete),
    walEntries: (await Promise.all(shardIds(table).map((s) => deletableWal(table, s, listing.walEntries[s], walBounds[s], cutoff)))).flat(),
    inFlight: files.flatMap((f) => f.inFlight),
    orphans: files.flatMap((f) => f.orphans),
    newest: { base: newestOf(bases), shards: shards.map(newestOf) },
  };
}

/** One shard's generation and ingest files: which go, which are in flight, which are orphans. */
function generationVerdicts(r: Retained<ShardManifest>, listed: readonly Classified[], needed: ReadonlySet<string>, old: (m: ObjectMeta) => boolean) {
  const committed = new Set<string>();
  for (const doc of r.stored.values()) for (const f of doc.flushed) committed.add(f.file.path).add(f.file.keyIndexPath ?? f.file.path);
  const epoch = (r.stored.get(newestOf(r)) ?? r.kept.get(0))?.epoch ?? 0;
  const out = { delete: [] as ObjectMeta[], inFlight: [] as string[], orphans: [] as string[] };
  for (const { meta, parsed } of listed) {
    if (needed.has(meta.key) || !('epoch' in parsed)) continue;
    if (committed.has(meta.key)) {
      if (old(meta)) out.delete.push(meta);
    } else if (parsed.epoch === undefined) out.orphans.push(meta.key);
    else if (parsed.epoch >= epoch) out.inFlight.push(meta.key);
    else if (old(meta)) out.delete.push(meta); // a fenced writer's: its commit can never land
  }
  return out;
}

/** WAL data entries at or below `bound` and old enough; fence entries are kept (see gc.ts). */
async function deletableWal(table: Table, shard: number, listed: readonly Classified[], bound: number, cutoff: number): Promise<ObjectMeta[]> {
  const out: ObjectMeta[] = [];
  for (const { meta, parsed } of listed) {
    if (parsed.kind !== 'wal-entry' || parsed.position > bound || meta.lastModified > cutoff) continue;
    if (meta.size <= SMALL_WAL_ENTRY && (await isFenceOrUnreadable(table, shard, parsed.position))) continue;
    out.push(meta);
  }
  return out;
}

/** A fence entry is a header without records: far below this size. */
const SMALL_WAL_ENTRY = 1024;

async function isFenceOrUnreadable(table: Table, shard: number, position: number): Promise<boolean> {
  try {
    return (await readWalEntry(table.store, shard, position, table.walSuffix)).kind === 'fence';
  } catch {
    return true; // what cannot be classified is not deleted
  }
}

function newestOf<T>(r: Retained<T>): number {
  return Math.max(0, ...r.stored.keys());
}

function shardIds(table: Table): number[] {
  return Array.from({ length: table.shardCount }, (_, s) => s);
}
