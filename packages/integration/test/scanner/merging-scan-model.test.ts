/**
 * Model test of the merging scan's shortcuts (issue 16): row groups no fresh key falls in
 * skip dedup, flushed rows are matched through their key index, unmasked batches pass
 * through without a gather, few columns are decoded by a projected read, and row groups
 * are decoded several at a time. Random histories by the real writer and compaction put a
 * base of many small row groups under clustered updates and deletes (so fresh keys fall in
 * some row groups only), and every scan — whole, projected, filtered on a value or on the
 * key, limited, small batches — must return exactly the rows, in the same order, with the
 * shortcuts on and off (`scanPaths`), and the rows of a `Map` model. Merge engines other
 * than plain deduplicate (merged-scan.ts) are held to the same, against support/merge-model.ts.
 */
import type { MergeEngineName } from '@freshtier/core';
import { LsmScanner, and, col, type ScanOptions } from '@freshtier/scanner';
import { ShardWriter, compact } from '@freshtier/writer';
import type { Table as ArrowTable } from 'apache-arrow';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { scanPaths } from '../../../scanner/src/file-rows.js';
import { usersTable, type User } from '../../../scanner/test/support/data.js';
import { MergeModel, idBatch, mergeBatch, mergeTable, rowsById, type MRow } from '../support/merge-model.js';
import { Writers, compactShard } from '../support/writers.js';

const ROW_GROUP = 4;

type Cmd =
  | { kind: 'put'; from: number; width: number; step: number }
  | { kind: 'delete'; from: number; width: number }
  | { kind: 'flush' | 'compact' | 'check' };

/** Keys clustered in a window of the key space, so most base row groups see no fresh key. */
const window = { from: fc.integer({ min: 0, max: 160 }), width: fc.integer({ min: 1, max: 6 }) };
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), ...window, step: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ...window }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'check' as const }) },
);

/** Scans every check runs (each shortcut with and without filters, projections and limits), with the model's filter. */
function scans(version: number): { options: ScanOptions; pass: (u: User) => boolean }[] {
  const t = Math.floor(version / 2);
  const all = () => true;
  return [
    { options: {}, pass: all },
    { options: { columns: ['age'] }, pass: all },
    { options: { columns: ['name', 'id'] }, pass: all },
    { options: { filter: col('age').gt(t) }, pass: (u) => u.age! > t },
    { options: { columns: ['score'], filter: col('age').le(t), batchSize: 3 }, pass: (u) => u.age! <= t },
    { options: { filter: and(col('id').ge(20n), col('id').lt(60n)) }, pass: (u) => u.id >= 20n && u.id < 60n },
    { options: { columns: ['name'], filter: col('id').in([0n, 7n, 33n, 64n, 95n]) }, pass: (u) => [0n, 7n, 33n, 64n, 95n].includes(u.id) },
    { options: { limit: 9, batchSize: 2 }, pass: all },
    { options: { columns: ['id', 'age'], batchSize: 5 }, pass: all },
  ];
}

/** Rows of a result as strings, in output order. */
function lines(t: ArrowTable): string[] {
  const out: string[] = [];
  for (const b of t.batches) for (let r = 0; r < b.numRows; r++) out.push(JSON.stringify(b.schema.fields.map((f) => String(b.getChild(f.name)!.get(r)))));
  return out;
}

/** The scan's rows with the shortcuts on, after checking that they are exactly those with them off. */
async function scanBoth(scanner: LsmScanner, options: ScanOptions): Promise<string[]> {
  scanPaths.shortcuts = false;
  const before = lines(await scanner.scan(options).toTable());
  scanPaths.shortcuts = true;
  const after = lines(await scanner.scan(options).toTable());
  expect(after).toEqual(before);
  return after;
}

afterEach(() => {
  scanPaths.shortcuts = true;
});

class Harness {
  readonly model = new Map<bigint, User>();
  private version = 0;

  private constructor(readonly writers: Writers, readonly scanner: LsmScanner) {}

