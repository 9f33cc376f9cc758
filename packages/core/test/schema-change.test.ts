/**
 * Schema changes (schema-change.ts): every allowed change and what it does to the columns,
 * field ids, versions, history, key and merge options; every refusal (a typed
 * `SchemaChangeRefusedError` saying why and what to do, the input state untouched); and a
 * seeded property over random change sequences: versions and field ids only grow and are
 * never reused, and every result passes the stored record's own consistency check.
 */
import {
  Binary, DateDay, DateMillisecond, Field, Float16, Float32, Float64, Int8, Int16, Int32, Int64, LargeBinary, LargeUtf8, Schema, TimestampMicrosecond,
  TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint8, Uint16, Uint32, Uint64, Utf8, type DataType,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFreshtierError } from '../src/errors.js';
import type { MergeSpec } from '../src/merge/merge-spec.js';
import { applySchemaChange, describeChange, schemaChangeSchema, type SchemaChange } from '../src/schema/schema-change.js';
import { initialTableSchema, schemaRecordOf, tableSchemaOf, type TableSchema } from '../src/schema/schema-record.js';

const SEED = Number(process.env.FRESHTIER_SEED ?? 1717);
const f = (name: string, type: DataType, nullable = true) => new Field(name, type, nullable);
const state = (fields: Field[], primaryKey: string[], spec: MergeSpec = {}) =>
  initialTableSchema({ primaryKey, ...spec }, new Schema(fields, new Map([['origin', 'test']])));

/** id (key), ts (sequence field), name, n (int32), req (required float32), d (date32), blob */
const DEDUP = state([f('id', new Int64(), false), f('ts', new Int64(), false), f('name', new Utf8()), f('n', new Int32()), f('req', new Float32(), false),
  f('d', new DateDay()), f('blob', new Binary())], ['id'], { sequenceField: 'ts' });
const AGG = state([f('k', new Int32(), false), f('clicks', new Int32()), f('label', new Utf8()), f('other', new Int64())], ['k'], { mergeEngine: 'aggregate', aggregates: { clicks: 'sum', label: 'max' } });
const PARTIAL = state([f('k', new Int32(), false), f('a', new Utf8())], ['k'], { mergeEngine: 'partial-update' });
const APPEND = state([f('only', new Int32())], []);

const byName = (ts: TableSchema, name: string) => ts.fields.find((x) => x.name === name);
const names = (ts: TableSchema, version: number) => Object.fromEntries(ts.history.get(version)!);
const stored = (ts: TableSchema) => JSON.stringify(schemaRecordOf(ts));

/** Applies `change`, expecting a refusal: returns its message and checks the state was not touched. */
function refusal(ts: TableSchema, change: SchemaChange): string {
  const before = stored(ts);
  try {
    applySchemaChange(ts, change);
  } catch (e) {
    expect(isFreshtierError(e, 'SCHEMA_CHANGE_REFUSED'), String(e)).toBe(true);
    expect(stored(ts)).toBe(before);
    return (e as Error).message;
  }
  throw new Error(`${describeChange(change)} was not refused`);
}

