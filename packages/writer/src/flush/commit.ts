/**
 * The manifest change of a flush (flush round step 2, see flusher.ts): the frozen
 * generations whose files are written join the shard manifest's `flushed` list, in
 * ascending order, in ONE epoch-guarded commit (fencing.ts `commitGuarded`, core's
 * `ManifestStore.update`). A commit whose acknowledgement was lost is recognised on
 * reload (`isPublished`), so a generation is never listed twice.
 */
import {
  failpoint,
  type FlushedGeneration, type Generation, type ManifestStore, type ShardId, type ShardManifest,
} from '@freshtier/core';
import { commitGuarded, type ShardHead } from '../shard/fencing.js';

/**
 * Adds flushed generations to a manifest's `flushed` list, keeping it ascending.
 *
 * @example
 * ```ts
 * const flushed = mergeFlushed(doc.flushed, [gen7, gen8]);
 * ```
 */
export function mergeFlushed(existing: readonly FlushedGeneration[], added: readonly FlushedGeneration[]): FlushedGeneration[] {
  for (const g of added) {
    if (existing.some((e) => e.generation === g.generation)) throw new Error(`generation ${g.generation} is already in the shard manifest`);
  }
  return [...existing, ...added].sort((a, b) => a.generation - b.generation);
}

/** What a flush commit changes in the shard manifest. */
export interface FlushChange {
  readonly files: readonly FlushedGeneration[];
  /** The committing writer's epoch. */
  readonly epoch: number;
  /** Above every generation the writer assigned. */
  readonly nextGeneration: Generation;
  /** The replay point after this commit (see `replayPoint`); the manifest's never moves back. */
  readonly replayAfter: number;
}

/**
 * The next shard manifest after publishing `change.files`. Files an earlier
 * attempt already published (its acknowledgement was lost) are not added twice.
 *
 * @example
 * ```ts
 * const next = withFlushed(latest, { files: [gen7], epoch: 3, nextGeneration: 9, replayAfter: 41 });
 * ```
 */
export function withFlushed(doc: ShardManifest, change: FlushChange): ShardManifest {
  const added = change.files.filter((f) => !isPublished(doc, f));
  return {
    ...doc,
    epoch: change.epoch,
    flushed: mergeFlushed(doc.flushed, added),
    nextGeneration: Math.max(doc.nextGeneration, change.nextGeneration),
    replayAfter: Math.max(doc.replayAfter, change.replayAfter),
    committedAt: new Date().toISOString(),
    note: `flush generation(s) ${change.files.map((f) => f.generation).join(', ')}`,
  };
}

/**
 * Whether `doc` already names this generation file.
 *
 * @example
 * ```ts
 * if (files.every((f) => isPublished(latest, f))) console.log('already committed');
 * ```
 */
export function isPublished(doc: ShardManifest, g: FlushedGeneration): boolean {
  return doc.flushed.some((f) => f.file.path === g.file.path);
}

/**
 * A writer's flush commits on its shard manifest: the head it last committed or
 * loaded, and one guarded commit per call. A commit whose outcome is unknown (the
 * store threw) marks the head stale: the next commit reloads it first, and its
 * `landed` check finds the generations if the lost commit did land.
 *
 * @example
 * ```ts
 * const commits = new FlushCommits(table.shardManifests(0), 0, epoch, claimedHead);
 * const head = await commits.commit({ files, epoch, nextGeneration: 9, replayAfter: 41 });
 * ```
 */
export class FlushCommits {
  private current: ShardHead;
  private stale = false;

  /**
   * @param afterCommit runs after each commit that landed, before it returns (the writer's schema
   *   check: it must read the base manifest after the commit, or it could miss a change made while
   *   the commit waited); must not throw
   */
  constructor(private readonly manifests: ManifestStore<ShardManifest>, private readonly shard: ShardId, private readonly epoch: number, head: ShardHead, private readonly afterCommit?: () => Promise<void>) {
    this.current = head;
  }

  /** The shard manifest as last committed or loaded. */
  get head(): ShardHead {
    return this.current;
  }

  /** Publishes `change.files` in one epoch-guarded commit (`ShardFencedError` once a newer epoch holds the shard). */
  async commit(change: FlushChange): Promise<ShardHead> {
    const { manifests, shard, epoch } = this;
    try {
      if (this.stale) this.current = await manifests.latest();
      this.stale = false;
      failpoint('flush:before-commit');
      this.current = await commitGuarded({ manifests, shard, epoch, head: this.current, build: (doc) => withFlushed(doc, change), landed: (doc) => change.files.every((f) => isPublished(doc, f)) });
    } catch (e) {
      this.stale = true; // the outcome is unknown: reload before the next attempt, whose landed() check sees it
      throw e;
    }
    await this.afterCommit?.();
    failpoint('flush:after-commit'); // a throw here is a commit whose ack was lost: the retry's landed() check sees it
    return this.current;
  }
}
