/**
 * A store that parks WAL writes so a test decides when — and in which order — each
 * one lands, or that it never does (a crash with writes in flight). No timers: a
 * parked `putIfAbsent` reaches the inner store only when the test calls `land`.
 *
 * @example
 * ```ts
 * const store = new ReorderStore(new MemoryStore());
 * store.parking = true;
 * const acked = writer.put(batch);
 * await store.parkedAtLeast(1);
 * await store.land(store.parked[0]); // now the entry exists; the put may resolve
 * ```
 */
import { decodeWalEntry, parseWalPosition, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';

/**
 * One parked WAL write.
 *
 * @example
 * ```ts
 * const first: ParkedWrite = store.parked[0];
 * ```
 */
export interface ParkedWrite {
  readonly key: string;
  readonly position: number;
  /** The `id`s of the rows the entry holds. */
  readonly ids: string[];
  /** Set once `land` ran it: what the inner store answered. */
  result?: PutIfAbsentResult;
  /** Runs the write against the inner store, then answers the caller. */
  readonly go: () => Promise<PutIfAbsentResult>;
  /** Runs the write against the inner store and keeps the answer back (a reply late on the network); `go` then answers. */
  readonly execute: () => Promise<PutIfAbsentResult>;
}

/**
 * The parking store (see the module doc).
 *
 * @example
 * ```ts
 * const store = new ReorderStore(new MemoryStore());
 * ```
 */
export class ReorderStore implements ObjectStore {
  readonly uri: string;
  /** While true, WAL `putIfAbsent`s park. */
  parking = false;
  readonly parked: ParkedWrite[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly inner: ObjectStore) {
    this.uri = inner.uri;
  }

  get(key: string): Promise<Uint8Array> { return this.inner.get(key); }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> { return this.inner.getRange(key, offset, length); }
  head(key: string): Promise<ObjectMeta | undefined> { return this.inner.head(key); }
  list(prefix: string): Promise<ObjectMeta[]> { return this.inner.list(prefix); }
  put(key: string, data: Uint8Array): Promise<void> { return this.inner.put(key, data); }
  delete(key: string): Promise<void> { return this.inner.delete(key); }

  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    const position = /\/wal\//.test(key) ? positionOf(key) : undefined;
    if (!this.parking || position === undefined) return this.inner.putIfAbsent(key, data);
    return new Promise<PutIfAbsentResult>((resolve, reject) => {
      let executed: Promise<PutIfAbsentResult> | undefined;
      const execute = () => (executed ??= this.inner.putIfAbsent(key, data));
      const write: ParkedWrite = {
        key, position, ids: idsOf(data, key), execute,
        go: () => execute().then((r) => {
          write.result = r;
          resolve(r);
          return r;
        }, (e: unknown) => {
          reject(e);
          throw e;
        }),
      };
      this.parked.push(write);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Parked writes not landed yet, in the order they were made. */
  get waiting(): ParkedWrite[] {
    return this.parked.filter((w) => w.result === undefined);
  }

  /** Resolves once at least `n` writes were parked (no timer: woken by the writes themselves). */
  async parkedAtLeast(n: number): Promise<void> {
    while (this.parked.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Lands one parked write, then lets the event loop run what it triggers. */
  async land(write: ParkedWrite): Promise<PutIfAbsentResult> {
    const r = await write.go();
    await turns();
    return r;
  }
}

/** A few turns of the event loop (setImmediate, not a clock): enough for a group to settle or the next to be dispatched. */
export async function turns(n = 6): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

function positionOf(key: string): number | undefined {
  const dot = key.lastIndexOf('.');
  return parseWalPosition(key, key.slice(dot) as never);
}

function idsOf(data: Uint8Array, key: string): string[] {
  const entry = decodeWalEntry(data, key);
  return entry.records.flatMap((r) => Array.from(r.batch.getChild('id')!.toArray() as BigInt64Array, String));
}
