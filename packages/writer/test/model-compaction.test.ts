/**
 * Model-based property test of the base table. Random interleavings of puts,
 * deletes, ingests, flushes, compactions of several shards at once (`Promise.all`,
 * sometimes the same shard twice, sometimes while a put runs) and reopens (clean,
 * or a crash that leaves the WAL to replay) run against a plain Map. After every
 * step the table as `LsmScanner` reads it — scan, get, containsPks — equals the model.
 */
import { MemoryStore, encodeKeys, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, splitByShard } from '../src/index.js';
import { keysBatch, makeTable, rowsBatch } from './support/fixtures.js';
import { modelRows, plainRows } from './support/table-state.js';

const SHARDS = 3;
const KEYS = 40;

type Op =
  | { kind: 'put'; ids: number[] }
  | { kind: 'ingest'; ids: number[] }
  | { kind: 'delete'; ids: number[] }
  | { kind: 'flush'; shard: number | 'all' }
  | { kind: 'compact'; shards: number[]; maxFileRows: number; withPut: number[] }
  | { kind: 'reopen'; shard: number; clean: boolean };

const ids = fc.uniqueArray(fc.integer({ min: 0, max: KEYS - 1 }), { minLength: 1, maxLength: 12 });
const shard = fc.integer({ min: 0, max: SHARDS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('put' as const), ids }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('ingest' as const), ids }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), ids }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('flush' as const), shard: fc.oneof(shard, fc.constant('all' as const)) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('compact' as const),
      shards: fc.array(shard, { minLength: 1, maxLength: 4 }), // repeats: the same shard compacted twice at once
      maxFileRows: fc.integer({ min: 2, max: 20 }),
      withPut: fc.oneof(fc.constant<number[]>([]), ids),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('reopen' as const), shard, clean: fc.boolean() }), weight: 1 },
);

class Harness {
  readonly model = new Map<number, number>();
  private seq = 0;

  private constructor(readonly table: Table, readonly writers: ShardWriter[]) {}

  static async create(): Promise<Harness> {
    const table = await makeTable(new MemoryStore(), { shards: SHARDS });
    return new Harness(table, await Promise.all(Array.from({ length: SHARDS }, (_, s) => Harness.open(table, s))));
  }

  static open(table: Table, shard: number): Promise<ShardWriter> {
    return ShardWriter.open(table, { shard, durability: 'durable', autoFlush: false, rowGroupSize: 4 });
  }

  async run(o: Op): Promise<void> {
    switch (o.kind) {
      case 'put':
      case 'ingest':
        return this.write(o.ids, o.kind);
      case 'delete':
        return this.remove(o.ids);
      case 'flush':
        await Promise.all(this.writers.filter((w) => o.shard === 'all' || w.shard === o.shard).map((w) => w.flush()));
        return;
      case 'compact': {
        const compactions = o.shards.map((s) => compact(this.table, { shard: s, maxFileRows: o.maxFileRows, rowGroupSize: 4 }));
        await Promise.all([...compactions, o.withPut.length ? this.write(o.withPut, 'put') : undefined]);
        return;
      }
      case 'reopen':
        return this.reopen(o.shard, o.clean);
    }
  }

  private async reopen(shard: number, clean: boolean): Promise<void> {
    if (clean) await this.writers[shard].close(); // else a crash: the old writer is abandoned, and fenced by the new one
    this.writers[shard] = await Harness.open(this.table, shard);
  }

  private async write(list: number[], how: 'put' | 'ingest'): Promise<void> {
    const v = ++this.seq;
    const parts = [...splitByShard(this.table, rowsBatch(list, v))];
    await Promise.all(parts.map(([s, part]) => (how === 'put' ? this.writers[s].put(part) : this.writers[s].ingest(part))));
    for (const id of list) this.model.set(id, v);
  }

  private async remove(list: number[]): Promise<void> {
    const shards = this.table.shardsOf(encodeKeys(keysBatch(list), ['id']));
    const byShard = new Map<number, number[]>();
    list.forEach((id, i) => byShard.set(shards[i], [...(byShard.get(shards[i]) ?? []), id]));
    await Promise.all([...byShard].map(([s, part]) => this.writers[s].delete(keysBatch(part))));
    for (const id of list) this.model.delete(id);
  }

  async check(step: string): Promise<void> {
    const scanner = new LsmScanner(this.table, { writers: this.writers });
    expect(plainRows(await scanner.scan().toTable()), step).toEqual(modelRows(this.model));
    const all = Array.from({ length: KEYS }, (_, id) => ({ id: BigInt(id) }));
    expect(await scanner.containsPks(all), step).toEqual(all.map((_, id) => this.model.has(id)));
    const probe = [0, 7, 13, 21, 39].map((id) => ({ id: BigInt(id) }));
    const got = plainRows(await scanner.get(probe));
    expect(got, step).toEqual(modelRows(new Map([...this.model].filter(([id]) => [0, 7, 13, 21, 39].includes(id)))));
  }
}

describe('compaction model', () => {
  it('keeps the table equal to a Map through puts, deletes, ingests, flushes, concurrent compactions and reopens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 18 }), async (ops) => {
        const h = await Harness.create();
        for (let i = 0; i < ops.length; i++) {
          await h.run(ops[i]);
          await h.check(`after step ${i}: ${JSON.stringify(ops[i])}`);
        }
        for (const w of h.writers) await w.flush();
        await Promise.all(Array.from({ length: SHARDS }, (_, s) => compact(h.table, { shard: s })));
        await h.check('after a final flush and compaction');
        const { doc } = await h.table.baseManifests.latest();
        for (let s = 0; s < SHARDS; s++) {
          const files = doc.files.filter((f) => f.shard === s).sort((a, b) => (a.pkMin! < b.pkMin! ? -1 : 1));
          for (let i = 1; i < files.length; i++) expect(files[i - 1].pkMax! < files[i].pkMin!).toBe(true);
        }
      }),
      { seed: 4501, numRuns: 25 },
    );
  }, 60_000);
});
