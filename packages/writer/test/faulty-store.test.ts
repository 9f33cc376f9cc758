import { MemoryStore } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { FaultyStore } from './support/faulty-store.js';

const bytes = new Uint8Array([1]);

describe('FaultyStore', () => {
  it('fails the first N matching calls by op and key, and counts', async () => {
    const s = new FaultyStore(new MemoryStore());
    const rule = s.inject({ ops: 'put', key: /^a\//, first: 2 });
    await expect(s.put('a/1', bytes)).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    await s.put('b/1', bytes);
    await expect(s.put('a/2', bytes)).rejects.toThrow(/injected fail/);
    await s.put('a/3', bytes);
    expect([rule.matched, rule.fired]).toEqual([3, 2]);
    expect(await s.inner.head('a/1')).toBeUndefined(); // fail: never reached the store
    expect(s.count('put')).toBe(2);
  });

  it('lost-ack performs the call and then throws; every k-th fires', async () => {
    const s = new FaultyStore(new MemoryStore());
    s.inject({ ops: 'putIfAbsent', mode: 'lost-ack', every: 2 });
    expect(await s.putIfAbsent('k1', bytes)).toBe('created');
    await expect(s.putIfAbsent('k2', bytes)).rejects.toThrow(/lost-ack/);
    expect(await s.inner.head('k2')).toBeDefined();
  });

  it('delays until released, and probability is seeded', async () => {
    const s = new FaultyStore(new MemoryStore());
    let release!: () => void;
    const rule = s.inject({ ops: 'get', mode: 'delay', until: new Promise<void>((r) => (release = r)) });
    await s.put('k', bytes);
    let done = false;
    const got = s.get('k').then(() => (done = true));
    await new Promise((r) => setImmediate(r)); // the call is held until release(), however long this waits
    expect(done).toBe(false);
    release();
    await got;
    rule.remove();
    const fired = async (seed: number) => {
      const t = new FaultyStore(new MemoryStore(), { seed });
      const r = t.inject({ ops: 'head', probability: 0.5 });
      for (let i = 0; i < 20; i++) await t.head('x').catch(() => undefined);
      return r.fired;
    };
    expect(await fired(7)).toBe(await fired(7));
  });
});
