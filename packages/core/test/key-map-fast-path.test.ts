/**
 * KeyMap's fixed-width fast path (every key the same width: compare at `arena[e*w]`,
 * no `keyOffsets` read) against its generic path and a Map model, and the pieces
 * that feed it: `hashKey` (word-wise MurmurHash3), `hashAndTouch` and `reserve`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../src/keys/key-hash.js';
import { KeyMap } from '../src/keys/key-map.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Keys of one width from a small domain, so upserts hit existing keys often. */
const keysOfWidth = (w: number) => fc.array(fc.integer({ min: 0, max: 300 }).map((n) => {
  const k = new Uint8Array(w);
  for (let i = 0; i < w; i++) k[i] = (n * (i + 7)) & (i % 2 ? 0x3 : 0xff);
  if (w > 0) k[w - 1] = n & 0xff;
  return k;
}), { maxLength: 600 });

/** Runs upserts then finds; returns every observable result, so two maps can be compared. */
function trace(m: KeyMap, keys: Uint8Array[], probes: Uint8Array[], useTouch: boolean): string[] {
  const out: string[] = [];
  if (useTouch) {
    // one "batch": all keys back to back, as encodeKeys lays them out
    const offsets = new Uint32Array(keys.length + 1);
    keys.forEach((k, i) => (offsets[i + 1] = offsets[i] + k.length));
    const bytes = new Uint8Array(offsets[keys.length]);
    keys.forEach((k, i) => bytes.set(k, offsets[i]));
    const hashes = new Uint32Array(keys.length);
    m.reserve(keys.length, bytes.length);
    m.hashAndTouch({ count: keys.length, bytes, offsets }, hashes);
    keys.forEach((k, i) => {
      expect(hashes[i]).toBe(hashKey(k, 0, k.length));
      const e = m.upsert(bytes, offsets[i], offsets[i + 1], hashes[i]);
      out.push(`u${e}${m.lastWasNew ? '+' : ''}`);
      m.set(e, 0, i);
    });
  } else {
    keys.forEach((k, i) => {
      const buf = new Uint8Array(k.length + 3);
      buf.set(k, 2); // at an offset: s/e must be honoured
      const e = m.upsert(buf, 2, 2 + k.length);
      out.push(`u${e}${m.lastWasNew ? '+' : ''}`);
      m.set(e, 0, i);
    });
  }
  for (const p of probes) {
    const e = m.find(p, 0, p.length);
    out.push(`f${e}:${e >= 0 ? m.get(e, 0) : ''}:${e >= 0 ? hex(m.keyOf(e)) : ''}`);
  }
  return out;
}

describe('KeyMap fixed-width fast path', () => {
  for (const w of [1, 4, 8, 12]) {
    it(`agrees with the generic path and a model (${w}-byte keys)`, () => {
      fc.assert(fc.property(keysOfWidth(w), keysOfWidth(w), fc.boolean(), fc.integer({ min: 0, max: 64 }), (keys, probes, useTouch, cap) => {
        const fast = new KeyMap(1, cap);
        // the generic map: one key of another width first turns the fast path off for good
        const generic = new KeyMap(1, cap);
        generic.upsert(new Uint8Array(w + 1), 0, w + 1);
        const g = trace(generic, keys, probes, useTouch).map((t) => t.replace(/^u(\d+)/, (_, e) => `u${Number(e) - 1}`).replace(/^f(\d+):/, (_, e) => `f${Number(e) - 1}:`));
        const f = trace(fast, keys, probes, useTouch);
        expect(f).toEqual(g);
        // and the model: entries numbered in first-insertion order
        const model = new Map<string, number>();
        keys.forEach((k) => model.has(hex(k)) || model.set(hex(k), model.size));
        expect(fast.size).toBe(model.size);
        for (const [k, e] of model) expect(fast.find(Buffer.from(k, 'hex'), 0, w)).toBe(e);
      }), { seed: 4401, numRuns: 60 });
    });
  }

  it('leaves the fast path when a key of another width arrives, and still finds every key', () => {
    const m = new KeyMap(1, 4);
    const k8 = (n: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, n >> 8, n & 0xff);
    for (let n = 0; n < 500; n++) m.set(m.upsert(k8(n), 0, 8), 0, n);
    const short = Uint8Array.of(1, 2, 3);
    const e = m.upsert(short, 0, 3);
    expect(m.lastWasNew).toBe(true);
    for (let n = 500; n < 1000; n++) m.set(m.upsert(k8(n), 0, 8), 0, n);
    for (let n = 0; n < 1000; n++) expect(m.get(m.find(k8(n), 0, 8), 0)).toBe(n);
    expect(m.find(short, 0, 3)).toBe(e);
    expect(m.find(Uint8Array.of(1, 2, 3, 0, 0, 0, 0, 0), 0, 8)).toBe(-1);
    expect(Array.from(m.keyOf(e))).toEqual([1, 2, 3]);
  });

  it('reserve grows once up front: the entries keep their numbers and keys', () => {
    const m = new KeyMap(2, 1);
    m.upsert(Uint8Array.of(9, 9, 9, 9), 0, 4);
    m.reserve(10_000, 40_000);
    for (let n = 0; n < 10_000; n++) m.upsert(Uint8Array.of(n >> 24, n >> 16, n >> 8, n), 0, 4);
    expect(m.size).toBe(10_001);
    expect(m.find(Uint8Array.of(9, 9, 9, 9), 0, 4)).toBe(0);
    expect(Array.from(m.keyOf(10_000))).toEqual([0, 0, 0x27, 0x0f]);
  });
});

describe('hashKey', () => {
  it('depends only on the bytes in range, and on the length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(5), fc.nat(5), (k, pre, post) => {
      const buf = new Uint8Array(pre + k.length + post).fill(0xab);
      buf.set(k, pre);
      expect(hashKey(buf, pre, pre + k.length)).toBe(hashKey(k, 0, k.length));
      const h = hashKey(k, 0, k.length);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }), { seed: 4402 });
    expect(hashKey(new Uint8Array(4), 0, 4)).not.toBe(hashKey(new Uint8Array(5), 0, 5));
  });

  it('spreads sequential 8-byte keys over the low bits a map indexes by', () => {
    const buckets = new Uint32Array(1 << 16);
    const k = new Uint8Array(8);
    const n = 1 << 16;
    for (let i = 0; i < n; i++) {
      new DataView(k.buffer).setBigUint64(0, BigInt(i) + (1n << 63n));
      buckets[hashKey(k, 0, 8) & 0xffff]++;
    }
    const empty = buckets.filter((b) => b === 0).length;
    // a uniform hash leaves 1/e ≈ 36.8% of buckets empty at load 1
    expect(empty / buckets.length).toBeGreaterThan(0.34);
    expect(empty / buckets.length).toBeLessThan(0.40);
  });
});