  static async create(shards: number, baseRows: number): Promise<Harness> {
    const table = await usersTable({ shards });
    const writers = await Writers.open(table, ROW_GROUP);
    const h = new Harness(writers, new LsmScanner(table, { writers: writers.byShard }));
    await h.put(Array.from({ length: baseRows }, (_, i) => i));
    await writers.flushAll();
    for (let s = 0; s < shards; s++) await compactShard(table, s, ROW_GROUP);
    return h;
  }

  private async put(ids: number[]): Promise<void> {
    this.version++;
    const users = ids.map((i) => ({ id: BigInt(i), age: this.version, name: `u${i}v${this.version}` }));
    await this.writers.put(users);
    for (const u of users) this.model.set(u.id, u);
  }

  async run(c: Cmd): Promise<void> {
    if (c.kind === 'put') await this.put(Array.from({ length: c.width }, (_, k) => c.from + k * c.step));
    else if (c.kind === 'delete') {
      const ids = Array.from({ length: c.width }, (_, k) => BigInt(c.from + k));
      await this.writers.delete(ids);
      for (const i of ids) this.model.delete(i);
    } else if (c.kind === 'flush') await this.writers.flushAll();
    else if (c.kind === 'compact') await compactShard(this.writers.table, 0, ROW_GROUP);
    else await this.check();
  }

  async check(): Promise<void> {
    const shown = (u: User, cols: string[]) => JSON.stringify(cols.map((c) => String(c === 'score' ? u.age! / 2 : u[c as keyof User])));
    for (const { options, pass } of scans(this.version)) {
      const got = await scanBoth(this.scanner, options);
      const cols = options.columns ?? ['id', 'name', 'age', 'score'];
      const want = [...this.model.values()].filter(pass).map((u) => shown(u, cols));
      if (options.limit === undefined) expect([...got].sort()).toEqual(want.sort());
      else {
        expect(got.length).toBe(Math.min(options.limit, want.length));
        for (const line of got) expect(want).toContain(line);
      }
    }
  }
}

describe('merging scan shortcuts', () => {
  it('change no scan result: shortcuts on = shortcuts off = model, whatever the history', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 20, max: 100 }), fc.array(cmd, { minLength: 3, maxLength: 14 }), async (shards, baseRows, cmds) => {
        const h = await Harness.create(shards, baseRows);
        await h.check(); // base only: every row group skips dedup
        for (const c of cmds) await h.run(c);
        await h.check();
      }),
      { seed: 1616, numRuns: 10 },
    );
  }, 240_000);

  it('a fresh key in one row group of a base file leaves the other row groups undeduplicated, and hides its base row', async () => {
    const h = await Harness.create(1, 40); // 10 base row groups
    await h.run({ kind: 'put', from: 13, width: 1, step: 1 });
    await h.run({ kind: 'delete', from: 30, width: 1 });
    await h.run({ kind: 'flush' });
    await h.run({ kind: 'put', from: 13, width: 2, step: 1 }); // memtable: the newest of 13, and 14
    await h.check();
    const t = await h.scanner.scan({ filter: col('id').in([13n, 14n, 30n]) }).toTable();
    expect(lines(t)).toEqual([JSON.stringify(['13', 'u13v3', '3', '1.5']), JSON.stringify(['14', 'u14v3', '3', '1.5'])]);
  });
});

describe('a base row group of several probe blocks (2,048 rows each)', () => {
  it('probes only the blocks a fresh key falls in, and hides exactly the base rows of fresh keys', async () => {
    const table = await usersTable();
    const writers = await Writers.open(table, 8192);
    const ids = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, k) => from + k * step);
    await writers.put(ids(0, 7000).map((i) => ({ id: BigInt(i), age: 1, name: `b${i}` })));
    await writers.flushAll();
    await compactShard(table, 0, 8192); // one row group, four blocks
    await writers.put([2047, 2048, 4100, 6999].map((i) => ({ id: BigInt(i), age: 2, name: `f${i}` }))); // block edges, the middle, the last row
    await writers.flushAll();
    await writers.delete([10n, 4095n]);
    const scanner = new LsmScanner(table, { writers: writers.byShard });
    const got = await scanBoth(scanner, { columns: ['id', 'age'] });
    expect(got.length).toBe(6998);
    const fresh = got.filter((l) => JSON.parse(l)[1] === '2').map((l) => JSON.parse(l)[0]);
    expect(fresh).toEqual(['2047', '2048', '4100', '6999']);
    expect(got.filter((l) => ['"10"', '"4095"'].includes(l.split(',')[0].slice(1)))).toEqual([]);
  });
});

