/**
 * A memtable's key index: encoded key → ordinal of the key's newest row, holding no key
 * bytes. Each slot is one uint32: the newest ordinal + 1 in its low `ordBits` bits and a tag
 * (high bits of a second hash of the key) above them. A probe skips a slot whose tag differs
 * without reading its key; on a tag match the key is read from the memtable's batch
 * ({@link KeyResolver}: the Arrow column itself, or the batch's stored keys), so each key
 * exists once in memory.
 *
 * Linear probing over a table of any size (the probe starts at `hash * capacity / 2^30`),
 * at most 75% full and grown by half: 4 / 0.75 … 4 / 0.5 bytes per key (5.3–8), against
 * 20–36 for a table of (entry, hash) pairs with an arena and lanes (the `KeyMap` the memtable
 * used before, issue 16). Growing re-inserts the newest rows, whose hashes it recomputes from
 * the batches in row order ({@link KeyResolver.forEachNewest}): no hash is stored per key.
 *
 * Ordinals must stay below 2^31 (the version links are an Int32Array). While ordinals fit
 * in 20 bits the tag has 12; it shrinks as they grow (24, 28, 31 bits) and the slots are
 * repacked, so a tag costs no memory of its own.
 */

/**
 * What the index reads keys through: the memtable's rows.
 *
 * @example
 * ```ts
 * declare const keys: Uint8Array[]; // key of row i, one batch
 * const rows: KeyResolver = {
 *   equalsAt: (o, b, s, e) => Buffer.compare(keys[o], b.subarray(s, e)) === 0,
 *   forEachNewest: (fn) => fn(Int32Array.from(keys.keys()), Uint32Array.from(keys, (k) => hashKey(k, 0, k.length)), keys.length),
 * };
 * ```
 */
export interface KeyResolver {
  /** Whether the key of row `ordinal` is `bytes[s, e)`. */
  equalsAt(ordinal: number, bytes: Uint8Array, s: number, e: number): boolean;
  /**
   * Calls `fn` with the newest rows of every key, a batch at a time: `ordinals[i]` (ascending)
   * and `hashes[i]` (`hashKey` of its key) for i in `[0, n)`; the arrays are reused between calls.
   */
  forEachNewest(fn: (ordinals: Int32Array, hashes: Uint32Array, n: number) => void): void;
}

const MAX_LOAD = 0.75;
const HASH_SPACE = 2 ** 30; // hashKey is a 30-bit integer
const ORD_BITS = [20, 24, 28, 31];

/**
 * The index; see the module doc.
 *
 * @example
 * ```ts
 * declare const rows: KeyResolver;
 * const index = new OrdinalIndex(rows, 1024);
 * const h = hashKey(key, 0, key.length);
 * const before = index.upsert(key, 0, key.length, h, 0); // -1: a new key, row 0 is its newest
 * index.find(key, 0, key.length, h); // 0
 * ```
 */
export class OrdinalIndex {
  private slots: Uint32Array;
  private count = 0;
  private low = 2 ** ORD_BITS[0] - 1;

  constructor(private readonly rows: KeyResolver, capacity = 1024) {
    this.slots = new Uint32Array(Math.max(16, Math.ceil(capacity / MAX_LOAD)));
  }

  /** Distinct keys. */
  get size(): number {
    return this.count;
  }

  /** Bytes allocated (spare slots included). */
  get byteSize(): number {
    return this.slots.byteLength;
  }

  /** Bytes the keys held need: their share of a table at the most it is allowed to fill. */
  get heldBytes(): number {
    return Math.ceil((this.count * 4) / MAX_LOAD);
  }

  /** Newest ordinal of the key `bytes[s, e)` (whose `hashKey` is `hash`), or -1. */
  find(bytes: Uint8Array, s: number, e: number, hash: number): number {
    const slots = this.slots;
    const cap = slots.length;
    const tag = tagOf(hash) & ~this.low;
    for (let i = start(hash, cap); ; i = i + 1 === cap ? 0 : i + 1) {
      const slot = slots[i];
      if (slot === 0) return -1;
      if ((slot & ~this.low) === tag) {
        const ord = (slot & this.low) - 1;
        if (this.rows.equalsAt(ord, bytes, s, e)) return ord;
      }
    }
  }