describe('allowed changes', () => {
  it('add-column: a new id after lastFieldId, version lastVersion + 1, history grows, metadata kept', () => {
    const next = applySchemaChange(DEDUP, { kind: 'add-column', name: 'score', type: new Float64(), default: 1.5 });
    expect([next.version, next.lastVersion, next.lastFieldId]).toEqual([1, 1, 8]);
    expect(byName(next, 'score')).toEqual({ id: 8, name: 'score', type: 'Float64', nullable: true, default: '1.5' });
    expect(String(next.arrow.fields[7].type)).toBe('Float64');
    expect(next.arrow.metadata.get('origin')).toBe('test');
    expect(names(next, 0)).toEqual(names(DEDUP, 0));
    expect(names(next, 1)).toEqual({ ...names(DEDUP, 0), score: 8 });
    expect(tableSchemaOf(schemaRecordOf(next), 'm').fields).toEqual(next.fields);
  });

  it('add-column: required with a default; an aggregate table takes a function, or none (last-non-null)', () => {
    expect(byName(applySchemaChange(DEDUP, { kind: 'add-column', name: 'c', type: new Int64(), nullable: false, default: 2n ** 63n - 1n }), 'c'))
      .toEqual({ id: 8, name: 'c', type: 'Int64', nullable: false, default: '9223372036854775807' });
    expect(applySchemaChange(AGG, { kind: 'add-column', name: 'views', type: new Int64(), aggregate: 'sum' }).mergeSpec.aggregates).toEqual({ clicks: 'sum', label: 'max', views: 'sum' });
    expect(applySchemaChange(AGG, { kind: 'add-column', name: 'seen', type: new Utf8() }).mergeSpec.aggregates).toEqual({ clicks: 'sum', label: 'max' });
    expect(byName(applySchemaChange(PARTIAL, { kind: 'add-column', name: 'b', type: new Utf8() }), 'b')?.nullable).toBe(true);
  });

  const WIDENINGS: [DataType, DataType][] = [
    [new Int8(), new Int16()], [new Int8(), new Int64()], [new Int16(), new Int32()], [new Int32(), new Int64()], [new Uint8(), new Uint16()], [new Uint8(), new Int16()],
    [new Uint16(), new Uint64()], [new Uint32(), new Int64()], [new Float16(), new Float64()], [new Float32(), new Float64()], [new DateDay(), new TimestampSecond()],
    [new DateDay(), new TimestampMillisecond('UTC')], [new DateMillisecond(), new TimestampMillisecond()], [new Utf8(), new LargeUtf8()], [new Binary(), new LargeBinary()],
  ];
  it.each(WIDENINGS.map(([a, b]) => [String(a), String(b), a, b] as const))('widen-column %s → %s keeps the id and nullability', (_a, _b, from, to) => {
    const ts = state([f('k', new Int32(), false), f('c', from, false)], ['k']);
    const next = applySchemaChange(ts, { kind: 'widen-column', name: 'c', type: to });
    expect(byName(next, 'c')).toEqual({ id: 2, name: 'c', type: String(to), nullable: false });
    expect([String(next.arrow.fields[1].type), next.arrow.fields[1].nullable, next.version]).toEqual([String(to), false, 1]);
    expect(names(next, 1)).toEqual(names(ts, 0));
  });

  it('widen-column carries the default over exactly (a date becomes its midnight in the timestamp unit)', () => {
    const withDefaults = [
      { kind: 'add-column', name: 'day', type: new DateDay(), default: -2 }, { kind: 'add-column', name: 'ms', type: new DateMillisecond(), default: 86_400_000n },
      { kind: 'add-column', name: 'i', type: new Int32(), default: -5 }, { kind: 'add-column', name: 'x', type: new Float32(), default: -0 },
    ] as const;
    const ts = withDefaults.reduce((s, c) => applySchemaChange(s, c), APPEND);
    const widen = (s: TableSchema, name: string, type: DataType) => applySchemaChange(s, { kind: 'widen-column', name, type });
    const next = widen(widen(widen(widen(ts, 'day', new TimestampSecond()), 'ms', new TimestampMillisecond()), 'i', new Int64()), 'x', new Float64());
    expect(['day', 'ms', 'i', 'x'].map((n) => byName(next, n)?.default)).toEqual(['-172800', '86400000', '-5', '-0']);
    expect(byName(widen(ts, 'day', new TimestampMillisecond('UTC')), 'day')?.default).toBe('-172800000');
  });

  it('widen-column of an aggregated column keeps its function when it still fits (sum on Int32 → Int64)', () => {
    expect(applySchemaChange(AGG, { kind: 'widen-column', name: 'clicks', type: new Int64() }).mergeSpec.aggregates).toEqual({ clicks: 'sum', label: 'max' });
  });

  it('rename-column: the id stays; the key, the sequence field and aggregates follow; history keeps both names', () => {
    const key = applySchemaChange(DEDUP, { kind: 'rename-column', name: 'id', to: 'user_id' });
    expect([key.primaryKey, byName(key, 'user_id')?.id, names(key, 0).id, names(key, 1).user_id, names(key, 1).id]).toEqual([['user_id'], 1, 1, 1, undefined]);
    const seq = applySchemaChange(key, { kind: 'rename-column', name: 'ts', to: 'seq' });
    expect([seq.mergeSpec.sequenceField, seq.version, seq.history.size]).toEqual(['seq', 2, 3]);
    const agg = applySchemaChange(AGG, { kind: 'rename-column', name: 'clicks', to: 'taps' });
    expect(agg.mergeSpec.aggregates).toEqual({ taps: 'sum', label: 'max' });
    expect(agg.arrow.fields.map((x) => x.name)).toEqual(['k', 'taps', 'label', 'other']);
  });

  it('drop-column: the column and its aggregate go; the last non-key column may go', () => {
    const agg = applySchemaChange(AGG, { kind: 'drop-column', name: 'clicks' });
    expect([agg.mergeSpec.aggregates, agg.arrow.fields.map((x) => x.name), agg.fields.map((x) => x.id)]).toEqual([{ label: 'max' }, ['k', 'label', 'other'], [1, 3, 4]]);
    const bare = applySchemaChange(agg, { kind: 'drop-column', name: 'label' });
    expect(bare.mergeSpec).toEqual({ mergeEngine: 'aggregate' });
    expect(applySchemaChange(PARTIAL, { kind: 'drop-column', name: 'a' }).arrow.fields.map((x) => x.name)).toEqual(['k']);
  });

  it('make-nullable: a required non-key column', () => {
    const next = applySchemaChange(DEDUP, { kind: 'make-nullable', name: 'req' });
    expect([byName(next, 'req')?.nullable, next.arrow.fields[4].nullable, String(next.arrow.fields[4].type)]).toEqual([true, true, 'Float32']);
  });

  it('ids and versions are never reused: add x, drop x, add x again gives x a new id', () => {
    const one = applySchemaChange(APPEND, { kind: 'add-column', name: 'x', type: new Int32() });
    const two = applySchemaChange(one, { kind: 'drop-column', name: 'x' });
    const three = applySchemaChange(two, { kind: 'add-column', name: 'x', type: new Utf8() });
    expect([byName(one, 'x')?.id, byName(three, 'x')?.id, three.lastFieldId, three.version]).toEqual([2, 3, 3, 3]);
    expect([0, 1, 2, 3].map((v) => names(three, v))).toEqual([{ only: 1 }, { only: 1, x: 2 }, { only: 1 }, { only: 1, x: 3 }]);
    // a state rolled back to version 1 but remembering lastVersion/lastFieldId 3 still numbers on
    const rolledBack = { ...one, lastVersion: 3, lastFieldId: 3, history: three.history, parents: three.parents };
    const four = applySchemaChange(rolledBack, { kind: 'add-column', name: 'y', type: new Int32() });
    expect([four.version, byName(four, 'y')?.id, four.history.size]).toEqual([4, 4, 5]);
  });
});

