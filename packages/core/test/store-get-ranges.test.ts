/**
 * `getRange` and the optional `getRanges` (issue 16: key-index lookups read blocks with
 * them): every range of a `getRanges` call is what `getRange` returns for it — clipped
 * past the end, empty at or past the end, in the order given, overlapping or not — on
 * MemoryStore and LocalStore (which reads nearby ranges with one call, read-ranges.ts);
 * a missing object is NOT_FOUND.
 */
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore, MemoryStore, type ObjectStore } from '../src/index.js';
import { SPAN_GAP } from '../src/store/read-ranges.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const stores: [string, () => Promise<ObjectStore>][] = [
  ['MemoryStore', async () => new MemoryStore()],
  ['LocalStore', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'ft-ranges-'));
    dirs.push(d);
    return new LocalStore(d);
  }],
];

const SIZE = 3 * SPAN_GAP + 1234;
const data = Uint8Array.from({ length: SIZE }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
const rangeArb = fc.tuple(fc.nat(SIZE + 100), fc.nat(3 * SPAN_GAP)).map(([o, l]) => [o, l] as const);

describe.each(stores)('%s ranged reads', (_name, make) => {
  it('getRanges returns, per range in the order given, what getRange returns (property)', async () => {
    const store = await make();
    await store.put('k/obj', data);
    await fc.assert(fc.asyncProperty(fc.array(rangeArb, { maxLength: 12 }), async (ranges) => {
      const got = await store.getRanges!('k/obj', ranges);
      const want = await Promise.all(ranges.map(([o, l]) => store.getRange('k/obj', o, l)));
      expect(got.map((b) => Buffer.from(b).toString('hex'))).toEqual(want.map((b) => Buffer.from(b).toString('hex')));
      ranges.forEach(([o, l], i) => expect(Buffer.from(got[i]).equals(Buffer.from(data.subarray(o, o + l)))).toBe(true));
    }), { seed: 1604, numRuns: 40 });
  });

  it('a missing object is NOT_FOUND for both', async () => {
    const store = await make();
    await expect(store.getRange('k/missing', 0, 10)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.getRanges!('k/missing', [[0, 10]])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
