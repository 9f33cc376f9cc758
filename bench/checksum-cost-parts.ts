/**
 * Pieces of bench/checksum-cost.ts: a store that records which objects an operation
 * wrote and read (it only notes paths; nothing in the engine changes), the byte range of
 * each object that a checksum covers (docs/format.md), and timing helpers.
 */
import { crc32, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Wraps a store and records the paths written (`put`, `putIfAbsent`) and read (`get`,
 * `getRange`) while `recording` is on. Costs a Set insertion per call.
 *
 * @example
 * ```ts
 * const store = new RecordingStore(new LocalStore(dir));
 * store.start(); await work(); const { written, read } = store.stop();
 * ```
 */
export class RecordingStore implements ObjectStore {
  private written = new Set<string>();
  private read = new Set<string>();
  private recording = false;
  constructor(readonly inner: ObjectStore) {}
  get uri(): string {
    return this.inner.uri;
  }
  start(): void {
    this.written = new Set();
    this.read = new Set();
    this.recording = true;
  }
  stop(): { written: string[]; read: string[] } {
    this.recording = false;
    return { written: [...this.written], read: [...this.read] };
  }
  get(key: string): Promise<Uint8Array> {
    if (this.recording) this.read.add(key);
    return this.inner.get(key);
  }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    if (this.recording) this.read.add(key);
    return this.inner.getRange(key, offset, length);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    return this.inner.head(key);
  }
  list(prefix: string): Promise<ObjectMeta[]> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  put(key: string, data: Uint8Array): Promise<void> {
    if (this.recording) this.written.add(key);
    return this.inner.put(key, data);
  }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    if (this.recording) this.written.add(key);
    return this.inner.putIfAbsent(key, data);
  }
}

/**
 * Bytes of one object and the part of them a checksum covers.
 *
 * @example
 * ```ts
 * const part: Covered = { path: 'shards/0/gen-1-e1-ab12cd34/data.parquet', kind: 'data file', bytes, start: 0, end: bytes.length };
 * ```
 */
export interface Covered {
  readonly path: string;
  readonly kind: 'data file' | 'key index' | 'WAL entry' | 'document';
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

const SEALED_HEAD = new TextEncoder().encode('{\n "checksum": "crc32:');
/** `{\n "checksum": "crc32:` + 8 hex digits + `",` (doc-checksum.ts): the CRC covers what follows. */
const SEALED_PREFIX = SEALED_HEAD.length + 8 + 2;
const FTK2 = [0x46, 0x54, 0x4b, 0x32]; // key index frame (key-index-frame.ts)
const FTW1 = [0x46, 0x54, 0x57, 0x31]; // WAL entry (wal-codec.ts)
const PAR1 = [0x50, 0x41, 0x52, 0x31]; // Parquet

const startsWith = (b: Uint8Array, m: ArrayLike<number>) => b.length >= m.length && Array.prototype.every.call(m, (x: number, i: number) => b[i] === x);

/**
 * What the checksum of a stored object covers (docs/format.md), or undefined for an
 * object without one (the `_latest` hints, legacy files). Told apart by their magic
 * bytes, so a renamed file kind is still found.
 *
 * @example
 * ```ts
 * coveredPart('shards/0/wal/00000000000000000003.ftw', walBytes); // { kind: 'WAL entry', start: 0, end: walBytes.length - 4, … }
 * ```
 */
export function coveredPart(file: string, bytes: Uint8Array): Covered | undefined {
  const at = (kind: Covered['kind'], start: number, end: number): Covered => ({ path: file, kind, bytes, start, end });
  if (startsWith(bytes, PAR1)) return at('data file', 0, bytes.length);
  if (startsWith(bytes, FTK2)) return at('key index', 8, bytes.length);
  if (startsWith(bytes, FTW1)) return at('WAL entry', 0, bytes.length - 4);
  if (startsWith(bytes, SEALED_HEAD)) return at('document', SEALED_PREFIX, bytes.length);
  return undefined;
}

/**
 * Reads the objects back from the table directory (untimed) and keeps the checksummed ones.
 *
 * @example
 * ```ts
 * const parts = await coveredObjects(dir, store.stop().written);
 * ```
 */
export async function coveredObjects(root: string, paths: readonly string[]): Promise<Covered[]> {
  const out: Covered[] = [];
  for (const p of [...paths].sort()) {
    const part = coveredPart(p, new Uint8Array(await readFile(path.join(root, p))));
    if (part) out.push(part);
  }
  return out;
}

/**
 * Covered bytes per kind, e.g. `{ 'data file': 31_000_000, 'key index': 6_000_000 }`.
 *
 * @example
 * ```ts
 * bytesByKind(parts)['data file'];
 * ```
 */
export function bytesByKind(parts: readonly Covered[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) out[p.kind] = (out[p.kind] ?? 0) + (p.end - p.start);
  return out;
}

/**
 * Median milliseconds of `passes` runs of core's `crc32` over every covered range (one
 * warm-up pass first, so the first figure is not a cold-code one).
 *
 * @example
 * ```ts
 * const ms = crcMillis(parts, 5);
 * ```
 */
export function crcMillis(parts: readonly Covered[], passes: number): number {
  let sink = 0;
  const pass = () => {
    const t = performance.now();
    for (const p of parts) sink ^= crc32(p.bytes, p.start, p.end);
    return performance.now() - t;
  };
  pass();
  const ms = Array.from({ length: passes }, pass);
  if (sink === 0.5) console.log(sink); // keeps the loop observable
  return medianOf(ms);
}

/**
 * The median of a list of numbers.
 *
 * @example
 * ```ts
 * medianOf([3, 1, 2]); // 2
 * ```
 */
export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The median relative change of `after[i]` over `before[i]`, pair by pair: runs made
 * next to each other share the machine's load, so this is steadier than comparing medians.
 *
 * @example
 * ```ts
 * pairedChange([110, 205], [100, 200]); // 0.0625 (+6.25%)
 * ```
 */
export function pairedChange(after: readonly number[], before: readonly number[]): number {
  return medianOf(after.map((a, i) => a / before[i] - 1));
}

/**
 * Runs `fn` and returns its wall-clock milliseconds, the process's CPU milliseconds (user +
 * system, all threads) meanwhile, and its value. CPU time moves far less than wall time
 * when other processes compete for the cores.
 *
 * @example
 * ```ts
 * const { ms, cpuMs, value } = await timed(() => scan());
 * ```
 */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, value };
}
