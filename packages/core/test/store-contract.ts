/**
 * The one contract test suite every {@link ObjectStore} must pass (see the contract in
 * `src/store/object-store.ts`). A store's test file calls {@link runStoreContract} with a factory
 * that makes a fresh, empty store per test.
 *
 * @example
 * ```ts
 * runStoreContract('MemoryStore', async () => ({ store: new MemoryStore() }));
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore, PutIfAbsentResult } from '../src/store/object-store.js';
import { isFreshtierError } from '../src/errors.js';

export interface StoreFixture {
  store: ObjectStore;
  /** Called after each test, e.g. to delete a temp directory or bucket. */
  cleanup?: () => Promise<void>;
}

/** One round of a cross-process putIfAbsent race: process `i` writes UTF-8 `payloads[i]` to `key`. */
export interface RaceRound {
  key: string;
  payloads: string[];
}

export interface StoreContractOptions {
  /**
   * Runs each round in separate OS processes racing `putIfAbsent` on `store`
   * (`payloads.length` processes, released together) and returns each process's
   * result per round: `results[round][process]`. Omit for stores without cross-process sharing.
   */
  processRace?: (store: ObjectStore, rounds: RaceRound[]) => Promise<PutIfAbsentResult[][]>;
}

const enc = new TextEncoder();

/** Deterministic bytes that differ per `seed` and at every offset (so misplaced ranges show). */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; // xorshift32
    out[i] = x & 0xff;
  }
  return out;
}

