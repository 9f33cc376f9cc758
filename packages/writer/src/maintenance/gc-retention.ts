/**
 * What GC must keep (docs/base-table.md "GC"): the manifest versions any retained
 * reader may still read, and from them the files those versions need.
 *
 * A manifest version is *retained* when it is the newest, when it was still the
 * newest at some moment inside the retention window (its successor committed after
 * `now - olderThan`: a version superseded a minute ago was read a minute ago, however
 * old it is), when a tag names it, or when a live snapshot of this process pinned it.
 * Version 0 (implicit, never stored) counts like the others: it pins no files of its
 * own, but a retained base version 0 means every flushed generation is still read.
 *
 * A shard version that starts or ends an epoch is never pruned either, though it is
 * not retained for reading (it pins no files and no WAL entries): it is a *guard*.
 * A commit is a put-if-absent of version `head + 1`; if GC had deleted that version,
 * a writer still holding `head` would re-create it and take the commit for a success
 * although the shard's history went on above it (an ingest acked and lost). Only a
 * fenced writer can hold an old head, and its head is the last version of its epoch
 * or the one before (its own commit whose acknowledgement it lost), so keeping the
 * last version of each epoch and the first of the next makes its commit conflict,
 * reload and see that it is fenced.
 */
import {
  baseCoverage, layout, liveSnapshotPins,
  type BaseManifest, type ManifestStore, type ObjectMeta, type ShardManifest, type Table,
} from '@freshtier/core';
import { tags, type TableVersion } from './versions.js';

/**
 * The retained versions of one manifest directory and the stored ones to prune.
 *
 * @example
 * ```ts
 * const r: Retained<BaseManifest> = await retainedVersions(table.baseManifests, cutoff, [3]);
 * ```
 */
export interface Retained<T> {
  /** Retained version → document (may include the implicit version 0). */
  readonly kept: ReadonlyMap<number, T>;
  /** Versions kept only as guards (see the module doc): not deleted, not read. */
  readonly guards: ReadonlyMap<number, T>;
  /** Every stored version → document. */
  readonly stored: ReadonlyMap<number, T>;
  /** Stored versions neither retained nor guards: their manifest objects can go. */
  readonly prune: readonly ObjectMeta[];
}

/**
 * The table versions pinned by tags and by live snapshots of this process.
 *
 * @example
 * ```ts
 * const pins = await pinnedVersions(table, Date.now());
 * ```
 */
export async function pinnedVersions(table: Table, now: number): Promise<TableVersion[]> {
  const tagged = (await tags(table)).map((t) => ({
    baseVersion: t.baseVersion,
    shardVersions: Array.from({ length: table.shardCount }, (_, s) => t.shardVersions[String(s)] ?? 0),
  }));
  const snapshots = liveSnapshotPins(table.store, now).map((p) => ({ baseVersion: p.baseVersion, shardVersions: [...p.shardVersions] }));
  return [...tagged, ...snapshots];
}

/**
 * Splits a manifest directory into retained and prunable versions (see the module doc).
 *
 * @example
 * ```ts
 * const shard0 = await retainedVersions(table.shardManifests(0), Date.now() - 3_600_000, []);
 * ```
 */
export async function retainedVersions<T extends { formatVersion: number; committedAt: string }>(
  manifests: ManifestStore<T>, cutoff: number, pinned: readonly number[], guard: Guard<T> = () => false,
): Promise<Retained<T>> {
  const metas = (await manifests.store.list(manifests.dir))
    .map((meta) => ({ meta, version: manifestVersionIn(manifests.dir, meta.key) }))
    .filter((m): m is { meta: ObjectMeta; version: number } => m.version !== undefined)
    .sort((a, b) => a.version - b.version);
  const docs = await Promise.all(metas.map((m) => manifests.load(m.version)));
  const kept = new Map<number, T>();
  const guards = new Map<number, T>();
  const prune: ObjectMeta[] = [];
  const committedAt = (i: number) => Date.parse(docs[i].committedAt);
  // version 0 was the newest until version 1 was committed (a pruned version 1 was superseded long ago)
  if (pinned.includes(0) || metas.length === 0 || (metas[0].version === 1 && committedAt(0) > cutoff)) kept.set(0, await manifests.load(0));
  metas.forEach((m, i) => {
    const newest = i === metas.length - 1;
    if (newest || pinned.includes(m.version) || committedAt(i + 1) > cutoff) kept.set(m.version, docs[i]);
    else if (guard(metas.map((x) => x.version), docs, i)) guards.set(m.version, docs[i]);
    else prune.push(m.meta);
  });
  return { kept, guards, stored: new Map(metas.map((m, i) => [m.version, docs[i]])), prune };
}

/**
 * Whether stored version `versions[i]` (document `docs[i]`; both ascending) must stay
 * although it is not retained.
 *
 * @example
 * ```ts
 * const never: Guard<ShardManifest> = () => false;
 * ```
 */
export type Guard<T> = (versions: readonly number[], docs: readonly T[], i: number) => boolean;

/**
 * The shard-manifest guard (see the module doc): the first and the last stored version
 * of each epoch. The oldest stored version counts as the first of its epoch unless it
 * is version 1 of epoch 0 (its predecessor, the implicit version 0, is known); the
 * versions before it were pruned and their epoch is unknown.
 *
 * @example
 * ```ts
 * const r = await retainedVersions(table.shardManifests(0), cutoff, pins, epochBoundary);
 * ```
 */
export const epochBoundary: Guard<ShardManifest> = (versions, docs, i) => {
  const epoch = docs[i].epoch;
  const before = i > 0 ? docs[i - 1].epoch : versions[i] === 1 ? 0 : undefined; // earlier ones pruned: unknown
  const after = i + 1 < docs.length ? docs[i + 1].epoch : epoch;
  return before !== epoch || after !== epoch;
};

/**
 * Whether any retained base version still reads flushed generation `g` of `shard`
 * (it is above that version's compaction mark and not excluded by a rollback).
 *
 * @example
 * ```ts
 * if (!generationNeeded(7, 0, bases.kept.values())) console.log('generation 7 can go');
 * ```
 */
export function generationNeeded(g: number, shard: number, bases: Iterable<BaseManifest>): boolean {
  for (const b of bases) if (!baseCoverage(b, shard).inBase(g)) return true;
  return false;
}

/**
 * The data files and key indexes that retained versions read.
 *
 * @example
 * ```ts
 * const needed = neededPaths(bases, shards);
 * ```
 */
export function neededPaths(bases: Retained<BaseManifest>, shards: readonly Retained<ShardManifest>[]): Set<string> {
  const out = new Set<string>();
  const add = (f: { path: string; keyIndexPath?: string }) => {
    out.add(f.path);
    if (f.keyIndexPath) out.add(f.keyIndexPath);
  };
  for (const b of bases.kept.values()) b.files.forEach(add);
  shards.forEach((r, shard) => {
    for (const m of r.kept.values()) {
      for (const f of m.flushed) if (generationNeeded(f.generation, shard, bases.kept.values())) add(f.file);
    }
  });
  return out;
}

/** The version of a manifest of directory `dir` (layout.parse, so only names freshtier writes), or undefined. */
function manifestVersionIn(dir: string, key: string): number | undefined {
  const p = layout.parse(key);
  return p?.kind === 'manifest' && layout.manifest(dir, p.version) === key ? p.version : undefined;
}
