/**
 * Pausing a real flush between its steps, to interleave reads with it: a store wrapper
 * that runs hooks around the NEXT shard-manifest commit of one shard. When `afterUpload`
 * runs, the generation files are stored and not yet committed; when `afterCommit` runs,
 * the commit has landed and the writer still holds the frozen memtables (it drops them
 * only once the store call returns, invariant 2). `failCommit` makes that commit fail
 * before it reaches the store: the memtables stay frozen, and the next flush commits them.
 *
 * @example
 * ```ts
 * const store = new FlushHookStore(new MemoryStore());
 * const table = await usersTable({ store });
 * await store.flushWith(writer, { afterUpload: check, afterCommit: check });
 * ```
 */
import { StoreFailureError, layout, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import type { ShardWriter } from '@freshtier/writer';

/**
 * What runs around a flush's commit.
 *
 * @example
 * ```ts
 * const hooks: FlushHooks = { afterCommit: async () => void (rows = await countRows()) };
 * ```
 */
export interface FlushHooks {
  afterUpload?: () => Promise<void> | void;
  afterCommit?: () => Promise<void> | void;
  /** Fail the commit (after the upload, before the store sees it). */
  failCommit?: boolean;
}

export class FlushHookStore implements ObjectStore {
  readonly uri: string;
  private armed: { prefix: string; hooks: FlushHooks } | undefined;

  constructor(readonly inner: ObjectStore) {
    this.uri = `hooks+${inner.uri}`;
  }

  /** `writer.flush()` with `hooks` around its (first) shard-manifest commit; throws if it made none. */
  async flushWith(writer: ShardWriter, hooks: FlushHooks): Promise<void> {
    const armed = { prefix: layout.shardManifests(writer.shard), hooks };
    this.armed = armed;
    try {
      await writer.flush();
    } finally {
      const unused = this.armed === armed;
      this.armed = undefined;
      if (unused) throw new Error(`the flush of shard ${writer.shard} committed nothing: its hooks never ran`);
    }
  }

  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    const armed = this.armed;
    if (!armed || !key.startsWith(armed.prefix)) return this.inner.putIfAbsent(key, data);
    this.armed = undefined; // this commit only
    await armed.hooks.afterUpload?.();
    if (armed.hooks.failCommit) throw new StoreFailureError('putIfAbsent', key, new Error('injected commit failure'));
    const result = await this.inner.putIfAbsent(key, data);
    await armed.hooks.afterCommit?.();
    return result;
  }

  get(key: string): Promise<Uint8Array> { return this.inner.get(key); }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> { return this.inner.getRange(key, offset, length); }
  head(key: string): Promise<ObjectMeta | undefined> { return this.inner.head(key); }
  put(key: string, data: Uint8Array): Promise<void> { return this.inner.put(key, data); }
  list(prefix: string): Promise<ObjectMeta[]> { return this.inner.list(prefix); }
  delete(key: string): Promise<void> { return this.inner.delete(key); }
}
