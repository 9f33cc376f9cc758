/**
 * The in-process registry of live snapshots: what GC must keep besides retained
 * versions and tags (DESIGN.md "Compaction, versions, GC": "no live snapshot needs").
 * The read side registers, the write side's GC reads: hence core.
 *
 * Every snapshot (the scanner's `Snapshot`) registers the manifest versions it
 * pinned when it is made. An entry stops pinning when the snapshot is released,
 * expires, or is garbage collected (entries hold the snapshot through a `WeakRef`,
 * so forgetting to release one costs retention only until the JS collector runs).
 * The registry lives on `globalThis` under a `Symbol.for` key, so two copies of this
 * package in one process (sources and a build) still share it; the key keeps the
 * name it had when the registry lived in the scanner, so an older scanner copy
 * shares it too. Snapshots in other processes are not visible here: they rely on
 * the retention window instead.
 */
import type { ObjectStore } from '../store/object-store.js';

/**
 * What one live snapshot reads: a table version, until `expiresAt`.
 *
 * @example
 * ```ts
 * for (const pin of liveSnapshotPins(table.store)) console.log(pin.baseVersion, pin.shardVersions);
 * ```
 */
export interface SnapshotPin {
  readonly store: ObjectStore;
  readonly baseVersion: number;
  /** Indexed by shard. */
  readonly shardVersions: readonly number[];
  /** ms since the epoch. */
  readonly expiresAt: number;
}

interface Entry {
  readonly ref: WeakRef<object>;
  readonly pin: SnapshotPin;
}

const KEY = Symbol.for('freshtier.scanner.liveSnapshots');

function entries(): Set<Entry> {
  const g = globalThis as unknown as Record<symbol, Set<Entry> | undefined>;
  return (g[KEY] ??= new Set<Entry>());
}

/**
 * Records that `owner` (a snapshot) reads `pin` until it is released or expires.
 *
 * @example
 * ```ts
 * const snapshot = {}; // the owner: its pin lives until released or collected
 * registerSnapshot(snapshot, { store, baseVersion: 3, shardVersions: [5], expiresAt: Date.now() + 60_000 });
 * ```
 */
export function registerSnapshot(owner: object, pin: SnapshotPin): void {
  entries().add({ ref: new WeakRef(owner), pin });
}

/**
 * Stops `owner` from pinning anything.
 *
 * @example
 * ```ts
 * declare const snapshot: object; // an owner passed to registerSnapshot
 * releaseSnapshot(snapshot);
 * ```
 */
export function releaseSnapshot(owner: object): void {
  for (const e of entries()) if (e.ref.deref() === owner) entries().delete(e);
}

/**
 * The pins of live snapshots (not released, not expired, still referenced), of the
 * table in `store` when given (matched by instance or by `uri`).
 *
 * @example
 * ```ts
 * const keep = liveSnapshotPins(table.store).map((p) => p.baseVersion);
 * ```
 */
export function liveSnapshotPins(store?: ObjectStore, now = Date.now()): SnapshotPin[] {
  const out: SnapshotPin[] = [];
  for (const e of entries()) {
    if (e.ref.deref() === undefined || e.pin.expiresAt < now) {
      entries().delete(e);
      continue;
    }
    if (!store || e.pin.store === store || e.pin.store.uri === store.uri) out.push(e.pin);
  }
  return out;
}
