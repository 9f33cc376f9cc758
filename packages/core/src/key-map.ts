/**
 * An open-addressing hash map from encoded keys to a few int32 "lanes" per
 * entry (e.g. newest batch, newest row, first batch). Keys are copied into one
 * growing arena, so a map of a million keys is a handful of typed arrays, not a
 * million JS objects. Used by the memtable's key index and by scan dedup.
 */
import type { EncodedKeys } from './pk-encoding.js';

/**
 * 32-bit FNV-1a over `bytes[s, e)` with a final avalanche.
 *
 * @example
 * ```ts
 * const h = hashBytes(keys.bytes, keys.offsets[0], keys.offsets[1]);
 * ```
 */
export function hashBytes(bytes: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * Hashes of every key in `keys`.
 *
 * @example
 * ```ts
 * const hashes = hashKeys(encodeKeys(batch, ['id']));
 * ```
 */
export function hashKeys(keys: EncodedKeys): Uint32Array {
  const out = new Uint32Array(keys.count);
  for (let i = 0; i < keys.count; i++) out[i] = hashBytes(keys.bytes, keys.offsets[i], keys.offsets[i + 1]);
  return out;
}

/**
 * Map from encoded key to `lanes` int32 values.
 *
 * @example
 * ```ts
 * const m = new KeyMap(2);
 * const e = m.upsert(keys.bytes, keys.offsets[0], keys.offsets[1]);
 * m.set(e, 0, batchIndex);
 * ```
 */
export class KeyMap {
  readonly lanes: number;
  private slots: Int32Array; // entry index + 1, 0 = empty
  private mask: number;
  private hashes: Uint32Array;
  private keyOffsets: Uint32Array;
  private arena: Uint8Array;
  private arenaUsed = 0;
  private values: Int32Array;
  private count = 0;

  constructor(lanes: number, capacity = 1024) {
    this.lanes = lanes;
    const cap = nextPow2(Math.max(16, capacity * 2));
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.hashes = new Uint32Array(capacity);
    this.keyOffsets = new Uint32Array(capacity + 1);
    this.arena = new Uint8Array(capacity * 8);
    this.values = new Int32Array(capacity * lanes);
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.count;
  }

  /** Entry index of the key, or -1. */
  find(bytes: Uint8Array, s: number, e: number, hash = hashBytes(bytes, s, e)): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === 0) return -1;
      if (this.hashes[slot - 1] === hash && this.keyEquals(slot - 1, bytes, s, e)) return slot - 1;
    }
  }

  /** Entry index of the key, inserting it (lanes set to `fill`) if absent. `isNew` tells which. */
  upsert(bytes: Uint8Array, s: number, e: number, hash = hashBytes(bytes, s, e), fill = -1): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === 0) return this.insertAt(i, bytes, s, e, hash, fill);
      if (this.hashes[slot - 1] === hash && this.keyEquals(slot - 1, bytes, s, e)) {
        this.lastWasNew = false;
        return slot - 1;
      }
    }
  }

  /** Whether the last `upsert` inserted a new key. */
  lastWasNew = false;

  get(entry: number, lane: number): number {
    return this.values[entry * this.lanes + lane];
  }

  set(entry: number, lane: number, value: number): void {
    this.values[entry * this.lanes + lane] = value;
  }

  /** The key bytes of an entry (a view into the arena; copy it to keep it). */
  keyOf(entry: number): Uint8Array {
    return this.arena.subarray(this.keyOffsets[entry], this.keyOffsets[entry + 1]);
  }

  /**
   * The keys of entries 0..size-1 without copying: key e is `arena[offsets[e], offsets[e+1])`.
   * Valid until the next insert (which may grow the arrays).
   */
  rawKeys(): { arena: Uint8Array; offsets: Uint32Array; count: number } {
    return { arena: this.arena, offsets: this.keyOffsets, count: this.count };
  }

  /** Approximate bytes held, for memory accounting. */
  get byteSize(): number {
    return this.slots.byteLength + this.hashes.byteLength + this.keyOffsets.byteLength + this.arena.byteLength + this.values.byteLength;
  }

  private keyEquals(entry: number, bytes: Uint8Array, s: number, e: number): boolean {
    const ks = this.keyOffsets[entry];
    if (this.keyOffsets[entry + 1] - ks !== e - s) return false;
    for (let i = 0; i < e - s; i++) if (this.arena[ks + i] !== bytes[s + i]) return false;
    return true;
  }

  private insertAt(slotIdx: number, bytes: Uint8Array, s: number, e: number, hash: number, fill: number): number {
    const entry = this.count++;
    this.ensureEntryCapacity(entry + 1, e - s);
    this.arena.set(bytes.subarray(s, e), this.arenaUsed);
    this.arenaUsed += e - s;
    this.keyOffsets[entry + 1] = this.arenaUsed;
    this.hashes[entry] = hash;
    this.values.fill(fill, entry * this.lanes, (entry + 1) * this.lanes);
    this.slots[slotIdx] = entry + 1;
    this.lastWasNew = true;
    if (this.count * 2 > this.slots.length) this.rehash();
    return entry;
  }

  private ensureEntryCapacity(entries: number, keyLen: number): void {
    if (entries > this.hashes.length) {
      const cap = Math.max(entries, this.hashes.length * 2); // also grows from capacity 0
      this.hashes = grow(this.hashes, cap);
      this.keyOffsets = grow(this.keyOffsets, cap + 1);
      this.values = grow(this.values, cap * this.lanes);
    }
    if (this.arenaUsed + keyLen > this.arena.length) this.arena = grow(this.arena, Math.max(this.arena.length * 2, this.arenaUsed + keyLen));
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let i = this.hashes[entry] & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = entry + 1;
    }
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function grow<T extends Uint8Array | Uint32Array | Int32Array>(a: T, len: number): T {
  const out = new (a.constructor as new (n: number) => T)(len);
  out.set(a);
  return out;
}