  /**
   * Makes row `ordinal` the newest of key `bytes[s, e)`; returns the key's previous newest
   * ordinal, or -1 if the key is new. Call `reserve` first for the batch's rows.
   */
  upsert(bytes: Uint8Array, s: number, e: number, hash: number, ordinal: number): number {
    const slots = this.slots;
    const cap = slots.length;
    const low = this.low;
    const tag = tagOf(hash) & ~low;
    for (let i = start(hash, cap); ; i = i + 1 === cap ? 0 : i + 1) {
      const slot = slots[i];
      if (slot === 0) {
        slots[i] = (tag | (ordinal + 1)) >>> 0;
        this.count++;
        return -1;
      }
      if ((slot & ~low) === tag) {
        const ord = (slot & low) - 1;
        if (this.rows.equalsAt(ord, bytes, s, e)) {
          slots[i] = (tag | (ordinal + 1)) >>> 0;
          return ord;
        }
      }
    }
  }

  /**
   * Makes room for `keys` more keys and ordinals up to `maxOrdinal`, before a batch's upserts
   * (they never grow the table midway). Call it while the batch's rows are not yet resolvable:
   * growing re-inserts only the rows already indexed.
   */
  reserve(keys: number, maxOrdinal: number): void {
    if (maxOrdinal + 1 > this.low) this.widenOrdinals(maxOrdinal + 1);
    const want = this.count + keys;
    if (want <= this.slots.length * MAX_LOAD) return;
    this.rebuild(Math.ceil(Math.max(want, this.slots.length * MAX_LOAD * 1.5) / MAX_LOAD));
  }

  /**
   * Loads the slot each of `hashes[0, n)` starts its probe at, before a batch's upserts: a table
   * bigger than the cache costs a miss per probe, and these loads, independent of each other,
   * overlap; the upserts then find the lines in cache.
   */
  touch(hashes: Uint32Array, n: number): void {
    const slots = this.slots;
    const scale = slots.length / HASH_SPACE;
    let acc = 0;
    for (let r = 0; r < n; r++) acc ^= slots[Math.floor(hashes[r] * scale)];
    this.touched ^= acc; // keeps the loads from being optimised away
  }

  private touched = 0;

  /** Calls `fn(ordinal)` with the newest ordinal of every key (in slot order). */
  forEachSlot(fn: (ordinal: number) => void): void {
    for (const slot of this.slots) if (slot !== 0) fn((slot & this.low) - 1);
  }

  private rebuild(cap: number): void {
    const slots = new Uint32Array(cap);
    const low = this.low;
    const scale = cap / HASH_SPACE;
    this.rows.forEachNewest((ords, hashes, n) => {
      for (let k = 0; k < n; k++) {
        const hash = hashes[k];
        let i = Math.floor(hash * scale);
        while (slots[i] !== 0) i = i + 1 === cap ? 0 : i + 1;
        slots[i] = ((tagOf(hash) & ~low) | (ords[k] + 1)) >>> 0;
      }
    });
    this.slots = slots;
  }

  /** More bits for ordinals, fewer for tags: keeps each slot's ordinal and drops the tag's lowest bits. */
  private widenOrdinals(need: number): void {
    const bits = ORD_BITS.find((b) => 2 ** b - 1 >= need);
    if (bits === undefined) throw new RangeError(`a memtable holds at most ${2 ** 31 - 2} rows`);
    const old = this.low;
    this.low = 2 ** bits - 1;
    const high = ~this.low;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) slots[i] = ((slots[i] & high) | (slots[i] & old)) >>> 0;
  }
}

/** Where the probe for `hash` starts in a table of `cap` slots (the hash's high bits pick the range). */
function start(hash: number, cap: number): number {
  return Math.floor(hash * (cap / HASH_SPACE));
}

/** A second hash of the key for the slot's tag bits (its high bits; the ordinal takes the low ones). */
function tagOf(hash: number): number {
  return Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
}
