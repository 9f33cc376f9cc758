import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/store/memory-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('MemoryStore', async () => ({ store: new MemoryStore() }));

describe('MemoryStore', () => {
  it('names itself memory://<id>', () => {
    expect(new MemoryStore('t1').uri).toBe('memory://t1');
    expect(new MemoryStore().uri).not.toBe(new MemoryStore().uri);
  });

  it('keeps separate instances separate', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    await a.put('k', new Uint8Array([1]));
    expect(await b.head('k')).toBeUndefined();
  });
});