describe('refusals: a typed error saying why and what to do; the state is untouched', () => {
  const REFUSED: [string, TableSchema, SchemaChange, RegExp][] = [
    ['narrowing int64 → int32', AGG, { kind: 'widen-column', name: 'other', type: new Int32() }, /Int64 → Int32 is not a widening.*not wider.*Widen only int8→int16/],
    ['the same type', DEDUP, { kind: 'widen-column', name: 'n', type: new Int32() }, /Int32 already/],
    ['float64 → float32', state([f('x', new Float64())], []), { kind: 'widen-column', name: 'x', type: new Float32() }, /widens only to Float64/],
    ['float32 → float16', DEDUP, { kind: 'widen-column', name: 'req', type: new Float16() }, /widens only to Float64/],
    ['utf8 → int', DEDUP, { kind: 'widen-column', name: 'name', type: new Int32() }, /Utf8 does not widen to Int32/],
    ['int → float', DEDUP, { kind: 'widen-column', name: 'n', type: new Float64() }, /Int32 does not widen to Float64/],
    ['signed → unsigned', DEDUP, { kind: 'widen-column', name: 'n', type: new Uint64() }, /unsigned type cannot hold negative/],
    ['uint64 → int64', state([f('u', new Uint64())], []), { kind: 'widen-column', name: 'u', type: new Int64() }, /not wider/],
    ['date32 → timestamp[us]', DEDUP, { kind: 'widen-column', name: 'd', type: new TimestampMicrosecond() }, /finer than milliseconds/],
    ['date32 → timestamp[ns]', DEDUP, { kind: 'widen-column', name: 'd', type: new TimestampNanosecond() }, /finer than milliseconds/],
    ['date32 → timestamp[s, +01:00]', DEDUP, { kind: 'widen-column', name: 'd', type: new TimestampSecond('+01:00') }, /time zone \+01:00/],
    ['date64 → timestamp[s]', state([f('d', new DateMillisecond())], []), { kind: 'widen-column', name: 'd', type: new TimestampSecond() }, /need not be a whole second/],
    ['date32 → date64', DEDUP, { kind: 'widen-column', name: 'd', type: new DateMillisecond() }, /widens only to a timestamp/],
    ['large_utf8 → utf8', state([f('s', new LargeUtf8())], []), { kind: 'widen-column', name: 's', type: new Utf8() }, /does not widen/],
    ['widening a key', DEDUP, { kind: 'widen-column', name: 'id', type: new Int64() }, /"id" is a primary-key column.*Key columns can only be renamed/],
    ['widening the sequence field', state([f('k', new Int32(), false), f('s', new Int32(), false)], ['k'], { sequenceField: 's' }), { kind: 'widen-column', name: 's', type: new Int64() }, /"s" is the sequence field/],
    ['widening a missing column', DEDUP, { kind: 'widen-column', name: 'nope', type: new Int64() }, /no column "nope" \(its columns: id, ts, name/],
    ['dropping a key', DEDUP, { kind: 'drop-column', name: 'id' }, /drop-column id\): "id" is a primary-key column.*Key columns can only be renamed; the table was not changed/],
    ['dropping the sequence field', DEDUP, { kind: 'drop-column', name: 'ts' }, /"ts" is the sequence field/],
    ['dropping the only column', APPEND, { kind: 'drop-column', name: 'only' }, /only column/],
    ['renaming to a taken name', DEDUP, { kind: 'rename-column', name: 'n', to: 'name' }, /"name" is named twice/],
    ['renaming to an _ft_ name', DEDUP, { kind: 'rename-column', name: 'n', to: '_ft_tombstone' }, /prefix reserved/],
    ['renaming to an empty name', DEDUP, { kind: 'rename-column', name: 'n', to: '' }, /cannot be empty/],
    ['renaming to its own name', DEDUP, { kind: 'rename-column', name: 'n', to: 'n' }, /named "n" already/],
    ['adding a non-null column without a default', DEDUP, { kind: 'add-column', name: 'c', type: new Int32(), nullable: false }, /needs a default.*Give a default, or add the column as nullable/],
    ['adding a taken name', DEDUP, { kind: 'add-column', name: 'name', type: new Int32() }, /"name" is named twice/],
    ['adding an _ft_ name', DEDUP, { kind: 'add-column', name: '_ft_seq_x', type: new Int32() }, /prefix reserved/],
    ['adding an empty name', DEDUP, { kind: 'add-column', name: '', type: new Int32() }, /cannot be empty/],
    ['adding a default that does not fit', DEDUP, { kind: 'add-column', name: 'c', type: new Float32(), default: 0.1 }, /not a value of Float32/],
    ['an aggregate function on a deduplicate table', DEDUP, { kind: 'add-column', name: 'c', type: new Int32(), aggregate: 'sum' }, /only an aggregate table.*engine is deduplicate/],
    ['an aggregate function that does not fit the type', AGG, { kind: 'add-column', name: 'c', type: new Utf8(), aggregate: 'sum' }, /aggregates\.c: sum takes an integer column/],
    ['a required column under partial-update', PARTIAL, { kind: 'add-column', name: 'c', type: new Int32(), nullable: false, default: 0 }, /partial-update.*make "c" nullable/],
    ['make-nullable on a key', DEDUP, { kind: 'make-nullable', name: 'id' }, /primary-key column/],
    ['make-nullable on the sequence field', DEDUP, { kind: 'make-nullable', name: 'ts' }, /sequence field, which must hold a value/],
    ['make-nullable on a nullable column', DEDUP, { kind: 'make-nullable', name: 'name' }, /nullable already/],
    ['an unknown kind', DEDUP, { kind: 'retype-column', name: 'n' } as unknown as SchemaChange, /not a kind of schema change/],
  ];
  it.each(REFUSED)('%s', (_name, ts, change, message) => {
    expect(refusal(ts, change)).toMatch(message);
  });
});

