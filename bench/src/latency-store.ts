/**
 * A store wrapper that adds a fixed latency to every request, as a remote object store
 * does: the bench's `--store-latency put=50,get=30` runs freshtier's write workloads
 * behind it (a local disk with S3's round trips). Requests run concurrently, as they
 * would against S3; the wrapper only delays each one, it never serializes them.
 */
import type { ObjectMeta, ObjectStore, PutIfAbsentResult } from '@freshtier/core';
import type { StoreLatency } from './peers/types.js';

/**
 * Waits `putMs` before each write (PUT, create, DELETE) and `getMs` before each read
 * (GET, range GET, HEAD, LIST), then forwards to the wrapped store.
 *
 * @example
 * ```ts
 * const store = new LatencyStore(new LocalStore(dir), { putMs: 50, getMs: 30 });
 * ```
 */
export class LatencyStore implements ObjectStore {
  readonly uri: string;
  /** Requests made, by kind: what the latency was paid on. */
  readonly requests = { put: 0, get: 0 };

  constructor(private readonly inner: ObjectStore, private readonly latency: StoreLatency) {
    this.uri = `latency(put ${latency.putMs} ms, get ${latency.getMs} ms)+${inner.uri}`;
  }

  private write<T>(run: () => Promise<T>): Promise<T> {
    this.requests.put++;
    return delay(this.latency.putMs).then(run);
  }

  private read<T>(run: () => Promise<T>): Promise<T> {
    this.requests.get++;
    return delay(this.latency.getMs).then(run);
  }

  get(key: string): Promise<Uint8Array> { return this.read(() => this.inner.get(key)); }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> { return this.read(() => this.inner.getRange(key, offset, length)); }
  head(key: string): Promise<ObjectMeta | undefined> { return this.read(() => this.inner.head(key)); }
  list(prefix: string): Promise<ObjectMeta[]> { return this.read(() => this.inner.list(prefix)); }
  put(key: string, data: Uint8Array): Promise<void> { return this.write(() => this.inner.put(key, data)); }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { return this.write(() => this.inner.putIfAbsent(key, data)); }
  delete(key: string): Promise<void> { return this.write(() => this.inner.delete(key)); }
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/**
 * Parses `--store-latency`: `put=50,get=30` (milliseconds, either may be omitted: 0), or
 * `none` / `off` / `0` for no latency-store run (null). Throws on anything else.
 *
 * @example
 * ```ts
 * parseStoreLatency('put=50,get=30'); // { putMs: 50, getMs: 30 }
 * parseStoreLatency('none');          // null
 * ```
 */
export function parseStoreLatency(text: string): StoreLatency | null {
  const t = text.trim().toLowerCase();
  if (t === 'none' || t === 'off' || t === '0') return null;
  const out: StoreLatency = { putMs: 0, getMs: 0 };
  for (const part of t.split(',')) {
    const m = /^(put|get)=(\d+(?:\.\d+)?)(?:ms)?$/.exec(part.trim());
    if (!m) throw new Error(`--store-latency: "${part}" is not put=MS or get=MS; write e.g. put=50,get=30 (milliseconds) or none`);
    out[m[1] === 'put' ? 'putMs' : 'getMs'] = Number(m[2]);
  }
  return out;
}

/** "put 50 ms, get 30 ms", for notes and system labels. */
export function describeLatency(l: StoreLatency): string {
  return `put ${l.putMs} ms, get ${l.getMs} ms`;
}