/** Asserts equal bytes without vitest's element-wise diff, which is unusably slow on MiBs. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual.byteLength, 'byte length').toBe(expected.byteLength);
  const first = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength)
    .compare(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength));
  if (first !== 0) {
    const at = actual.findIndex((b, i) => b !== expected[i]);
    expect.fail(`bytes differ first at offset ${at}: ${actual[at]} != ${expected[at]}`);
  }
}

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return expect.fail('expected the call to throw');
}

export function runStoreContract(
  name: string,
  makeStore: () => Promise<StoreFixture>,
  opts: StoreContractOptions = {},
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: ObjectStore;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    describe('round trips', () => {
      it('stores an empty object', async () => {
        await store.put('empty', new Uint8Array(0));
        expectBytes(await store.get('empty'), new Uint8Array(0));
        expect(await store.head('empty')).toMatchObject({ key: 'empty', size: 0 });
      });

      it('stores every byte value under a nested key', async () => {
        const all = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
        await store.put('a/b/c/binary.bin', all);
        expectBytes(await store.get('a/b/c/binary.bin'), all);
      });

      it('stores 5 MiB', async () => {
        const big = patternBytes(5 * 1024 * 1024 + 3, 7);
        await store.put('big/object', big);
        expectBytes(await store.get('big/object'), big);
        expect((await store.head('big/object'))?.size).toBe(big.byteLength);
      });

      it('keeps objects apart', async () => {
        await store.put('x/1', enc.encode('one'));
        await store.put('x/2', enc.encode('two'));
        expectBytes(await store.get('x/1'), enc.encode('one'));
        expectBytes(await store.get('x/2'), enc.encode('two'));
      });
    });

    describe('missing objects', () => {
      it.each(['missing', 'no/such/dir/key'])('get(%s) throws NOT_FOUND', async (key) => {
        const e = await thrown(() => store.get(key));
        expect(isFreshtierError(e, 'NOT_FOUND'), String(e)).toBe(true);
        expect((e as { code: string }).code).toBe('NOT_FOUND');
      });

      it('getRange of a missing key throws NOT_FOUND', async () => {
        const e = await thrown(() => store.getRange('missing', 0, 10));
        expect((e as { code?: string }).code).toBe('NOT_FOUND');
      });

      it('head of a missing key is undefined', async () => {
        expect(await store.head('missing')).toBeUndefined();
        expect(await store.head('no/such/dir/key')).toBeUndefined();
      });

      it('a key that is only a prefix of other keys is not an object', async () => {
        await store.put('dir/child', enc.encode('c'));
        expect(await store.head('dir')).toBeUndefined();
        expect((await thrown(() => store.get('dir')) as { code?: string }).code).toBe('NOT_FOUND');
      });
    });

    describe('head', () => {
      it('reports key, size and a plausible lastModified', async () => {
        const before = Date.now();
        await store.put('h/obj', patternBytes(1234));
        const meta = await store.head('h/obj');
        expect(meta).toMatchObject({ key: 'h/obj', size: 1234 });
        expect(typeof meta!.lastModified).toBe('number');
        // 0 means "unknown"; otherwise it must be roughly now (2 s slack for coarse clocks).
        if (meta!.lastModified !== 0) expect(meta!.lastModified).toBeGreaterThanOrEqual(before - 2000);
      });
    });

    describe('getRange', () => {
      const data = patternBytes(10_000, 3);
      beforeEach(async () => {
        await store.put('r/obj', data);
      });

      it.each([
        ['the start', 0, 100, data.subarray(0, 100)],
        ['the middle', 4321, 1000, data.subarray(4321, 5321)],
        ['up to the exact end', 9000, 1000, data.subarray(9000)],
        ['the whole object', 0, 10_000, data],
        ['past the end (clipped)', 9990, 100, data.subarray(9990)],
        ['starting at the end', 10_000, 5, new Uint8Array(0)],
        ['starting past the end', 20_000, 5, new Uint8Array(0)],
        ['zero length', 500, 0, new Uint8Array(0)],
      ])('reads %s', async (_label, offset, length, expected) => {
        expectBytes(await store.getRange('r/obj', offset, length), expected);
      });
    });

    describe('put', () => {
      it('replaces an existing object', async () => {
        await store.put('p/obj', patternBytes(5000, 1));
        await store.put('p/obj', enc.encode('short'));
        expectBytes(await store.get('p/obj'), enc.encode('short'));
        expect((await store.head('p/obj'))?.size).toBe(5);
        expect((await store.list('p/')).map((m) => m.key)).toEqual(['p/obj']);
      });

      it('replaces atomically: concurrent readers see the old or the new object, never a mix', async () => {
        const versions = [patternBytes(256 * 1024, 1), patternBytes(256 * 1024, 2)];
        await store.put('p/atomic', versions[0]);
        const writes = Array.from({ length: 10 }, (_, i) => store.put('p/atomic', versions[i % 2]));
        const reads = Array.from({ length: 20 }, () => store.get('p/atomic'));
        await Promise.all(writes);
        for (const got of await Promise.all(reads)) {
          const match = versions.some((v) => Buffer.from(got).equals(v));
          expect(match, 'read a torn object').toBe(true);
        }
      });
    });

    describe('putIfAbsent', () => {
      it('creates, then reports exists and leaves the content unchanged', async () => {
        expect(await store.putIfAbsent('c/obj', enc.encode('first'))).toBe('created');
        expect(await store.putIfAbsent('c/obj', enc.encode('second, longer'))).toBe('exists');
        expectBytes(await store.get('c/obj'), enc.encode('first'));
      });

      it('reports exists for an object written by put', async () => {
        await store.put('c/put', enc.encode('by put'));
        expect(await store.putIfAbsent('c/put', enc.encode('other'))).toBe('exists');
        expectBytes(await store.get('c/put'), enc.encode('by put'));
      });

      it('creates again after delete', async () => {
        expect(await store.putIfAbsent('c/again', enc.encode('1'))).toBe('created');
        await store.delete('c/again');
        expect(await store.putIfAbsent('c/again', enc.encode('2'))).toBe('created');
        expectBytes(await store.get('c/again'), enc.encode('2'));
      });

      it('of 50 concurrent creators exactly one wins and its payload is stored', async () => {
        const payloads = Array.from({ length: 50 }, (_, i) => patternBytes(4096 + i, 100 + i));
        const results = await Promise.all(payloads.map((p) => store.putIfAbsent('c/race', p)));
        const winners = results.flatMap((r, i) => (r === 'created' ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r === 'exists')).toHaveLength(49);
        expectBytes(await store.get('c/race'), payloads[winners[0]]);
      });

      if (opts.processRace) {
        const processRace = opts.processRace;
        it('across processes exactly one creator wins each key', async () => {
          const rounds: RaceRound[] = Array.from({ length: 5 }, (_, r) => ({
            key: `c/process-race/${r}`,
            payloads: Array.from({ length: 6 }, (_, p) => `round ${r} process ${p} `.repeat(2000)),
          }));
          const results = await processRace(store, rounds);
          expect(results).toHaveLength(rounds.length);
          for (const [r, round] of rounds.entries()) {
            const winners = results[r].flatMap((res, p) => (res === 'created' ? [p] : []));
            expect(winners, `round ${r}: ${results[r].join(',')}`).toHaveLength(1);
            expect(results[r].filter((res) => res === 'exists')).toHaveLength(round.payloads.length - 1);
            expectBytes(await store.get(round.key), enc.encode(round.payloads[winners[0]]));
          }
        });
      }
    });

    describe('list', () => {
      const keys = [
        'a-b', 'a/b', 'a/c/d', 'a/c/e/f', 'ab', 'B', 'z',
        'shards/0/wal/00000009', 'shards/0/wal/00000010', 'shards/0/wal/00000100', 'shards/0/wal/0001',
        'shards/1/wal/00000001', 'shards/10/wal/00000001', 'shards/1x', 'shards/2/data/part-1.parquet',
      ];
      const sorted = [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      beforeEach(async () => {
        // Written in reverse so a store that merely returns insertion order fails.
        for (const k of [...keys].reverse()) await store.put(k, enc.encode(k));
      });
      const listed = async (prefix: string) => (await store.list(prefix)).map((m) => m.key);

      it('lists everything sorted by UTF-16 code unit for the empty prefix', async () => {
        expect(await listed('')).toEqual(sorted);
      });

      it.each([
        ['a whole directory', 'shards/0/wal/', ['shards/0/wal/00000009', 'shards/0/wal/00000010', 'shards/0/wal/00000100', 'shards/0/wal/0001']],
        ['a partial file name', 'shards/0/wal/0000001', ['shards/0/wal/00000010']],
        ['a partial name matching several', 'shards/0/wal/0000', ['shards/0/wal/00000009', 'shards/0/wal/00000010', 'shards/0/wal/00000100']],
        ['a partial directory name', 'shards/1', ['shards/1/wal/00000001', 'shards/10/wal/00000001', 'shards/1x']],
        ['a directory without false prefix matches', 'shards/1/', ['shards/1/wal/00000001']],
        ['nested directories', 'a/', ['a/b', 'a/c/d', 'a/c/e/f']],
        ['a deeper nested directory', 'a/c/', ['a/c/d', 'a/c/e/f']],
        ['a top-level partial name', 'a', ['a-b', 'a/b', 'a/c/d', 'a/c/e/f', 'ab']],
        ['a full key', 'a/c/d', ['a/c/d']],
        ['case-sensitively', 'b', []],
        ['nothing for an unknown prefix', 'nope/', []],
        ['nothing under an object key used as a directory', 'z/', []],
      ])('lists %s', async (_label, prefix, expected) => {
        expect(await listed(prefix)).toEqual(expected);
      });

      it('reports sizes and omits deleted keys', async () => {
        await store.put('a/b', patternBytes(777));
        await store.delete('a/c/d');
        const metas = await store.list('a/');
        expect(metas.map((m) => [m.key, m.size])).toEqual([['a/b', 777], ['a/c/e/f', 7]]);
        for (const m of metas) expect(typeof m.lastModified).toBe('number');
      });
    });

    describe('delete', () => {
      it('removes an object', async () => {
        await store.put('d/obj', enc.encode('x'));
        await store.delete('d/obj');
        expect(await store.head('d/obj')).toBeUndefined();
        expect((await thrown(() => store.get('d/obj')) as { code?: string }).code).toBe('NOT_FOUND');
        expect(await store.list('d/')).toEqual([]);
      });

      it('is idempotent', async () => {
        await store.delete('never/existed');
        await store.put('d/twice', enc.encode('x'));
        await store.delete('d/twice');
        await store.delete('d/twice');
        expect(await store.head('d/twice')).toBeUndefined();
      });

      it('leaves other objects alone', async () => {
        await store.put('d/keep', enc.encode('keep'));
        await store.put('d/drop', enc.encode('drop'));
        await store.delete('d/drop');
        expect((await store.list('d/')).map((m) => m.key)).toEqual(['d/keep']);
      });
    });

    describe('mutation safety', () => {
      it('mutating the buffer passed to put does not change the stored object', async () => {
        const buf = enc.encode('original');
        await store.put('m/put', buf);
        buf.fill(0);
        expectBytes(await store.get('m/put'), enc.encode('original'));
      });

      it('mutating the buffer passed to putIfAbsent does not change the stored object', async () => {
        const buf = enc.encode('original');
        await store.putIfAbsent('m/pia', buf);
        buf.fill(0);
        expectBytes(await store.get('m/pia'), enc.encode('original'));
      });

      it('mutating a returned buffer does not change the stored object', async () => {
        await store.put('m/get', enc.encode('original'));
        (await store.get('m/get')).fill(0);
        (await store.getRange('m/get', 2, 3)).fill(0);
        expectBytes(await store.get('m/get'), enc.encode('original'));
      });
    });

    describe('keys', () => {
      it.each(['', '/abs', 'a//b', 'a/../b', './a', 'a/', 'a\\b'])('rejects the invalid key %j', async (key) => {
        await expect(store.put(key, new Uint8Array(1))).rejects.toThrow(TypeError);
        await expect(store.get(key)).rejects.toThrow(TypeError);
      });
    });
  });
}
