/**
 * The SQL view over random histories of writes, flushes, compactions and schema changes
 * (issue 17), seeded: after each flush and at the end, the view of the newest version in
 * DuckDB equals the scan exactly. Each schema change is drawn from those the current schema
 * allows (add with or without a default, required or not; widen int16→int32→int64,
 * float32→float64, date32→timestamp[ms]; rename, the key too; drop; make-nullable), so
 * the live files come to span many schema versions.
 */
import type { SchemaChange, TableSchema } from '@freshtier/core';
import { compact } from '@freshtier/writer';
import { DateDay, Field, Float32, Float64, Int16, Int32, Int64, Schema, TimestampMillisecond, Type, Utf8, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Fixture, expectViewMatchesScan, removeSchemaDirs } from './duckdb-schema-support.js';

afterAll(removeSchemaDirs);

const START = new Schema([
  new Field('id', new Int64(), false), new Field('a', new Int16(), true), new Field('b', new Float32(), true),
  new Field('c', new Utf8(), false), new Field('d', new DateDay(), true),
]);

type Op = 'upsert' | 'delete' | 'flush' | 'compact' | 'evolve';

/** The wider type a column of `t` may take, if any. */
function wider(t: DataType): DataType | undefined {
  const x = t as DataType & { bitWidth?: number; precision?: number };
  if (t.typeId === Type.Int) return x.bitWidth === 16 ? new Int32() : x.bitWidth === 32 ? new Int64() : undefined;
  if (t.typeId === Type.Float) return x.precision === 1 ? new Float64() : undefined;
  if (t.typeId === Type.Date) return new TimestampMillisecond();
  return undefined;
}

/** A random column to add: a type, and maybe a default (then maybe required). */
function addition(name: string, pick: <T>(xs: readonly T[]) => T): SchemaChange {
  const [type, dflt] = pick([[new Int32(), -7], [new Float64(), -0], [new Float64(), Number.NaN], [new Utf8(), "it's"], [new DateDay(), -1n], [new Int16(), undefined], [new Utf8(), undefined]] as const);
  if (dflt === undefined) return { kind: 'add-column', name, type };
  return { kind: 'add-column', name, type, default: dflt, nullable: pick([true, false]) };
}

/** Every change the current schema allows, one of them drawn. */
function drawChange(ts: TableSchema, n: number, pick: <T>(xs: readonly T[]) => T): SchemaChange {
  const cols = ts.arrow.fields.filter((f) => !ts.primaryKey.includes(f.name));
  const choices: (() => SchemaChange)[] = [() => addition(`x${n}`, pick), () => ({ kind: 'rename-column', name: pick(ts.arrow.fields).name, to: `r${n}` })];
  const widenable = cols.filter((f) => wider(f.type));
  if (widenable.length) choices.push(() => { const f = pick(widenable); return { kind: 'widen-column', name: f.name, type: wider(f.type)! }; });
  if (cols.length > 1) choices.push(() => ({ kind: 'drop-column', name: pick(cols).name }));
  const required = cols.filter((f) => !f.nullable);
  if (required.length) choices.push(() => ({ kind: 'make-nullable', name: pick(required).name }));
  return pick(choices)();
}

describe('the DuckDB view over random histories with schema changes', () => {
  it('equals the scan after every flush (seeded)', { timeout: 300_000 }, async () => {
    const ops = fc.array(fc.constantFrom<Op>('upsert', 'upsert', 'delete', 'flush', 'compact', 'evolve', 'evolve'), { minLength: 8, maxLength: 18 });
    await fc.assert(fc.asyncProperty(ops, fc.integer({ min: 1, max: 1e6 }), async (history, seed) => {
      const f = await Fixture.create(START, 2, seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(f.next() * xs.length)];
      let changes = 0;
      for (const op of [...history, 'upsert', 'flush'] as Op[]) {
        if (op === 'upsert') await f.upsert(30, 80);
        else if (op === 'delete') await f.remove(8, 80);
        else if (op === 'compact') await compact(f.table, { shard: pick([0, 1]) });
        else if (op === 'evolve') await f.evolve(drawChange(f.table.schemaState, ++changes, pick));
        else {
          await f.flush();
          await expectViewMatchesScan(f.table);
        }
      }
      await f.close();
      expect(f.table.schemaVersion).toBe(changes);
    }), { seed: 1717, numRuns: 6 });
  });
});
