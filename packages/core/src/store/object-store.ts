/**
 * The object-store contract every table stands on. Keys are `/`-separated paths
 * relative to the table root. Objects are immutable once created by freshtier
 * (manifests, WAL entries and data files are only ever created, never rewritten),
 * so the contract needs no read-modify-write, only an atomic create.
 *
 * Contract (tested once in `test/store-contract.ts`, run against every store):
 * 1. `get` of a missing key throws `NotFoundError`; `head` returns `undefined`.
 * 2. `put` replaces atomically: a reader sees the old object or the new one, never a torn one.
 * 3. `putIfAbsent` is an atomic create: of N concurrent creators exactly one gets
 *    `'created'`, the others `'exists'`; a crash never leaves a partial object at the key.
 * 4. `list(prefix)` returns every key starting with `prefix`, sorted lexicographically (by UTF-16 code unit).
 * 5. `delete` is idempotent: deleting a missing key succeeds.
 *
 * Folder `store/`: the contract (this file) and its stores — `MemoryStore`, `LocalStore`
 * (with local-root.ts, which keeps deletes inside the table root) and `openStore` (store URIs).
 */
export interface ObjectStore {
  /** A short description for messages, e.g. `file:///data/t1`. */
  readonly uri: string;
  get(key: string): Promise<Uint8Array>;
  /** Bytes `[offset, offset+length)`; a range past the end is clipped. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: several `[offset, length]` ranges of one object, each read as `getRange` reads it.
   * A store that can read them for less than one request each implements it (LocalStore: one
   * open); readers fall back to `getRange` per range (read/key-lookup.ts).
   */
  getRanges?(key: string, ranges: readonly (readonly [number, number])[]): Promise<Uint8Array[]>;
  head(key: string): Promise<ObjectMeta | undefined>;
  put(key: string, data: Uint8Array): Promise<void>;
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult>;
  list(prefix: string): Promise<ObjectMeta[]>;
  delete(key: string): Promise<void>;
}

/** Metadata of a stored object. */
export interface ObjectMeta {
  key: string;
  size: number;
  /** Last modification time in ms since the epoch (0 where the store does not know). */
  lastModified: number;
}

/** `'created'`: this call created the object; `'exists'`: an object was already there, nothing changed. */
export type PutIfAbsentResult = 'created' | 'exists';

/** Joins path segments with `/`, dropping empty ones. */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** Rejects keys that could escape the table root or are not portable across stores. */
export function assertValidKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '.' || s === '') || key.includes('\\') || key.includes('\0')) {
    throw new TypeError(`Invalid object key "${key}": use a relative path of non-empty segments without "." or "..".`);
  }
}
