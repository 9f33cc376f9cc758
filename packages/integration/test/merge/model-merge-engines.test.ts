/**
 * Model test of the merge engines (issue 13): for each engine, with and without a
 * sequence field, random histories — full and partial puts (partial-update), deletes,
 * freezes, flushes, failed flushes, compactions and reopens (a crash: the writer is
 * dropped and a new one replays the WAL; the table is opened again from its store) —
 * run by the real writer, flush and compaction, and every scan (whole, projected,
 * filtered on a value, filtered on the key), `get` and `containsPks` must equal a plain
 * model of the engine (support/merge-model.ts), whatever tier each version sits in;
 * `containsPksAsOf` of every cut taken stays exact (any write the cut covered, whatever
 * the engine made of it), and the last snapshot taken reads the same later (invariant 11).
 */
import { MemoryStore, Table, type MergeEngineName } from '@freshtier/core';
import { LsmScanner, col, type AsOfCut, type Snapshot } from '@freshtier/scanner';
import { ShardWriter, compact } from '@freshtier/writer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlushHookStore } from '../support/flush-hooks.js';
import { MergeModel, VALUE_COLUMNS, idBatch, mergeBatch, mergeTable, rowsById, type MRow, type ValueColumn } from '../support/merge-model.js';

const KEYS = 4;
/** Histories per engine and sequence-field setting (CI's quick mode: the default; raise it for a long run). */
const RUNS = Number(process.env.FRESHTIER_MODEL_RUNS ?? 20);

type Cmd =
  | { kind: 'put'; rows: MRow[]; columns: ValueColumn[] }
  | { kind: 'delete'; ids: bigint[] }
  /** A delete, then a put of the same keys: a history cut inside one generation. */
  | { kind: 'replace'; rows: MRow[]; columns: ValueColumn[] }
  | { kind: 'freeze' | 'flush' | 'failFlush' | 'compact' | 'reopen' | 'check' };

const id = fc.integer({ min: 0, max: KEYS - 1 }).map(BigInt);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });
const row: fc.Arbitrary<MRow> = fc.record({
  id, seq: fc.integer({ min: 0, max: 4 }).map(BigInt),
  a: maybe(fc.integer({ min: -50, max: 50 })), b: maybe(fc.constantFrom('x', 'y', 'yy', 'z', '')), c: maybe(fc.boolean()),
  d: maybe(fc.bigInt({ min: -3n, max: 3n })), e: maybe(fc.integer({ min: -9, max: 9 }).map((x) => x / 4)), f: maybe(fc.integer({ min: 0, max: 99 })),
  g: maybe(fc.constantFrom('p', 'q', 'r')), h: maybe(fc.integer({ min: -20, max: 20 })), i: maybe(fc.boolean()),
});
// a batch may hold a key more than once: its rows are versions in row order
const rows = fc.array(row, { minLength: 1, maxLength: 5 });

const WEIGHTS = { freeze: 2, flush: 3, failFlush: 1, compact: 2, reopen: 1, check: 2 };

function commands(engine: MergeEngineName): fc.Arbitrary<Cmd> {
  const subset: fc.Arbitrary<ValueColumn[]> = engine === 'partial-update' ? fc.subarray([...VALUE_COLUMNS]) : fc.constant([...VALUE_COLUMNS]);
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), rows, columns: subset }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: fc.uniqueArray(id, { minLength: 1, maxLength: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), rows, columns: subset }) },
    ...(['freeze', 'flush', 'failFlush', 'compact', 'reopen', 'check'] as const).map((kind) => ({ weight: WEIGHTS[kind], arbitrary: fc.constant({ kind }) })),
  );
}

/** Where a write landed: containsPksAsOf must count it exactly when a cut covers it (invariant 10). */
interface Write {
  generation: number;
  batchIndex: number;
  ids: bigint[];
}

class Harness {
  readonly log: Write[] = [];
  readonly cuts: AsOfCut[] = [];
  /** The last snapshot taken and the model's states when it was taken: it must read the same later (invariant 11). */
  private snap: { snapshot: Snapshot; want: Map<bigint, Record<string, unknown>> } | undefined;

  private constructor(readonly store: FlushHookStore, public table: Table, public writer: ShardWriter, readonly model: MergeModel) {}

  static async create(engine: MergeEngineName, sequence: boolean): Promise<Harness> {
    const store = new FlushHookStore(new MemoryStore());
    const table = await mergeTable(engine, sequence, store);
    return new Harness(store, table, await openWriter(table), new MergeModel(engine, sequence));
  }

