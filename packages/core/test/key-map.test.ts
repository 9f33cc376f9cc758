/**
 * KeyMap against a JS Map model: random upserts and finds, growth past several
 * rehashes (from every small initial capacity), lanes, keyOf, and forced hash collisions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyMap, hashBytes, hashKeys } from '../src/keys/key-map.js';
import type { EncodedKeys } from '../src/keys/pk-encoding.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A cheap assertion for hot loops (vitest's expect is slow per call); reports both values. */
function same(got: unknown, want: unknown, what: string): void {
  if (!Object.is(got, want)) throw new Error(`${what}: got ${String(got)}, want ${String(want)}`);
}

type Op =
  | { kind: 'upsert'; key: Uint8Array; lane: number; value: number }
  | { kind: 'find'; key: Uint8Array };

/** Small alphabet and lengths: plenty of repeats, empty keys, keys that are prefixes of others. */
const smallKey = fc.uint8Array({ minLength: 0, maxLength: 4, min: 0, max: 3 });
/** Wide keys: mostly distinct, so the map grows. */
const wideKey = fc.integer({ min: 0, max: 50_000 }).map((n) => new Uint8Array([n & 0xff, (n >> 8) & 0xff, n >> 16, 7]));
const key = fc.oneof(smallKey, wideKey);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('upsert' as const), key, lane: fc.nat(2), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('find' as const), key }) },
);

/** Runs ops against KeyMap and the model. Keys are placed at an offset inside a larger buffer to exercise s/e. */
function runModel(lanes: number, capacity: number, ops: Op[], hashOf?: (k: Uint8Array) => number): void {
  const m = new KeyMap(lanes, capacity);
  const model = new Map<string, { entry: number; lanes: number[] }>();
  const keys: Uint8Array[] = [];
  const fill = -1;
  for (const o of ops) {
    const buf = new Uint8Array(o.key.length + 5).fill(0xee);
    buf.set(o.key, 3);
    const [s, e] = [3, 3 + o.key.length];
    const h = hashOf ? hashOf(o.key) : undefined;
    const want = model.get(hex(o.key));
    if (o.kind === 'find') {
      same(m.find(buf, s, e, h), want ? want.entry : -1, `find ${hex(o.key)}`);
      continue;
    }
    const entry = m.upsert(buf, s, e, h);
    same(m.lastWasNew, want === undefined, `lastWasNew ${hex(o.key)}`);
    if (want) {
      same(entry, want.entry, `upsert ${hex(o.key)}`);
    } else {
      same(entry, model.size, 'new entry number'); // entries are numbered in insertion order
      for (let l = 0; l < lanes; l++) same(m.get(entry, l), fill, 'fill');
      model.set(hex(o.key), { entry, lanes: Array.from({ length: lanes }, () => fill) });
      keys.push(o.key);
    }
    if (o.lane < lanes) {
      m.set(entry, o.lane, o.value);
      model.get(hex(o.key))!.lanes[o.lane] = o.value;
    }
  }
  same(m.size, model.size, 'size');
  for (const [k, v] of model) {
    const bytes = Buffer.from(k, 'hex');
    const kb = new Uint8Array(bytes);
    const entry = m.find(kb, 0, kb.length, hashOf ? hashOf(kb) : undefined);
    same(entry, v.entry, `find ${k}`);
    for (let l = 0; l < lanes; l++) same(m.get(entry, l), v.lanes[l], `lane ${l} of ${k}`);
    same(hex(m.keyOf(entry)), k, 'keyOf');
  }
  keys.forEach((k, entry) => same(hex(m.keyOf(entry)), hex(k), `keyOf(${entry})`));
}

