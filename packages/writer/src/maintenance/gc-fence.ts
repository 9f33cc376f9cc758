/**
 * The GC fence: how GC and compaction agree on which unlisted base files may go
 * (docs/base-table.md "GC", "Base files: the GC fence").
 *
 * A compaction writes its base files first and names them in a base version only
 * at its commit, so for a while they are listed under `base/data/` and named by no
 * version. GC must not delete such a file if that compaction can still commit it,
 * however long the compaction has been running. The base manifest's conditional
 * commit decides, through its `gcFence` counter:
 * - GC (1) lists `base/data/`, (2) commits a version equal to the head with
 *   `gcFence + 1` ({@link commitGcFence}), (3) reads the stored base versions and
 *   deletes only files of its step-1 listing that no retained version needs.
 * - A compaction remembers the base version it planned on (`start`). It commits
 *   only on the newest version, and only if no version since `start` changed
 *   `gcFence` or is missing ({@link noGcFenceSince}); otherwise it abandons its
 *   files and plans again.
 * Why no file a compaction still commits is deleted: a file listed in step 1 was
 * written before step 1, by a compaction that planned even earlier, on a version
 * below GC's fence commit F. If that compaction commits after F, its chain since
 * `start` contains F (or F is gone, which only GC does): it abandons. If it commits
 * before F, its version is stored when GC reads the versions in step 3, so the file
 * is named (and kept while that version or a later one that keeps it is retained).
 * A compaction that planned after F writes its files after step 1: GC never lists them.
 */
import { isFreshtierError, type BaseManifest, type Table, type Versioned } from '@freshtier/core';

/**
 * The `gcFence` of a base version (absent: 0).
 *
 * @example
 * ```ts
 * gcFenceOf((await table.baseManifests.latest()).doc); // 0 on a table GC never fenced
 * ```
 */
export function gcFenceOf(doc: BaseManifest): number {
  return doc.gcFence ?? 0;
}

/**
 * GC step 2: commits the newest base version again with `gcFence + 1` (retrying on a
 * conflict); returns the version committed.
 *
 * @example
 * ```ts
 * const fence = await commitGcFence(table);
 * ```
 */
export async function commitGcFence(table: Table): Promise<Versioned<BaseManifest>> {
  let note: string | undefined;
  const fenced = await table.baseManifests.update({
    build: (doc) => {
      note = `gc fence ${gcFenceOf(doc) + 1}: compactions that started before this version do not commit`;
      return { ...doc, gcFence: gcFenceOf(doc) + 1, committedAt: new Date().toISOString(), note };
    },
    // unknown outcome: a fence of ours that landed is the newest version carrying our note (a newer one also fences)
    landed: (doc) => note !== undefined && gcFenceOf(doc) >= Number(/^gc fence (\d+)/.exec(note)?.[1]),
  });
  return fenced!;
}

/**
 * Whether no GC fence was committed between `start` and `head` (both included):
 * every version in between is still stored and has `start`'s `gcFence`. `seen`
 * caches loaded versions across the retries of one commit.
 *
 * @example
 * ```ts
 * if (!(await noGcFenceSince(table, plan.base, await table.baseManifests.latest()))) abandon();
 * ```
 */
export async function noGcFenceSince(table: Table, start: Versioned<BaseManifest>, head: Versioned<BaseManifest>, seen = new Map<number, BaseManifest>()): Promise<boolean> {
  const fence = gcFenceOf(start.doc);
  if (gcFenceOf(head.doc) !== fence) return false;
  for (let v = start.version + 1; v < head.version; v++) {
    const doc = seen.get(v) ?? (await loadIfStored(table, v));
    if (doc === undefined || gcFenceOf(doc) !== fence) return false; // a missing version: GC ran, assume it fenced
    seen.set(v, doc);
  }
  return true;
}

async function loadIfStored(table: Table, version: number): Promise<BaseManifest | undefined> {
  try {
    return await table.baseManifests.load(version);
  } catch (e) {
    if (isFreshtierError(e, 'NOT_FOUND')) return undefined;
    throw e;
  }
}
