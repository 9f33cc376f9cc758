/**
 * Model test: random puts, deletes, freezes, flushes, failed flushes and
 * compactions by the real writer and compaction on a 2-shard table, checked against a
 * `Map` model. Every scan (plain, filtered on a value, filtered on the key), `get`,
 * `containsPks`, and `containsPksAsOf` for every cut taken so far must agree with the model.
 */
import { MemoryStore } from '@freshtier/core';
import { LsmScanner, col, type AsOfCut } from '@freshtier/scanner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agesById, idsBatch, shardOfIds, user, usersTable } from '../../../scanner/test/support/data.js';
import { FlushHookStore } from '../support/flush-hooks.js';
import { Writers, compactShard } from '../support/writers.js';

type Cmd =
  | { kind: 'put'; ids: number[] }
  | { kind: 'delete'; ids: number[] }
  | { kind: 'freeze' | 'flush' | 'failFlush' | 'compact'; shard: number }
  | { kind: 'check' };

const KEYS = Array.from({ length: 12 }, (_, i) => i);
const id = fc.integer({ min: 0, max: KEYS.length - 1 });
const shard = fc.integer({ min: 0, max: 1 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), ids: fc.array(id, { minLength: 1, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: fc.array(id, { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('freeze' as const), shard }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flush' as const), shard }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('failFlush' as const), shard }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), shard }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'check' as const }) },
);

interface Write {
  shard: number;
  generation: number;
  batchIndex: number;
  ids: bigint[];
}

const frozen = (w: { status(): { frozenGenerations: number[] } }) => w.status().frozenGenerations.length > 0;

class Harness {
  readonly model = new Map<bigint, number>();
  readonly log: Write[] = [];
  readonly cuts: (readonly AsOfCut[])[] = [];
  private version = 0;

  private constructor(readonly store: FlushHookStore, readonly writers: Writers, readonly scanner: LsmScanner) {}

  static async create(): Promise<Harness> {
    const store = new FlushHookStore(new MemoryStore());
    const table = await usersTable({ shards: 2, store });
    const writers = await Writers.open(table, 4);
    return new Harness(store, writers, new LsmScanner(table, { writers: writers.byShard }));
  }

  async run(c: Cmd): Promise<void> {
    const w = 'shard' in c ? this.writers.byShard[c.shard] : undefined;
    if (c.kind === 'put') {
      this.version++;
      this.log.push(...(await this.writers.put(c.ids.map((i) => user(i, this.version)))));
      for (const i of c.ids) this.model.set(BigInt(i), this.version);
    } else if (c.kind === 'delete') {
      const ids = c.ids.map(BigInt);
      this.log.push(...(await this.writers.delete(ids)));
      for (const i of ids) this.model.delete(i);
    } else if (c.kind === 'freeze') w!.freeze();
    else if (c.kind === 'flush' && frozen(w!)) await w!.flush(); // the active memtable too
    else if (c.kind === 'failFlush' && frozen(w!)) await expect(this.store.flushWith(w!, { failCommit: true })).rejects.toThrow(/injected/);
    else if (c.kind === 'compact') await compactShard(this.writers.table, c.shard, 4);
    else if (c.kind === 'check') await this.check();
  }

  async check(): Promise<void> {
    const result = this.scanner.scan();
    expect(agesById(await result.toTable())).toEqual(this.model);
    this.cuts.push(await result.cuts);
    const threshold = Math.floor(this.version / 2);
    const filtered = new Map([...this.model].filter(([, v]) => v > threshold));
    expect(agesById(await this.scanner.scan({ filter: col('age').gt(threshold) }).toTable())).toEqual(filtered);
    const some = [1n, 4n, 7n, 10n];
    const picked = new Map([...this.model].filter(([k]) => some.includes(k)));
    expect(agesById(await this.scanner.scan({ filter: col('id').in(some) }).toTable())).toEqual(picked);
    const keys = idsBatch(KEYS);
    expect(agesById(await this.scanner.get(keys))).toEqual(this.model);
    expect(await this.scanner.containsPks(keys)).toEqual(KEYS.map((k) => this.model.has(BigInt(k))));
    for (const cut of this.cuts.slice(-4)) expect(await this.scanner.containsPksAsOf(keys, cut)).toEqual(this.expectedAsOf(cut));
  }

  /** Any write of the key in (compactedThrough, activeGeneration), or in the first activeBatchCount batches of activeGeneration. */
  private expectedAsOf(cuts: readonly AsOfCut[]): boolean[] {
    const shards = shardOfIds(this.writers.table, KEYS);
    return KEYS.map((k, i) => {
      const c = cuts[shards[i]];
      return this.log.some((w) => w.shard === c.shard && w.ids.includes(BigInt(k)) && w.generation > c.compactedThrough &&
        (w.generation < c.activeGeneration || (w.generation === c.activeGeneration && w.batchIndex < c.activeBatchCount)));
    });
  }
}

describe('scanner model', () => {
  it('every scan, get, containsPks and containsPksAsOf agrees with a Map model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 40 }), async (cmds) => {
        const h = await Harness.create();
        for (const c of cmds) await h.run(c);
        await h.check();
      }),
      { seed: 4301, numRuns: 60 },
    );
  });
});