describe('KeyMap vs a Map model', () => {
  it('random upserts and finds, every small initial capacity', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.array(op, { maxLength: 400 }), (lanes, cap, ops) => {
      runModel(lanes, cap, ops);
    }), { seed: 3401, numRuns: 120 });
  });

  it('grows past several rehashes (5,000 distinct keys from capacity 1, 0 and 16)', () => {
    for (const cap of [1, 0, 16]) {
      const ops: Op[] = [];
      for (let i = 0; i < 5000; i++) {
        const k = new Uint8Array([i & 0xff, i >> 8, 1, 2, 3].slice(0, 2 + (i % 4)));
        ops.push({ kind: 'upsert', key: k, lane: i % 2, value: i });
        if (i % 3 === 0) ops.push({ kind: 'find', key: new Uint8Array([i & 0xff, i >> 8, 9, 9, 9, 9]) }); // absent
        if (i % 7 === 0) ops.push({ kind: 'upsert', key: ops[Math.floor(i / 2)].key, lane: 0, value: -i - 1 }); // existing
      }
      runModel(2, cap, ops);
    }
  });

  it('keeps keys apart when every hash collides', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => runModel(2, 4, ops, () => 12345)), { seed: 3402, numRuns: 40 });
  });

  it('keeps keys apart when hashes collide in the low bits only', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => runModel(1, 2, ops, (k) => (hashBytes(k, 0, k.length) & 0xffff0000) >>> 0)), { seed: 3403, numRuns: 40 });
  });
});

describe('KeyMap details', () => {
  it('upsert fills new lanes with `fill`; lanes are independent', () => {
    const m = new KeyMap(3);
    const k = new Uint8Array([1, 2]);
    const e = m.upsert(k, 0, 2, undefined, 7);
    expect([0, 1, 2].map((l) => m.get(e, l))).toEqual([7, 7, 7]);
    m.set(e, 1, -5);
    expect([0, 1, 2].map((l) => m.get(e, l))).toEqual([7, -5, 7]);
    const e2 = m.upsert(new Uint8Array([1, 3]), 0, 2);
    expect([0, 1, 2].map((l) => m.get(e2, l))).toEqual([-1, -1, -1]);
    expect(m.get(e, 1)).toBe(-5);
  });

  it('the empty key is a key like any other', () => {
    const m = new KeyMap(1);
    const empty = new Uint8Array(0);
    expect(m.find(empty, 0, 0)).toBe(-1);
    const e = m.upsert(empty, 0, 0);
    expect(m.lastWasNew).toBe(true);
    expect(m.upsert(new Uint8Array([5]), 1, 1)).toBe(e); // a zero-length range of another buffer
    expect(m.lastWasNew).toBe(false);
    expect(m.keyOf(e).length).toBe(0);
    expect(m.find(new Uint8Array([0]), 0, 1)).toBe(-1);
  });

  it('keyOf returns the key bytes, not the caller buffer around them', () => {
    const m = new KeyMap(1, 1);
    const buf = new Uint8Array([9, 1, 2, 3, 9]);
    const e = m.upsert(buf, 1, 4);
    buf.fill(0); // the map copied the key
    expect(Array.from(m.keyOf(e))).toEqual([1, 2, 3]);
    expect(m.find(new Uint8Array([1, 2, 3]), 0, 3)).toBe(e);
  });

  it('byteSize grows with the keys held', () => {
    const m = new KeyMap(2, 4);
    const before = m.byteSize;
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 1000; i++) m.upsert(new Uint8Array([i & 0xff, i >> 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0, 12);
    expect(m.byteSize).toBeGreaterThan(before + 1000 * (12 + 2 * 4));
  });
});

describe('hashBytes / hashKeys', () => {
  it('depends only on the bytes in range', () => {
    const a = new Uint8Array([0, 1, 2, 3, 0]);
    const b = new Uint8Array([9, 9, 1, 2, 3]);
    expect(hashBytes(a, 1, 4)).toBe(hashBytes(b, 2, 5));
    expect(hashBytes(a, 1, 4)).not.toBe(hashBytes(a, 1, 3));
    const h = hashBytes(a, 0, 5);
    expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
  });

  it('is pinned: shard placement and stored data depend on it', () => {
    const enc = new TextEncoder();
    const h = (s: string) => hashBytes(enc.encode(s), 0, enc.encode(s).length);
    expect([h(''), h('a'), h('freshtier'), h('\u0000')]).toEqual([0x5db4a501, 0x579640c7, 0xd89e205d, 0x921c5d37]);
  });

  it('hashKeys hashes each key of an EncodedKeys', () => {
    const keys: EncodedKeys = { count: 3, bytes: new Uint8Array([1, 2, 3, 4, 5]), offsets: Uint32Array.of(0, 2, 2, 5) };
    expect(Array.from(hashKeys(keys))).toEqual([hashBytes(keys.bytes, 0, 2), hashBytes(keys.bytes, 2, 2), hashBytes(keys.bytes, 2, 5)]);
  });
});
