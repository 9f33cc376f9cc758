/**
 * `containsPksAsOf` input checks: cuts of another table shape, keys whose shard has no
 * cut. (Invariant 10 through freeze, flush and compaction runs against the real writer
 * in packages/integration/test/scanner/as-of-cut.test.ts.)
 */
import { InvalidOptionsError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { LsmScanner } from '../src/index.js';
import { shardOfIds, usersTable } from './support/data.js';

describe('AsOfCut exactness', () => {
  it('rejects cuts of another table shape, and keys whose shard has no cut', async () => {
    const table = await usersTable({ shards: 2 });
    const scanner = new LsmScanner(table);
    const cuts = await scanner.scan().cuts;
    await expect(scanner.containsPksAsOf([{ id: 1 }], [{ ...cuts[0], shard: 7 }])).rejects.toThrow(InvalidOptionsError);
    const [s0] = shardOfIds(table, [1]);
    await expect(scanner.containsPksAsOf([{ id: 1 }], cuts[1 - s0])).rejects.toThrow(/no cut for shard/);
    expect(await scanner.containsPksAsOf([{ id: 1 }], cuts[s0])).toEqual([false]);
  });
});