  async run(c: Cmd): Promise<void> {
    const frozen = () => this.writer.status().frozenGenerations.length > 0;
    if (c.kind === 'replace') await this.run({ kind: 'delete', ids: [...new Set(c.rows.map((r) => r.id))] });
    if (c.kind === 'put' || c.kind === 'replace') {
      // a partial put leaves out the columns not chosen: the model sees them as absent (null)
      const put = c.rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k === 'id' || k === 'seq' || c.columns.includes(k as ValueColumn))) as unknown as MRow);
      this.logWrite(put.map((r) => r.id));
      await this.writer.put(mergeBatch(put, c.columns));
      for (const r of put) this.model.put(r);
    } else if (c.kind === 'delete') {
      this.logWrite(c.ids);
      await this.writer.delete(idBatch(c.ids));
      for (const i of c.ids) this.model.delete(i);
    } else if (c.kind === 'freeze') this.writer.freeze();
    else if (c.kind === 'flush') await this.writer.flush();
    else if (c.kind === 'failFlush' && frozen()) await expect(this.store.flushWith(this.writer, { failCommit: true })).rejects.toThrow(/injected/);
    else if (c.kind === 'compact') await compact(this.table, { shard: 0, rowGroupSize: 2 });
    else if (c.kind === 'reopen') await this.reopen();
    else if (c.kind === 'check') await this.check();
  }

  /** Records where the next write lands (nothing else writes meanwhile). */
  private logWrite(ids: bigint[]): void {
    this.log.push({ generation: this.writer.activeGeneration, batchIndex: this.writer.inMemoryMemtableRefs().refs.at(-1)!.batchCount, ids });
  }

  /** A crash and a restart: the writer is dropped unclosed, the table opened again, a new writer replays the WAL. */
  private async reopen(): Promise<void> {
    this.table = await Table.open(this.store);
    this.writer = await openWriter(this.table);
  }

  async check(): Promise<void> {
    const scanner = new LsmScanner(this.table, { writers: [this.writer], batchSize: 3 });
    const want = this.model.states();
    const result = scanner.scan();
    expect(rowsById(await result.toTable()), 'scan').toEqual(want);
    this.cuts.push((await result.cuts)[0]);
    const projected = new Map([...want].map(([k, r]) => [k, { id: r.id, b: r.b, a: r.a }]));
    expect(rowsById(await scanner.scan({ columns: ['id', 'b', 'a'] }).toTable(), ['id', 'b', 'a']), 'projected scan').toEqual(projected);
    const positive = new Map([...want].filter(([, r]) => r.a !== null && (r.a as number) > 0));
    expect(rowsById(await scanner.scan({ filter: col('a').gt(0) }).toTable()), 'scan filtered on a value').toEqual(positive);
    const some = [1n, 3n];
    expect(rowsById(await scanner.scan({ filter: col('id').in(some) }).toTable()), 'scan filtered on the key').toEqual(new Map([...want].filter(([k]) => some.includes(k))));
    const keys = idBatch(Array.from({ length: KEYS + 1 }, (_, i) => BigInt(KEYS - i))); // every key, newest first, and one never written
    expect(rowsById(await scanner.get(keys)), 'get').toEqual(want);
    expect(await scanner.containsPks(keys), 'containsPks').toEqual(Array.from({ length: KEYS + 1 }, (_, i) => want.has(BigInt(KEYS - i))));
    const limited = rowsById(await scanner.scan({ limit: 2 }).toTable());
    expect(limited.size, 'limited scan').toBe(Math.min(2, want.size));
    for (const [k, r] of limited) expect(r, 'limited scan').toEqual(want.get(k));
    if (this.snap) {
      expect(rowsById(await this.snap.snapshot.scan().toTable()), 'snapshot scan, read again').toEqual(this.snap.want);
      expect(rowsById(await this.snap.snapshot.get(keys)), 'snapshot get, read again').toEqual(this.snap.want);
      this.snap.snapshot.release();
    }
    this.snap = { snapshot: await scanner.snapshot(), want };
    for (const cut of this.cuts.slice(-3)) {
      const held = Array.from({ length: KEYS + 1 }, (_, i) => this.log.some((w) => w.ids.includes(BigInt(KEYS - i)) && covers(cut, w)));
      expect(await scanner.containsPksAsOf(keys, cut), `containsPksAsOf ${JSON.stringify(cut)}`).toEqual(held);
    }
  }
}

/** Whether a cut saw the write: a fresh generation read whole, or a batch of the active one. */
function covers(c: AsOfCut, w: Write): boolean {
  return w.generation > c.compactedThrough && (w.generation < c.activeGeneration || (w.generation === c.activeGeneration && w.batchIndex < c.activeBatchCount));
}

function openWriter(table: Table): Promise<ShardWriter> {
  return ShardWriter.open(table, {
    shard: 0, rowGroupSize: 2, durability: 'durable', autoFlush: false, flushInWorker: false, maxMemtableRows: 1e9,
    flushRetry: { maxAttempts: 1, initialDelayMs: 0 },
  });
}

const ENGINES: MergeEngineName[] = ['deduplicate', 'partial-update', 'first-row', 'aggregate'];

describe('merge engines: every read equals a plain model of the engine, whatever tier the versions sit in', () => {
  const cases = ENGINES.flatMap((engine) => [false, true].map((sequence) => [engine, sequence] as const));
  it.each(cases)('%s, sequence field %s', async (engine, sequence) => {
    const seed = 0x13_00 + ENGINES.indexOf(engine) * 2 + (sequence ? 1 : 0);
    await fc.assert(fc.asyncProperty(fc.array(commands(engine), { minLength: 4, maxLength: 40 }), async (cmds) => {
      const h = await Harness.create(engine, sequence);
      for (const c of cmds) await h.run(c);
      await h.check();
    }), { seed, numRuns: RUNS });
  });
});
