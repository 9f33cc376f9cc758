/**
 * An open-addressing hash map from encoded keys to a few int32 "lanes" per
 * entry (e.g. newest batch, newest row, first batch). Keys are copied into one
 * growing arena, so a map of a million keys is a handful of typed arrays, not a
 * million JS objects. Used by the memtable's key index and by scan dedup.
 */
import { hashKey } from './key-hash.js';
import type { EncodedKeys } from './pk-encoding.js';

/**
 * 32-bit FNV-1a over `bytes[s, e)` with a final avalanche.
 *
 * @example
 * ```ts
 * const keys = encodeKeys(batch, table.primaryKey);
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
 * Layout, chosen for cache misses (a million-key map does not fit in cache, so a
 * probe costs what it touches): each slot holds the entry number *and* the key's
 * hash, so walking a probe sequence reads one array, and a slot whose hash differs
 * is skipped without touching the entry's key. While every key has the same width
 * (one integer/date/timestamp column: 4 or 8 bytes), key e sits at `arena[e*w]`,
 * so a hash match compares bytes there without reading `keyOffsets` first.
 *
 * @example
 * ```ts
 * const keys = encodeKeys(batch, table.primaryKey);
 * const batchIndex = 0;
 * const m = new KeyMap(2);
 * const e = m.upsert(keys.bytes, keys.offsets[0], keys.offsets[1]);
 * m.set(e, 0, batchIndex);
 * ```
 */
export class KeyMap {
  readonly lanes: number;
  /** Pairs (entry index + 1, hash); entry 0 = empty slot. */
  private slots: Int32Array;
  private mask: number;
  private keyOffsets: Uint32Array;
  private arena: Uint8Array;
  private arenaUsed = 0;
  private values: Int32Array;
  private count = 0;
  /** Width shared by every key so far; -2 before the first key, -1 once widths differ. */
  private fixedWidth = -2;

  constructor(lanes: number, capacity = 1024) {
    this.lanes = lanes;
    const cap = nextPow2(Math.max(16, capacity * 2));
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.keyOffsets = new Uint32Array(capacity + 1);
    this.arena = new Uint8Array(capacity * 8);
    this.values = new Int32Array(capacity * lanes);
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.count;
  }

