import { NotFoundError } from '../errors.js';
import { assertValidKey, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from './object-store.js';

interface StoredObject {
  data: Uint8Array;
  lastModified: number;
}

let nextId = 1;

/**
 * An in-process {@link ObjectStore} for tests and ephemeral tables. Objects live in a
 * `Map` and vanish with the process. Bytes are copied on the way in and out, so a
 * caller mutating a buffer can never change what is stored (as with a real store).
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * await store.putIfAbsent('_table.json', new TextEncoder().encode('{}')); // 'created'
 * const bytes = await store.get('_table.json');
 * ```
 */
export class MemoryStore implements ObjectStore {
  readonly uri: string;
  private readonly objects = new Map<string, StoredObject>();

  /** @param id Names the store in `uri` (`memory://<id>`); defaults to a per-process counter. */
  constructor(id: string = String(nextId++)) {
    this.uri = `memory://${id}`;
  }

  async get(key: string): Promise<Uint8Array> {
    return this.find(key).data.slice();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    assertValidRange(offset, length);
    // `slice` clips a range past the end, which is what the contract asks for.
    return this.find(key).data.slice(offset, offset + length);
  }

  async getRanges(key: string, ranges: readonly (readonly [number, number])[]): Promise<Uint8Array[]> {
    return Promise.all(ranges.map(([offset, length]) => this.getRange(key, offset, length)));
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    assertValidKey(key);
    const o = this.objects.get(key);
    return o === undefined ? undefined : { key, size: o.data.byteLength, lastModified: o.lastModified };
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    assertValidKey(key);
    this.objects.set(key, { data: new Uint8Array(data), lastModified: Date.now() });
  }

  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    assertValidKey(key);
    // Check and set run without an `await` in between, so no other call can interleave.
    if (this.objects.has(key)) return 'exists';
    this.objects.set(key, { data: new Uint8Array(data), lastModified: Date.now() });
    return 'created';
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
    return keys.map((key) => {
      const o = this.objects.get(key)!;
      return { key, size: o.data.byteLength, lastModified: o.lastModified };
    });
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.objects.delete(key);
  }

  private find(key: string): StoredObject {
    assertValidKey(key);
    const o = this.objects.get(key);
    if (o === undefined) throw new NotFoundError(`${this.uri}/${key}`);
    return o;
  }
}

/** Orders keys by UTF-16 code unit, the order the contract promises. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rejects ranges no store could serve, so every store fails the same way on caller bugs. */
function assertValidRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Invalid byte range offset=${offset} length=${length}: both must be non-negative integers.`);
  }
}
