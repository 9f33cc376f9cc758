/**
 * DESIGN.md invariant 14, "One merge": one function decides the state of a key
 * from its versions, and a key reads the same whatever tier its versions sit in.
 *
 * The same history of one key (puts and deletes) is written with the real
 * `ShardWriter` and `compact`, with its versions spread over the tiers in many
 * ways — the active memtable, frozen memtables, flushed generations, the base after
 * compaction, several versions inside one generation — and `scan`, `get` and
 * `containsPks` must all give the model's answer (the newest version, or absent
 * after a delete) after every step.
 *
 * A layout is a list of steps: `p<v>` puts the key with v, `d` deletes it, `Z`
 * freezes the active memtable, `F` flushes every memtable, `C` compacts the flushed
 * generations into the base.
 */
import { MemoryStore, type Table } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact } from '../src/index.js';
import { keysBatch, makeTable, rowsBatch } from './support/fixtures.js';

const KEY = 1;
const BYSTANDER = 2;
const SEED = 0x14_14;

/** What every read must say about the key: its value, or undefined when absent. */
type State = number | undefined;

interface Tiers {
  base: number;
  flushed: number;
  frozen: number;
  active: number;
}

class History {
  state: State = undefined;

  private constructor(readonly table: Table, readonly writer: ShardWriter) {}

  static async open(): Promise<History> {
    const table = await makeTable(new MemoryStore());
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, rowGroupSize: 2 });
    await writer.put(rowsBatch([BYSTANDER], 99)); // another key, in whatever tiers the steps move it to
    return new History(table, writer);
  }

  async step(s: string): Promise<void> {
    if (s === 'd') {
      await this.writer.delete(keysBatch([KEY]));
      this.state = undefined;
    } else if (s.startsWith('p')) {
      this.state = Number(s.slice(1));
      await this.writer.put(rowsBatch([KEY], this.state));
    } else if (s === 'Z') this.writer.freeze();
    else if (s === 'F') await this.writer.flush();
    else if (s === 'C') await compact(this.table, { shard: 0, rowGroupSize: 2 });
    else throw new Error(`unknown step ${s}`);
  }

  /** Where data sits now: base files, uncompacted flushed generations, frozen memtables, active rows. */
  async tiers(): Promise<Tiers> {
    const base = (await this.table.baseManifests.latest()).doc;
    const compacted = base.compacted['0'] ?? -1;
    const refs = this.writer.inMemoryMemtableRefs().refs;
    return {
      base: base.files.filter((f) => f.shard === 0).length,
      flushed: this.writer.manifest.doc.flushed.filter((f) => f.generation > compacted).length,
      frozen: refs.filter((r) => r.memtable.frozen).length,
      active: refs.filter((r) => !r.memtable.frozen).reduce((n, r) => n + r.memtable.rowCount, 0),
    };
  }

  /** Scan, get and containsPks of the key, through a scanner that sees the writer's memtables. */
  async reads(): Promise<{ scan: State[]; get: State[]; contains: boolean; bystander: State[] }> {
    const scanner = new LsmScanner(this.table, { writers: [this.writer] });
    const rows = (await scanner.scan().toTable()).toArray().map((r) => ({ id: Number(r.id), v: r.v as number }));
    const got = (await scanner.get([{ id: BigInt(KEY) }])).toArray().map((r) => r.v as number);
    const [contains] = await scanner.containsPks([{ id: BigInt(KEY) }]);
    const of = (id: number) => rows.filter((r) => r.id === id).map((r) => r.v);
    return { scan: of(KEY), get: got, contains, bystander: of(BYSTANDER) };
  }

  /** Every read agrees with the model. */
  async check(where: string): Promise<void> {
    const want = this.state === undefined ? [] : [this.state];
    expect(await this.reads(), where).toEqual({ scan: want, get: want, contains: this.state !== undefined, bystander: [99] });
  }
}

async function run(steps: readonly string[]): Promise<History> {
  const h = await History.open();
  for (let i = 0; i < steps.length; i++) {
    await h.step(steps[i]);
    await h.check(`after ${steps.slice(0, i + 1).join(' ')}`);
  }
  return h;
}

describe('invariant 14: one merge, the same answer in every tier', () => {
  // the same history, put 1, put 2, delete, put 3, with its versions in different tiers
  const layouts: [string, string, Tiers][] = [
    ['all in the active memtable', 'p1 p2 d p3', { base: 0, flushed: 0, frozen: 0, active: 5 }],
    ['all in one frozen memtable', 'p1 p2 d p3 Z', { base: 0, flushed: 0, frozen: 1, active: 0 }],
    ['all in one flushed generation', 'p1 p2 d p3 F', { base: 0, flushed: 1, frozen: 0, active: 0 }],
    ['one flushed generation per version', 'p1 F p2 F d F p3 F', { base: 0, flushed: 4, frozen: 0, active: 0 }],
    ['base, flushed, frozen, active', 'p1 F C p2 F d Z p3', { base: 1, flushed: 1, frozen: 1, active: 1 }],
    ['a delete compacted away, the put active', 'p1 p2 d F C p3', { base: 1, flushed: 0, frozen: 0, active: 1 }],
    ['everything compacted', 'p1 F p2 d F p3 F C', { base: 1, flushed: 0, frozen: 0, active: 0 }],
    ['compacted twice: the base merged with newer generations', 'p1 F C p2 F d F p3 F C', { base: 1, flushed: 0, frozen: 0, active: 0 }],
    ['the delete frozen over a base put', 'p1 p2 F C d Z p3 Z', { base: 1, flushed: 0, frozen: 2, active: 0 }],
    ['a re-put in one generation over a flushed delete', 'p1 F d F p2 p3 Z', { base: 0, flushed: 2, frozen: 1, active: 0 }],
  ];
  it.each(layouts)('%s', async (_name, layout, tiers) => {
    const h = await run(layout.split(' '));
    expect(await h.tiers()).toEqual(tiers); // the versions really are where the layout says
    expect(h.state).toBe(3);
  });

  it('ending with a delete: absent in every tier, also once compaction drops the tombstone', async () => {
    for (const layout of ['p1 d', 'p1 F d', 'p1 F C d Z', 'p1 F C d F', 'p1 F C d F C', 'p1 d Z p2 d']) {
      const h = await run(layout.split(' '));
      expect(h.state, layout).toBeUndefined();
    }
  });

  it('any history under any split into tiers reads as the model', async () => {
    // each version of the key, then where the tiers move (nothing, freeze, flush, flush and compact, compact)
    const version = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 9 }).map((v) => `p${v}`), weight: 2 }, { arbitrary: fc.constant('d'), weight: 1 });
    const move = fc.constantFrom([], ['Z'], ['F'], ['F', 'C'], ['C']);
    const history = fc.array(fc.tuple(version, move), { minLength: 1, maxLength: 8 }).map((xs) => xs.flatMap(([v, m]) => [v, ...m]));
    await fc.assert(fc.asyncProperty(history, async (steps) => {
      await run(steps);
    }), { seed: SEED, numRuns: 60 });
  });
});
