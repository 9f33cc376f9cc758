/**
 * Model-based property test of schema evolution (issue 17). Random histories of puts
 * (upserts), bulk ingests, deletes, freezes, flushes, compactions, writer reopens and schema
 * changes of every kind (add nullable / with a default / non-null with a default, widen int8→16→32→64,
 * float32→64, date32→timestamp(ms), utf8→large_utf8, rename — the key too —, drop, make
 * nullable; dropped and renamed-away names are reused) run against `SchemaModel`, a plain
 * map of field id → value that projects with ids. After every step `scan()`, `get()` of
 * present and absent keys, and a tailing reader on a fresh handle equal the model exactly
 * (bigints, -0, NaN, nulls, the Arrow types). After a change the old writer is closed,
 * abandoned (a crash: the new writer replays its WAL entries of the older schema), or kept
 * through a flush, after which its put must fail with SchemaChangedError. Versions pinned
 * before a change are checked out at the end: their own schema and rows. Two engines:
 * deduplicate, and partial-update (a null keeps the older value, or an added column's default).
 */
import { MemoryStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardWriter, checkout, compact, evolveSchema, head, type TableVersion } from '../src/index.js';
import { batchOf } from './support/columns.js';
import { SchemaModel, describeSchema, seenRows, type ModelEngine, type Seen } from './support/schema-model.js';
import { arrowType } from './support/schema-values.js';
import { prng } from '../../../reliability/src/data.js';

const KEYS = 24;

type After = 'close' | 'crash' | 'stale';
type Op =
  | { kind: 'put'; ids: number[]; seed: number }
  | { kind: 'ingest'; ids: number[]; seed: number }
  | { kind: 'delete'; ids: number[] }
  | { kind: 'freeze' }
  | { kind: 'flush' }
  | { kind: 'compact'; maxFileRows: number }
  | { kind: 'reopen'; clean: boolean }
  | { kind: 'schema'; choice: number; seed: number; after: After; pin: boolean };

const ids = fc.uniqueArray(fc.integer({ min: 0, max: KEYS - 1 }), { minLength: 1, maxLength: 8 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('put' as const), ids, seed: fc.nat() }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('ingest' as const), ids, seed: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), ids }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'freeze' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'flush' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('compact' as const), maxFileRows: fc.integer({ min: 2, max: 16 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('reopen' as const), clean: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('schema' as const), choice: fc.nat({ max: 6 }), seed: fc.nat(),
      after: fc.constantFrom<After>('close', 'crash', 'stale'), pin: fc.boolean(),
    }),
    weight: 4,
  },
);

/** A version pinned before a change, with what it must read. */
interface Pin { version: TableVersion; rows: Seen[]; schema: string[]; model: SchemaModel }

class Harness {
  readonly store = new MemoryStore();
  readonly model: SchemaModel;
  readonly pins: Pin[] = [];
  table!: Table;
  writer!: ShardWriter;

  private constructor(engine: ModelEngine) {
    this.model = SchemaModel.initial(engine);
  }

  static async create(engine: ModelEngine): Promise<Harness> {
    const h = new Harness(engine);
    const { batch } = h.model.batch([], prng(1));
    h.table = await Table.create(h.store, { schema: batch.schema, primaryKey: ['id'], shards: 1, mergeEngine: engine });
    h.writer = await Harness.open(h.table);
    return h;
  }

