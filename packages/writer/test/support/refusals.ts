/**
 * Checks for refused input: the call fails, and the store's bytes did not change.
 *
 * @example
 * ```ts
 * expectCode(await refusedUnchanged(store, () => w.put(bad)), 'SCHEMA_MISMATCH', '"v"');
 * ```
 */
import { isFreshtierError, type ErrorCode, type ObjectStore } from '@freshtier/core';
import { expect } from 'vitest';
import { diffObjects, hashObjects } from './store-bytes.js';

/** Runs `act` and returns what it threw, checking that the store's bytes did not change. */
export async function refusedUnchanged(store: ObjectStore, act: () => Promise<unknown>): Promise<Error> {
  const before = await hashObjects(store);
  const err = await act().then(() => undefined, (e: unknown) => e);
  expect(diffObjects(before, await hashObjects(store))).toEqual({ changed: [], added: [] });
  expect(err, 'the call must be refused').toBeInstanceOf(Error);
  return err as Error;
}

/** `err` is a freshtier error of `code` whose message mentions each of `mentions`. */
export function expectCode(err: Error, code: ErrorCode, ...mentions: string[]): void {
  expect(isFreshtierError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  for (const m of mentions) expect(err.message).toContain(m);
}
