/**
 * Pausing one store call at an exact step, without polling or timers: the call
 * waits until the test releases it, and `reached` resolves as soon as it started.
 *
 * @example
 * ```ts
 * const commit = holdCall(store, 'putIfAbsent', /^shards\/0\/_manifests\/v/);
 * const flushing = writer.flush();
 * await commit.reached;          // files written, the manifest commit waits
 * await gc(table, { olderThan: 0 });
 * commit.release();
 * await flushing;
 * ```
 */
import type { FaultHandle, FaultyStore, StoreOp } from './faulty-store.js';

/**
 * A held store call.
 *
 * @example
 * ```ts
 * const h: HeldCall = holdCall(store, 'list', /^shards\/0\/$/);
 * ```
 */
export interface HeldCall {
  /** Resolves with the key once the held call started. */
  readonly reached: Promise<string>;
  /** Lets the held call go on. */
  release(): void;
  readonly handle: FaultHandle;
}

/**
 * Holds the NEXT call of `ops` whose key matches `key` (only that one).
 *
 * @example
 * ```ts
 * const h = holdCall(store, 'putIfAbsent', /^base\/_manifests\/v/);
 * ```
 */
export function holdCall(store: FaultyStore, ops: StoreOp | StoreOp[], key: RegExp): HeldCall {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  let signal!: (key: string) => void;
  const reached = new Promise<string>((r) => (signal = r));
  let armed = true;
  const handle = store.inject({
    ops, mode: 'delay', until,
    key: (k) => {
      if (!armed || !key.test(k)) return false;
      armed = false;
      signal(k);
      return true;
    },
  });
  return { reached, release, handle };
}