describe('the boundary schema', () => {
  it('takes each kind with a DataType; refuses unknown fields, kinds and a type that is not an Arrow DataType', () => {
    expect(schemaChangeSchema.safeParse({ kind: 'add-column', name: 'a', type: new Int32(), default: 5n }).success).toBe(true);
    expect(schemaChangeSchema.safeParse({ kind: 'rename-column', name: 'a', to: 'b' }).success).toBe(true);
    expect(schemaChangeSchema.safeParse({ kind: 'drop-column', name: 'a', to: 'b' }).success).toBe(false);
    expect(schemaChangeSchema.safeParse({ kind: 'add-column', name: 'a', type: 'Int32' }).success).toBe(false);
    expect(schemaChangeSchema.safeParse({ kind: 'add-column', name: 'a', type: {} }).success).toBe(false);
    expect(schemaChangeSchema.safeParse({ kind: 'retype', name: 'a' }).success).toBe(false);
    expect(describeChange({ kind: 'rename-column', name: 'a', to: 'b' })).toBe('rename-column a → b');
  });
});

describe('property: random change sequences (seeded)', () => {
  const TYPES = [new Int8(), new Int32(), new Float32(), new DateDay(), new Utf8(), new Int64(), new Float64(), new TimestampSecond(), new LargeUtf8()];
  const change = fc.record({ kind: fc.constantFrom('add-column', 'widen-column', 'rename-column', 'drop-column', 'make-nullable'), pick: fc.nat(9), name: fc.constantFrom('a', 'b', 'c', 'id', '_ft_x', ''), type: fc.constantFrom(...TYPES), nullable: fc.boolean() });

  it('versions and ids only grow and are never reused; every result is a consistent record; a refusal changes nothing', () => {
    const applied = new Map<string, number>(); // each kind must be taken sometimes, or the property tests refusals only
    fc.assert(fc.property(fc.array(change, { maxLength: 25 }), (steps) => {
      let ts = state([f('id', new Int32(), false), f('v', new Int8(), false)], ['id']);
      const everId = new Map<number, string>([[1, 'Int32'], [2, 'Int8']]);
      for (const s of steps) {
        const target = ts.arrow.fields[s.pick % ts.arrow.fields.length].name;
        const c = ({ 'add-column': { kind: s.kind, name: s.name, type: s.type, nullable: s.nullable, ...(s.nullable ? {} : { default: 1 }) }, 'rename-column': { kind: s.kind, name: target, to: s.name } } as Record<string, unknown>)[s.kind]
          ?? (s.kind === 'widen-column' ? { kind: s.kind, name: target, type: s.type } : { kind: s.kind, name: target });
        const before = stored(ts);
        let next: TableSchema;
        try {
          next = applySchemaChange(ts, c as SchemaChange);
        } catch (e) {
          expect(isFreshtierError(e, 'SCHEMA_CHANGE_REFUSED'), String(e)).toBe(true);
          expect(stored(ts)).toBe(before);
          continue;
        }
        expect([next.version, next.lastVersion]).toEqual([ts.lastVersion + 1, ts.lastVersion + 1]);
        expect(next.history.size).toBe(ts.history.size + 1);
        for (const field of next.fields) {
          if (!ts.fields.some((o) => o.id === field.id)) expect(field.id).toBe(ts.lastFieldId + 1); // a new column takes a fresh id
          everId.set(field.id, field.type);
        }
        expect(next.primaryKey.every((k) => next.fields.some((x) => x.name === k))).toBe(true);
        expect(stored(tableSchemaOf(schemaRecordOf(next), 'm'))).toBe(stored(next)); // Arrow IPC gives other classes: compare stored forms
        applied.set(s.kind, (applied.get(s.kind) ?? 0) + 1);
        ts = next;
      }
      expect(ts.lastFieldId).toBe(Math.max(...everId.keys()));
    }), { seed: SEED, numRuns: 300 });
    for (const kind of ['add-column', 'widen-column', 'rename-column', 'drop-column', 'make-nullable']) expect(applied.get(kind) ?? 0, kind).toBeGreaterThan(5);
  });
});