  static open(table: Table): Promise<ShardWriter> {
    return ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false, rowGroupSize: 4 });
  }

  async run(o: Op): Promise<void> {
    switch (o.kind) {
      case 'put':
      case 'ingest': {
        const { batch, rows } = this.model.batch(o.ids, prng(o.seed));
        await (o.kind === 'put' ? this.writer.put(batch) : this.writer.ingest(batch));
        return this.model.put(rows);
      }
      case 'delete':
        await this.writer.delete(batchOf([[this.model.keyName, arrowType('int64'), o.ids.map(BigInt), false]]));
        return this.model.delete(o.ids);
      case 'freeze':
        this.writer.freeze();
        return;
      case 'flush':
        return this.writer.flush();
      case 'compact':
        return this.compact(o.maxFileRows);
      case 'reopen':
        if (o.clean) await this.writer.close();
        this.table = await Table.open(this.store);
        this.writer = await Harness.open(this.table);
        return;
      case 'schema':
        return this.change(o);
    }
  }

  /** Compacts shard 0; the base files it writes record the current schema version. */
  private async compact(maxFileRows: number): Promise<void> {
    const before = new Set((await this.table.baseManifests.latest()).doc.files.map((f) => f.path));
    await compact(this.table, { shard: 0, maxFileRows, rowGroupSize: 4 });
    const added = (await this.table.baseManifests.latest()).doc.files.filter((f) => !before.has(f.path));
    expect(added.map((f) => (f as { schemaVersion?: number }).schemaVersion ?? 0), 'compacted files record the current schema version')
      .toEqual(added.map(() => this.model.version));
  }

  private async change(o: Extract<Op, { kind: 'schema' }>): Promise<void> {
    if (o.pin) await this.pin();
    // a stale writer learns of the change at a flush that commits (an empty one: schema-evolution-readers.test.ts)
    if (o.after === 'stale') await this.run({ kind: 'put', ids: [o.seed % KEYS, (o.seed + 1) % KEYS], seed: o.seed });
    const old = { writer: this.writer, model: this.model.clone() };
    const change = this.model.randomChange(prng(o.seed), o.choice);
    this.table = await evolveSchema(this.table, change);
    expect(this.table.schemaVersion, JSON.stringify(change, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(this.model.version);
    if (o.after === 'close') await old.writer.close();
    if (o.after === 'stale') await this.stalePut(old.writer, old.model);
    this.writer = await Harness.open(this.table); // 'crash': fences the old writer, replays its entries
  }

  /** A stale writer flushes what it acked, then its put is refused (SCHEMA_CHANGED, reopen). */
  private async stalePut(writer: ShardWriter, model: SchemaModel): Promise<void> {
    await writer.flush();
    const err = await writer.put(model.batch([0, 1], prng(7)).batch).then(() => undefined, (e: unknown) => e);
    expect(isFreshtierError(err, 'SCHEMA_CHANGED'), `a stale writer's put: expected SCHEMA_CHANGED, got ${String(err)}`).toBe(true);
    expect((err as Error).message).toMatch(/reopen/i);
    await writer.close();
  }

  private async pin(): Promise<void> {
    await this.writer.flush(); // a pinned version reads committed data only
    const snap = this.model.clone();
    this.pins.push({ version: await head(this.table), rows: snap.rows(), schema: snap.describe(), model: snap });
  }

  async check(step: string, seed: number): Promise<void> {
    const scanner = new LsmScanner(this.table, { writers: [this.writer] });
    const all = await scanner.scan().toTable();
    expect(describeSchema(all), step).toEqual(this.model.describe());
    expect(seenRows(all, this.model), step).toEqual(this.model.rows());
    const rng = prng(seed);
    const probe = [...new Set(Array.from({ length: 5 }, () => rng.int(0, KEYS + 4)))];
    const got = await scanner.get(probe.map((id) => ({ [this.model.keyName]: BigInt(id) })));
    expect(seenRows(got, this.model), `${step} get ${probe}`).toEqual(this.model.rows(probe));
    const tail = await new LsmScanner(await Table.open(this.store), { tail: true }).scan().toTable();
    expect(seenRows(tail, this.model), `${step} (tailing reader)`).toEqual(this.model.rows());
  }

  async checkPins(): Promise<void> {
    for (const p of this.pins) {
      const t = await (await checkout(this.table, p.version)).scan().toTable();
      expect(describeSchema(t), `pinned ${JSON.stringify(p.version)}`).toEqual(p.schema);
      expect(seenRows(t, p.model), `pinned ${JSON.stringify(p.version)}`).toEqual(p.rows);
    }
  }
}

const show = (o: Op) => JSON.stringify(o);

const RUNS: [ModelEngine, number, number][] = [['deduplicate', 1701, 60], ['partial-update', 1702, 25]];

describe('schema evolution against a model', () => {
  for (const [engine, seed, runs] of RUNS) {
    it(`${engine}: scan, get and a tailing reader equal the model after every write, flush, compaction, reopen and schema change`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 22 }), async (ops) => {
          const h = await Harness.create(engine);
          for (let i = 0; i < ops.length; i++) {
            await h.run(ops[i]);
            await h.check(`after step ${i}: ${show(ops[i])} of ${ops.map(show).join(' ')}`, i);
          }
          await h.writer.close();
          h.table = await Table.open(h.store);
          h.writer = await Harness.open(h.table);
          await compact(h.table, { shard: 0 });
          await h.check('after a final reopen and compaction', 99);
          await h.checkPins();
          await h.writer.close();
        }),
        { seed, numRuns: Number(process.env.FRESHTIER_MODEL_RUNS ?? runs) },
      );
    }, 120_000);
  }
});
