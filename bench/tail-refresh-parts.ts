/**
 * Pieces of bench/tail-refresh.ts: a store that counts requests by kind and by object,
 * a store that adds a fixed latency to every request, the bench's small table, and
 * percentiles.
 *
 * @example
 * ```ts
 * const counting = new CountingStore(new MemoryStore());
 * await new LsmScanner(await Table.open(counting), { tail: true }).refresh();
 * console.log(counting.counts); // { 'LIST wal': 1, 'GET wal': 0, 'GET manifest': 4, … }
 * ```
 */
import type { ObjectMeta, ObjectStore, PutIfAbsentResult } from '@freshtier/core';
import { Field, Int32, Int64, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';

/**
 * What a key names, for counting: a WAL entry, a manifest (or its `_latest` hint), or anything else.
 *
 * @example
 * ```ts
 * objectKind('shards/0/wal/00000000000000000008.ftw'); // 'wal'
 * ```
 */
export function objectKind(key: string): 'wal' | 'manifest' | 'other' {
  if (key.includes('/wal/')) return 'wal';
  if (key.includes('_manifests/')) return 'manifest';
  return 'other';
}

/**
 * Counts every request as `<VERB> <kind>`: LIST, GET (get and getRange), HEAD, PUT (put and
 * putIfAbsent), DELETE.
 *
 * @example
 * ```ts
 * counting.reset();
 * await scanner.refresh();
 * const lists = counting.counts['LIST wal'] ?? 0;
 * ```
 */
export class CountingStore implements ObjectStore {
  readonly uri: string;
  counts: Record<string, number> = {};

  constructor(private readonly inner: ObjectStore) {
    this.uri = `counting+${inner.uri}`;
  }

  reset(): void {
    this.counts = {};
  }

  /** Requests counted so far, all kinds together. */
  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  private count(verb: string, key: string): void {
    const k = `${verb} ${objectKind(key)}`;
    this.counts[k] = (this.counts[k] ?? 0) + 1;
  }

  get(key: string): Promise<Uint8Array> { this.count('GET', key); return this.inner.get(key); }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> { this.count('GET', key); return this.inner.getRange(key, offset, length); }
  head(key: string): Promise<ObjectMeta | undefined> { this.count('HEAD', key); return this.inner.head(key); }
  put(key: string, data: Uint8Array): Promise<void> { this.count('PUT', key); return this.inner.put(key, data); }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { this.count('PUT', key); return this.inner.putIfAbsent(key, data); }
  list(prefix: string): Promise<ObjectMeta[]> { this.count('LIST', prefix); return this.inner.list(prefix); }
  delete(key: string): Promise<void> { this.count('DELETE', key); return this.inner.delete(key); }
}

/**
 * Waits `ms` before every request (a fixed round trip, as to a remote object store).
 *
 * @example
 * ```ts
 * const slow = new LatencyStore(new MemoryStore(), 20);
 * ```
 */
export class LatencyStore implements ObjectStore {
  readonly uri: string;

  constructor(private readonly inner: ObjectStore, private readonly ms: number) {
    this.uri = `latency+${inner.uri}`;
  }

  private wait(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.ms));
  }

  async get(key: string): Promise<Uint8Array> { await this.wait(); return this.inner.get(key); }
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> { await this.wait(); return this.inner.getRange(key, offset, length); }
  async head(key: string): Promise<ObjectMeta | undefined> { await this.wait(); return this.inner.head(key); }
  async put(key: string, data: Uint8Array): Promise<void> { await this.wait(); return this.inner.put(key, data); }
  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { await this.wait(); return this.inner.putIfAbsent(key, data); }
  async list(prefix: string): Promise<ObjectMeta[]> { await this.wait(); return this.inner.list(prefix); }
  async delete(key: string): Promise<void> { await this.wait(); return this.inner.delete(key); }
}

/**
 * `id` Int64 (the key), `v` Int32.
 *
 * @example
 * ```ts
 * await Table.create(store, { schema: tailSchema, primaryKey: ['id'], shards: 4 });
 * ```
 */
export const tailSchema = new Schema([new Field('id', new Int64(), false), new Field('v', new Int32(), true)]);

/**
 * Rows `[lo, hi)` of {@link tailSchema}.
 *
 * @example
 * ```ts
 * await writer.put(rows(0, 10));
 * ```
 */
export function rows(lo: number, hi: number): RecordBatch {
  const n = hi - lo;
  const children = [
    makeData({ type: new Int64(), length: n, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(lo + i)) }),
    makeData({ type: new Int32(), length: n, data: new Int32Array(n) }),
  ];
  return new RecordBatch(tailSchema, makeData({ type: new Struct(tailSchema.fields), length: n, nullCount: 0, children }));
}

/**
 * The `p`-th percentile (0..100) of `xs`, nearest rank.
 *
 * @example
 * ```ts
 * percentile([5, 1, 3], 50); // 3
 * ```
 */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
