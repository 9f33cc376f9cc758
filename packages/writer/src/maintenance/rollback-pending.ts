/**
 * The pending-rollback marker: how a rollback and a writer that opens while it runs
 * agree on which of them wins (DESIGN.md invariants 12 and 16: "a rollback either
 * fences every writer of the table or fails, unchanged").
 *
 * A rollback fences shards one by one and then commits one base version. A writer
 * that opens in between claims a newer epoch than the rollback's, so the rollback's
 * fence no longer holds for that shard; without this protocol the rollback would
 * commit anyway and the table would mix the target version with that writer's rows.
 * The base manifest is the one object both sides commit to conditionally, so it
 * decides:
 *
 * 1. The rollback first commits the base head plus `pendingRollback { id }` (no
 *    content change: readers ignore the marker, other commits carry it forward).
 * 2. A writer, right after claiming its epoch and before it acks anything, removes
 *    any marker it finds with a conditional base commit (`cancelPendingRollback`).
 * 3. The rollback's final commit builds on the newest base version only while that
 *    version still holds its own marker; otherwise it aborts (`RollbackAbortedError`).
 *
 * Either the writer's removal or the rollback's final commit wins the next base
 * version. If the writer's wins, the rollback aborts and the table is unchanged. If
 * the rollback's wins, the writer finds no marker, and it had acked nothing yet: its
 * writes come after the rollback. A writer that checked before step 1 claimed its
 * epoch before the rollback fenced its shard, so the rollback fences it, and its acked
 * generations lie below the range the rollback excludes. A crashed rollback's marker
 * is removed by the next writer that opens (or replaced by the next rollback).
 */
import { RollbackAbortedError, type BaseManifest, type Table } from '@freshtier/core';

/**
 * Step 1: commits the marker of rollback `id` on the newest base version (replacing
 * the marker of a rollback that crashed or is still running: that one then aborts).
 *
 * @example
 * ```ts
 * await markPendingRollback(table, randomUUID());
 * ```
 */
export async function markPendingRollback(table: Table, id: string): Promise<void> {
  await table.baseManifests.update({
    build: (doc) => ({ ...doc, pendingRollback: { id, startedAt: new Date().toISOString() }, committedAt: new Date().toISOString(), note: `rollback ${id}: started` }),
    landed: (doc) => doc.pendingRollback?.id === id,
  });
}

/**
 * Step 2, run by `ShardWriter.open` after its epoch claim: removes a pending rollback's
 * marker, so that rollback aborts. Costs one base-manifest read when there is none.
 *
 * @example
 * ```ts
 * await cancelPendingRollback(table, 'writer of shard 0, epoch 7');
 * ```
 */
export async function cancelPendingRollback(table: Table, by: string): Promise<void> {
  await table.baseManifests.update({
    build: (doc) => (doc.pendingRollback ? withoutMarker(doc, `${by}: cancelled rollback ${doc.pendingRollback.id}`) : undefined),
  });
}

/**
 * Step 3: the rollback's final document, to commit only while the newest base version
 * still holds marker `id`; throws `RollbackAbortedError` otherwise.
 *
 * @example
 * ```ts
 * await table.baseManifests.update({ build: (latest) => finalIfStillPending(latest, id, doc), landed: (d) => d.note === doc.note });
 * ```
 */
export function finalIfStillPending(latest: BaseManifest, id: string, doc: BaseManifest): BaseManifest {
  if (latest.pendingRollback?.id !== id) {
    const by = latest.pendingRollback ? `another rollback (${latest.pendingRollback.id}) started meanwhile` : 'a writer opened a shard while the rollback ran';
    throw new RollbackAbortedError(by, { rollback: id });
  }
  // the GC fence only moves forward: a compaction that GC fenced must stay fenced (docs/base-table.md "GC")
  return { ...withoutMarker(doc, doc.note), ...(latest.gcFence === undefined ? {} : { gcFence: latest.gcFence }) };
}

/**
 * Throws `RollbackAbortedError` unless the newest base version holds marker `id`. The
 * rollback checks before fencing each shard, so a writer that removed the marker is
 * not fenced as well (the final commit, not this check, is what makes the outcome safe).
 *
 * @example
 * ```ts
 * await assertStillPending(table, id);
 * ```
 */
export async function assertStillPending(table: Table, id: string): Promise<void> {
  const { doc } = await table.baseManifests.latest();
  finalIfStillPending(doc, id, doc);
}

/**
 * Removes marker `id` after a rollback failed (best effort: the next writer that opens
 * removes it too).
 *
 * @example
 * ```ts
 * await clearPendingRollback(table, id).catch(() => undefined);
 * ```
 */
export async function clearPendingRollback(table: Table, id: string): Promise<void> {
  await table.baseManifests.update({
    build: (doc) => (doc.pendingRollback?.id === id ? withoutMarker(doc, `rollback ${id}: failed, nothing changed`) : undefined),
  });
}

function withoutMarker(doc: BaseManifest, note: string): BaseManifest {
  const { pendingRollback: _, ...rest } = doc;
  return { ...rest, committedAt: new Date().toISOString(), note };
}
