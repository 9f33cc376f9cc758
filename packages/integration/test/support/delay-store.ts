/**
 * An ObjectStore wrapper that yields to the event loop for a few milliseconds, drawn
 * from a seeded `random`, before every operation, so concurrent flushes, commits and
 * scans interleave at every await point. The pauses only vary the interleaving: tests
 * using it must hold whatever the timing.
 *
 * @example
 * ```ts
 * const store = new DelayStore(new MemoryStore(), 2, prng(7).next);
 * ```
 */
import type { ObjectMeta, ObjectStore, PutIfAbsentResult } from '@freshtier/core';

export class DelayStore implements ObjectStore {
  readonly uri: string;

  constructor(private readonly inner: ObjectStore, private readonly maxDelayMs: number, private readonly random: () => number) {
    this.uri = `delay+${inner.uri}`;
  }

  private pause(): Promise<void> {
    const ms = Math.floor(this.random() * (this.maxDelayMs + 1));
    return new Promise((r) => (ms === 0 ? setImmediate(r) : setTimeout(r, ms)));
  }

  async get(key: string): Promise<Uint8Array> { await this.pause(); return this.inner.get(key); }
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> { await this.pause(); return this.inner.getRange(key, offset, length); }
  async head(key: string): Promise<ObjectMeta | undefined> { await this.pause(); return this.inner.head(key); }
  async put(key: string, data: Uint8Array): Promise<void> { await this.pause(); return this.inner.put(key, data); }
  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> { await this.pause(); return this.inner.putIfAbsent(key, data); }
  async list(prefix: string): Promise<ObjectMeta[]> { await this.pause(); return this.inner.list(prefix); }
  async delete(key: string): Promise<void> { await this.pause(); return this.inner.delete(key); }
}