  /** Entry index of the key, or -1. `hash` must be `hashKey` of the key (the default). */
  find(bytes: Uint8Array, s: number, e: number, hash = hashKey(bytes, s, e)): number {
    const slots = this.slots;
    const h = hash | 0;
    const fixed = e - s === this.fixedWidth;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const slot = slots[2 * i];
      if (slot === 0) return -1;
      if (slots[2 * i + 1] === h && (fixed ? this.fixedEquals(slot - 1, bytes, s, e) : this.keyEquals(slot - 1, bytes, s, e))) return slot - 1;
    }
  }

  /** Entry index of the key, inserting it (lanes set to `fill`) if absent. `isNew` tells which. */
  upsert(bytes: Uint8Array, s: number, e: number, hash = hashKey(bytes, s, e), fill = -1): number {
    const slots = this.slots;
    const h = hash | 0;
    const fixed = e - s === this.fixedWidth;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const slot = slots[2 * i];
      if (slot === 0) return this.insertAt(i, bytes, s, e, h, fill);
      if (slots[2 * i + 1] === h && (fixed ? this.fixedEquals(slot - 1, bytes, s, e) : this.keyEquals(slot - 1, bytes, s, e))) {
        this.lastWasNew = false;
        return slot - 1;
      }
    }
  }

  /** Whether the last `upsert` inserted a new key. */
  lastWasNew = false;

  /**
   * Makes room for `keys` more keys of `bytes` key bytes in total, so a batch of
   * upserts grows the arrays at most once, before it starts, instead of rehashing mid-batch.
   */
  reserve(keys: number, bytes: number): void {
    const want = this.count + keys;
    if (want * 2 > this.slots.length / 2) this.rehash(nextPow2(want * 2));
    this.ensureEntryCapacity(want, 0);
    if (this.arenaUsed + bytes > this.arena.length) this.arena = grow(this.arena, Math.max(this.arena.length * 2, this.arenaUsed + bytes));
  }

  /**
   * Writes `hashKey` of keys `[0, keys.count)` to `out` and touches the slot each
   * key's probe starts at (and, for a present key, its arena bytes and lanes).
   * A table bigger than the cache costs a miss per probe; these loads are
   * independent of each other, so the CPU overlaps them, and the upserts that follow
   * (with `out[r]` as their hash) find the lines in cache.
   */
  hashAndTouch(keys: EncodedKeys, out: Uint32Array): void {
    const { bytes, offsets } = keys;
    const slots = this.slots;
    const mask = this.mask;
    let acc = 0;
    for (let r = 0; r < keys.count; r++) {
      const h = hashKey(bytes, offsets[r], offsets[r + 1]);
      out[r] = h;
      acc ^= slots[2 * (h & mask)];
    }
    const w = this.fixedWidth;
    if (w > 0) {
      // a present key's bytes and lanes (only where the first slot's hash matches: not for collisions)
      for (let r = 0; r < keys.count; r++) {
        const i = 2 * (out[r] & mask);
        const slot = slots[i];
        if (slot !== 0 && slots[i + 1] === (out[r] | 0)) acc ^= this.arena[(slot - 1) * w] ^ this.values[(slot - 1) * this.lanes];
      }
    }
    this.touched ^= acc; // keeps the loads from being optimised away
  }

  private touched = 0;

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

  /**
   * The lanes of entries 0..size-1 without copying: lane l of entry e is `values[e * lanes + l]`.
   * Valid until the next insert.
   */
  rawValues(): Int32Array {
    return this.values;
  }

  /** Bytes allocated, spare capacity included: what the map costs in memory. */
  get byteSize(): number {
    return this.slots.byteLength + this.keyOffsets.byteLength + this.arena.byteLength + this.values.byteLength;
  }

  /**
   * Bytes the keys held occupy: their arena bytes, key offset and lanes, and two slots each (the
   * slot table is kept at most half full, so a key needs at least two). Spare capacity — preallocated
   * or left by doubling — holds nothing and is not counted: an empty map holds 0 bytes.
   * What backpressure counts as unflushed (DESIGN.md "Write path"); `byteSize` is the memory.
   */
  get heldBytes(): number {
    return this.arenaUsed + this.count * (HELD_BYTES_PER_KEY + 4 * this.lanes);
  }

  private keyEquals(entry: number, bytes: Uint8Array, s: number, e: number): boolean {
    const ks = this.keyOffsets[entry];
    if (this.keyOffsets[entry + 1] - ks !== e - s) return false;
    for (let i = 0; i < e - s; i++) if (this.arena[ks + i] !== bytes[s + i]) return false;
    return true;
  }

  /** keyEquals when every key has width `e - s`: entry e's key starts at e * width. */
  private fixedEquals(entry: number, bytes: Uint8Array, s: number, e: number): boolean {
    const arena = this.arena;
    const w = e - s;
    const ks = entry * w;
    for (let i = 0; i < w; i++) if (arena[ks + i] !== bytes[s + i]) return false;
    return true;
  }

  private insertAt(slotIdx: number, bytes: Uint8Array, s: number, e: number, hash: number, fill: number): number {
    const entry = this.count++;
    const w = e - s;
    this.ensureEntryCapacity(entry + 1, w);
    // a byte loop for short keys: `arena.set(bytes.subarray(...))` allocates a view per key
    const arena = this.arena;
    let p = this.arenaUsed;
    if (w <= 32) for (let k = s; k < e; k++) arena[p++] = bytes[k];
    else {
      arena.set(bytes.subarray(s, e), p);
      p += w;
    }
    this.arenaUsed = p;
    this.keyOffsets[entry + 1] = p;
    if (w !== this.fixedWidth) this.fixedWidth = entry === 0 ? w : -1;
    const base = entry * this.lanes;
    for (let l = 0; l < this.lanes; l++) this.values[base + l] = fill;
    this.slots[2 * slotIdx] = entry + 1;
    this.slots[2 * slotIdx + 1] = hash;
    this.lastWasNew = true;
    if (this.count * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    return entry;
  }

  private ensureEntryCapacity(entries: number, keyLen: number): void {
    if (entries > this.keyOffsets.length - 1) {
      const cap = Math.max(entries, (this.keyOffsets.length - 1) * 2); // also grows from capacity 0
      this.keyOffsets = grow(this.keyOffsets, cap + 1);
      this.values = grow(this.values, cap * this.lanes);
    }
    if (this.arenaUsed + keyLen > this.arena.length) this.arena = grow(this.arena, Math.max(this.arena.length * 2, this.arenaUsed + keyLen));
  }

  /** Moves every entry into a slot table of `cap` slots (a power of two), reusing the stored hashes. */
  private rehash(cap: number): void {
    const old = this.slots;
    const slots = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === 0) continue;
      let i = old[j + 1] & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = old[j];
      slots[2 * i + 1] = old[j + 1];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Per key, besides its bytes and lanes: one key offset (4) and two slots of (entry, hash) (2 x 8). */
const HELD_BYTES_PER_KEY = 4 + 2 * 8;

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
