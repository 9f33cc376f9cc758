/**
 * Epochs and epoch-guarded manifest commits (DESIGN.md invariant 8).
 *
 * A writer owns a shard by *claiming* `epoch + 1`: a conditional commit of the
 * next shard-manifest version. Two writers racing for the shard cannot both win
 * the same version, and the loser reloads and claims above the winner, so every
 * claim ends with a distinct epoch. Afterwards every commit the writer makes is
 * *guarded*: it is built on the latest manifest and fails with
 * `ShardFencedError` as soon as that manifest carries a newer epoch. The WAL half
 * of fencing (the fence entry at the WAL tip) lives in `wal.ts`.
 *
 * A commit whose outcome is unknown (the store threw, maybe after writing) is
 * not retried blindly: the caller reloads and `landed()` recognises the change if
 * it is already there, so a generation is never committed twice.
 */
import {
  ShardFencedError, type ManifestStore, type ShardId, type ShardManifest, type Table, type Versioned,
} from '@freshtier/core';

/**
 * The shard manifest at a version: what a writer builds its next commit on.
 *
 * @example
 * ```ts
 * const head: ShardHead = await table.shardManifests(0).latest();
 * ```
 */
export type ShardHead = Versioned<ShardManifest>;

/**
 * Claims the next epoch of `shard`: commits the latest manifest with `epoch + 1`,
 * reloading and retrying on a conflict (`ManifestStore.update`). `writerId` tags the
 * claim so a claim whose acknowledgement was lost is recognised on reload.
 *
 * @example
 * ```ts
 * const head = await claimEpoch(table, 0, randomUUID());
 * head.doc.epoch; // this writer's epoch
 * ```
 */
export async function claimEpoch(table: Table, shard: ShardId, writerId: string): Promise<ShardHead> {
  let note: string | undefined;
  const claimed = await table.shardManifests(shard).update({
    build: (doc) => {
      const epoch = doc.epoch + 1;
      note = `claim epoch ${epoch} (writer ${writerId})`;
      return { ...doc, epoch, committedAt: new Date().toISOString(), note };
    },
    // unknown outcome: our claim may have landed; if it did, it is the newest version carrying our note
    landed: (doc) => note !== undefined && doc.note === note,
  });
  return claimed!;
}

/**
 * Throws `ShardFencedError` if `doc` carries an epoch newer than `epoch`.
 *
 * @example
 * ```ts
 * assertNotFenced((await manifests.latest()).doc, 0, myEpoch);
 * ```
 */
export function assertNotFenced(doc: ShardManifest, shard: ShardId, epoch: number): void {
  if (doc.epoch > epoch) throw new ShardFencedError(shard, epoch, doc.epoch);
}

/**
 * One epoch-guarded commit: see {@link commitGuarded}.
 *
 * @example
 * ```ts
 * const c: GuardedCommit = { manifests, shard: 0, epoch, head, build: (d) => ({ ...d, note: 'x' }), landed: () => false };
 * ```
 */
export interface GuardedCommit {
  readonly manifests: ManifestStore<ShardManifest>;
  readonly shard: ShardId;
  /** The committing writer's epoch. */
  readonly epoch: number;
  /** The version to build on (the writer's cached head; reloaded on conflict). */
  readonly head: ShardHead;
  /** The next document, built from the latest one. */
  build(latest: ShardManifest): ShardManifest;
  /** True if `latest` already holds this change (an earlier attempt whose acknowledgement was lost). */
  landed(latest: ShardManifest): boolean;
}

/**
 * Commits `build(latest)` as the next version through `ManifestStore.update`. Fails
 * with `ShardFencedError` once the latest manifest has a newer epoch, and rethrows
 * any other store error unless the change is found landed on reload (the caller
 * retries later from a reloaded head).
 *
 * @example
 * ```ts
 * head = await commitGuarded({ manifests, shard, epoch, head,
 *   build: (doc) => ({ ...doc, flushed: [...doc.flushed, gen], note: 'flush 7' }),
 *   landed: (doc) => doc.flushed.some((f) => f.file.path === gen.file.path) });
 * ```
 */
export async function commitGuarded(c: GuardedCommit): Promise<ShardHead> {
  const committed = await c.manifests.update({
    head: c.head,
    landed: (doc) => {
      assertNotFenced(doc, c.shard, c.epoch);
      return c.landed(doc);
    },
    build: (doc) => c.build(doc),
  });
  return committed!;
}
