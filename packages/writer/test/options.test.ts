import { MemoryStore, isFreshtierError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { parseWriterOptions } from '../src/shard/options.js';
import { makeTable } from './support/fixtures.js';

describe('parseWriterOptions', () => {
  it('fills in defaults, including nested flushRetry ones', async () => {
    const table = await makeTable(new MemoryStore());
    const o = parseWriterOptions(table, { shard: 0 });
    expect(o).toMatchObject({
      durability: 'durable', maxMemtableRows: 1_000_000, maxMemtableBatches: 10_000, autoFlush: true, compression: 'snappy',
      flushRetry: { initialDelayMs: 50, maxDelayMs: 5_000, maxAttempts: 5 },
    });
    expect(parseWriterOptions(table, { shard: 0, flushRetry: { maxAttempts: 2 } }).flushRetry).toEqual({ initialDelayMs: 50, maxDelayMs: 5_000, maxAttempts: 2 });
  });

  it('names every bad field in one InvalidOptionsError', async () => {
    const table = await makeTable(new MemoryStore());
    const err = (() => {
      try {
        parseWriterOptions(table, { shard: -1, durability: 'sometimes', maxMemtableBytes: 0, onEvent: 'log', typo: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(isFreshtierError(err, 'INVALID_OPTIONS')).toBe(true);
    const paths = (err as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['shard', 'durability', 'maxMemtableBytes', 'onEvent']));
    expect((err as Error).message).toMatch(/typo/);
  });

  it('rejects a shard the table does not have and an inverted retry backoff', async () => {
    const table = await makeTable(new MemoryStore(), { shards: 2 });
    expect(() => parseWriterOptions(table, { shard: 2 })).toThrow(/shards 0\.\.1/);
    expect(() => parseWriterOptions(table, { shard: 0, flushRetry: { initialDelayMs: 10, maxDelayMs: 5 } })).toThrow(/flushRetry\.maxDelayMs/);
  });
});