describe('keys only one fresh source holds, outside the base (kept out of the fresh index)', () => {
  it('are their generation\'s state: a tombstone there hides nothing and is never returned', async () => {
    const h = await Harness.create(1, 40);
    await h.run({ kind: 'put', from: 100, width: 4, step: 1 });
    await h.run({ kind: 'flush' });
    await h.run({ kind: 'delete', from: 200, width: 2 }); // keys never written: tombstones alone in their generation
    await h.run({ kind: 'flush' });
    await h.run({ kind: 'put', from: 300, width: 2, step: 1 });
    await h.run({ kind: 'delete', from: 301, width: 1 }); // the newest version within the generation is a tombstone
    await h.run({ kind: 'flush' });
    await h.run({ kind: 'put', from: 102, width: 1, step: 1 }); // an older generation's key, newer in the memtable
    await h.check();
    const t = await h.scanner.scan({ filter: col('id').ge(100n) }).toTable();
    expect(lines(t).map((l) => JSON.parse(l)[0])).toEqual(['100', '101', '103', '300', '102']);
  });
});

describe('merge engines (merged-scan.ts)', () => {
  const engines: [MergeEngineName, boolean][] = [['aggregate', false], ['partial-update', true], ['first-row', false], ['deduplicate', true]];
  for (const [engine, sequence] of engines) {
    it(`${engine}${sequence ? ' with a sequence field' : ''}: shortcuts on = off = model`, async () => {
      const put = fc.record({ id: fc.integer({ min: 0, max: 40 }), seq: fc.integer({ min: 0, max: 3 }), a: fc.integer({ min: -5, max: 5 }), del: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(put, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), async (generations) => {
          const table = await mergeTable(engine, sequence);
          const writer = await ShardWriter.open(table, { shard: 0, rowGroupSize: ROW_GROUP, durability: 'none', autoFlush: false, flushInWorker: false, maxMemtableRows: 1e9 });
          const model = new MergeModel(engine, sequence);
          const base: MRow[] = Array.from({ length: 40 }, (_, i) => ({ id: BigInt(i), seq: 0n, a: i, b: `b${i}`, c: true, d: 1n, e: i / 4, f: i, g: 'g', h: i, i: false }));
          await writer.put(mergeBatch(base));
          base.forEach((r) => model.put(r));
          await writer.flush();
          await compact(table, { shard: 0, rowGroupSize: ROW_GROUP });
          for (const [g, rows] of generations.entries()) {
            for (const r of rows) {
              if (r.del) {
                await writer.delete(idBatch([BigInt(r.id)]));
                model.delete(BigInt(r.id));
              } else {
                const row: MRow = { id: BigInt(r.id), seq: BigInt(r.seq), a: r.a, b: `v${g}`, c: r.a > 0, d: BigInt(r.a), e: r.a / 2, f: r.a, g: `w${g}`, h: r.a, i: r.a < 0 };
                await writer.put(mergeBatch([row]));
                model.put(row);
              }
            }
            if (g % 2 === 0) await writer.flush();
          }
          const scanner = new LsmScanner(table, { writers: [writer] });
          await scanBoth(scanner, {});
          expect(rowsById(await scanner.scan().toTable())).toEqual(model.states());
          await scanBoth(scanner, { columns: ['a', 'b'] });
          await scanBoth(scanner, { filter: col('id').lt(10n), columns: ['g'] });
          await scanBoth(scanner, { filter: col('a').gt(0), limit: 5, batchSize: 2 });
          await writer.close();
        }),
        { seed: 1617, numRuns: 6 },
      );
    }, 120_000);
  }
});
