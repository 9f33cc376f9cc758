import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../src/keys/pk-encoding.js';
import { sortKeyIds } from '../src/keys/key-sort.js';

function arenaOf(keys: Uint8Array[]): { arena: Uint8Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(keys.length + 1);
  keys.forEach((k, i) => (offsets[i + 1] = offsets[i] + k.length));
  const arena = new Uint8Array(offsets[keys.length]);
  keys.forEach((k, i) => arena.set(k, offsets[i]));
  return { arena, offsets };
}

function expectSorted(keys: Uint8Array[], subset: number[]): void {
  const { arena, offsets } = arenaOf(keys);
  const order = Array.from(sortKeyIds(arena, offsets, Uint32Array.from(subset)));
  expect([...order].sort((a, b) => a - b)).toEqual([...subset].sort((a, b) => a - b));
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [keys[order[i - 1]], keys[order[i]]];
    expect(compareBytes(a, 0, a.length, b, 0, b.length)).toBeLessThanOrEqual(0);
  }
}

describe('sortKeyIds', () => {
  it('sorts fixed-width keys (radix path) like a comparison sort', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { maxLength: 300 }), (keys) => {
      expectSorted(keys, keys.map((_, i) => i));
    }), { seed: 3501 });
  });

  it('sorts variable-width keys (comparison path), including prefixes', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 6 }), { maxLength: 300 }), (keys) => {
      expectSorted(keys, keys.map((_, i) => i));
    }), { seed: 3502 });
  });

  it('sorts only the given subset of ids', () => {
    const keys = Array.from({ length: 100 }, (_, i) => Uint8Array.of(0, 0, 0, 99 - i));
    const subset = [5, 50, 7, 99, 0];
    const { arena, offsets } = arenaOf(keys);
    expect(Array.from(sortKeyIds(arena, offsets, Uint32Array.from(subset)))).toEqual([99, 50, 7, 5, 0]);
  });

  it('handles no keys and one key', () => {
    expectSorted([], []);
    expectSorted([Uint8Array.of(1, 2)], [0]);
  });
});
