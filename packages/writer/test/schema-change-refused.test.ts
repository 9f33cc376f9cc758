/**
 * Refused schema changes (issue 17): each gives `SchemaChangeRefusedError` (code
 * SCHEMA_CHANGE_REFUSED) naming the column, and leaves every stored object byte-identical
 * (every object under the root hashed before and after). The table holds base files, a
 * flushed generation, WAL entries and a tag when the change is tried, and stays writable.
 * A table-driven test goes through every pair of column types: a widening is accepted
 * exactly when the contract lists it, every other pair is refused unchanged.
 */
import { MemoryStore, Table, type ObjectStore } from '@freshtier/core';
import {
  Binary, Bool, DateDay, DateMillisecond, Field, Float16, Float32, Float64, Int16, Int32, Int64, Int8, LargeBinary, LargeUtf8, Schema,
  TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Timestamp, TimeUnit, Uint16, Uint32, Uint64, Uint8, Utf8, type DataType,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ShardWriter, compact, evolveSchema, tag } from '../src/index.js';
import type { Change } from './support/schema-model.js';
import { expectCode, refusedUnchanged } from './support/refusals.js';
import { rowsBatch, schema } from './support/fixtures.js';

/** A table of `schema` with base files, a flushed generation, WAL entries after replayAfter and a tag. */
async function busyTable(store: ObjectStore, opts: Omit<Parameters<typeof Table.create>[1], 'schema'> & { schema?: Schema; put?: () => import('apache-arrow').RecordBatch } = {}): Promise<Table> {
  const { put = () => rowsBatch([1, 2, 3], 5), ...create } = opts;
  const table = await Table.create(store, { schema, primaryKey: ['id'], ...create });
  const w = await ShardWriter.open(table, { shard: 0, autoFlush: false });
  await w.put(put());
  await w.flush();
  await compact(table, { shard: 0 });
  await w.put(put());
  await w.flush();
  await tag(table, 'before');
  await w.put(put()); // in the WAL only: the writer is abandoned, not closed
  return table;
}

/** `change` on `table` is refused with SCHEMA_CHANGE_REFUSED, mentions `mentions`, and changes no byte. */
async function expectRefused(store: ObjectStore, table: Table, change: Change, ...mentions: string[]): Promise<void> {
  const err = await refusedUnchanged(store, () => evolveSchema(table, change));
  expectCode(err, 'SCHEMA_CHANGE_REFUSED');
  // each name as a whole word (the test columns have one-letter names)
  for (const m of mentions) expect(err.message, `the message names ${m}`).toMatch(new RegExp(`(^|[^\\w])${m}([^\\w]|$)`));
  expect((await Table.open(store)).schemaVersion).toBe(table.schemaVersion);
}

const CASES: [what: string, change: Change, mentions: string[]][] = [
  ['narrowing Int32 to Int8', { kind: 'widen-column', name: 'v', type: new Int8() }, ['v']],
  ['narrowing Int64 to Int32 (the key)', { kind: 'widen-column', name: 'id', type: new Int32() }, ['id']],
  ['"widening" to the same type', { kind: 'widen-column', name: 'v', type: new Int32() }, ['v']],
  ['Int32 to Float64 (another family)', { kind: 'widen-column', name: 'v', type: new Float64() }, ['v']],
  ['Int32 to Utf8', { kind: 'widen-column', name: 'v', type: new Utf8() }, ['v']],
  ['Utf8 to Int64', { kind: 'widen-column', name: 's', type: new Int64() }, ['s']],
  ['large_utf8 back to utf8 is not a widening, nor utf8 to binary', { kind: 'widen-column', name: 's', type: new Binary() }, ['s']],
  ['Int32 to Uint64 (signed to unsigned)', { kind: 'widen-column', name: 'v', type: new Uint64() }, ['v']],
  ['widening the key column', { kind: 'widen-column', name: 'id', type: new Int64() }, ['id']],
  ['dropping the key column', { kind: 'drop-column', name: 'id' }, ['id']],
  ['adding a non-null column without a default', { kind: 'add-column', name: 'n', type: new Int32(), nullable: false }, ['n']],
  ['adding a column under a taken name', { kind: 'add-column', name: 'v', type: new Int32() }, ['v']],
  ['adding a column under a reserved _ft_ name', { kind: 'add-column', name: '_ft_x', type: new Int32() }, ['_ft_x']],
  ['adding an aggregate on a deduplicate table', { kind: 'add-column', name: 'n', type: new Int32(), aggregate: 'sum' }, ['n']],
  ['renaming to a taken name', { kind: 'rename-column', name: 'v', to: 's' }, ['s']],
  ['renaming the key to a taken name', { kind: 'rename-column', name: 'id', to: 'v' }, ['v']],
  ['renaming to the same name', { kind: 'rename-column', name: 'v', to: 'v' }, ['v']],
  ['renaming to a reserved _ft_ name', { kind: 'rename-column', name: 'v', to: '_ft_v' }, ['_ft_v']],
  ['renaming a column that does not exist', { kind: 'rename-column', name: 'nope', to: 'x' }, ['nope']],
  ['dropping a column that does not exist', { kind: 'drop-column', name: 'nope' }, ['nope']],
  ['widening a column that does not exist', { kind: 'widen-column', name: 'nope', type: new Int64() }, ['nope']],
  ['make-nullable on the key', { kind: 'make-nullable', name: 'id' }, ['id']],
  ['make-nullable on a column that is nullable already', { kind: 'make-nullable', name: 'v' }, ['v']],
];

describe('refused schema changes leave the table byte-identical', () => {
  for (const [what, change, mentions] of CASES) {
    it(what, async () => {
      const store = new MemoryStore();
      const table = await busyTable(store);
      await expectRefused(store, table, change, ...mentions);
    });
  }

  it('bad defaults: out of range, fractional, or of another type', async () => {
    const store = new MemoryStore();
    const table = await busyTable(store);
    const bad: Change[] = [
      { kind: 'add-column', name: 'n', type: new Int8(), default: 128 },
      { kind: 'add-column', name: 'n', type: new Int8(), nullable: false, default: -129n },
      { kind: 'add-column', name: 'n', type: new Int32(), default: 1.5 },
      { kind: 'add-column', name: 'n', type: new Int64(), default: 2 ** 53 + 2 }, // a number beyond 2^53 is not taken as an exact integer
      { kind: 'add-column', name: 'n', type: new Int64(), default: 'abc' },
      { kind: 'add-column', name: 'n', type: new Int32(), default: Number.NaN },
      { kind: 'add-column', name: 'n', type: new Uint8(), default: -1 },
      { kind: 'add-column', name: 'n', type: new DateDay(), default: 0.5 },
      { kind: 'add-column', name: 'n', type: new Utf8(), default: 3 },
      { kind: 'add-column', name: 'n', type: new Bool(), default: 'true' },
      { kind: 'add-column', name: 'n', type: new Float32(), default: 0.1 }, // not a float32: it would be rounded
    ];
    for (const change of bad) await expectRefused(store, table, change, 'n');
  });

  it('a sequence field can be renamed but not dropped, widened or made nullable', async () => {
    const seqSchema = new Schema([...schema.fields, new Field('ts', new Int32(), false)]);
    const store = new MemoryStore();
    const { batchOf } = await import('./support/columns.js');
    const put = () => batchOf([['id', new Int64(), [1n, 2n], false], ['v', new Int32(), [1, 2]], ['s', new Utf8(), ['a', 'b']], ['ts', new Int32(), [7, 8], false]]);
    const table = await busyTable(store, { schema: seqSchema, sequenceField: 'ts', put });
    await expectRefused(store, table, { kind: 'drop-column', name: 'ts' }, 'ts');
    await expectRefused(store, table, { kind: 'widen-column', name: 'ts', type: new Int64() }, 'ts');
    await expectRefused(store, table, { kind: 'make-nullable', name: 'ts' }, 'ts');
    const renamed = await evolveSchema(table, { kind: 'rename-column', name: 'ts', to: 'seq' });
    expect(renamed.mergeSpec.sequenceField).toBe('seq');
  });

  it('partial-update refuses a non-null added column; aggregate checks the function', async () => {
    const store = new MemoryStore();
    const table = await busyTable(store, { mergeEngine: 'partial-update' });
    await expectRefused(store, table, { kind: 'add-column', name: 'n', type: new Int32(), nullable: false, default: 1 }, 'n');
    const agg = new MemoryStore();
    const aggTable = await busyTable(agg, { mergeEngine: 'aggregate', aggregates: { v: 'sum' } });
    await expectRefused(agg, aggTable, { kind: 'add-column', name: 'n', type: new Utf8(), aggregate: 'sum' }, 'n');
  });
});

const TYPES: [string, DataType][] = [
  ['int8', new Int8()], ['int16', new Int16()], ['int32', new Int32()], ['int64', new Int64()],
  ['uint8', new Uint8()], ['uint16', new Uint16()], ['uint32', new Uint32()], ['uint64', new Uint64()],
  ['float16', new Float16()], ['float32', new Float32()], ['float64', new Float64()],
  ['date32', new DateDay()], ['date64', new DateMillisecond()],
  ['ts_s', new TimestampSecond()], ['ts_ms', new TimestampMillisecond()], ['ts_us', new TimestampMicrosecond()], ['ts_ns', new TimestampNanosecond()],
  ['ts_ms_utc', new Timestamp(TimeUnit.MILLISECOND, 'UTC')], ['ts_ms_paris', new Timestamp(TimeUnit.MILLISECOND, 'Europe/Paris')],
  ['utf8', new Utf8()], ['large_utf8', new LargeUtf8()], ['binary', new Binary()], ['large_binary', new LargeBinary()], ['bool', new Bool()],
];

const INT_BITS: Record<string, [bits: number, signed: boolean]> = {
  int8: [8, true], int16: [16, true], int32: [32, true], int64: [64, true], uint8: [8, false], uint16: [16, false], uint32: [32, false], uint64: [64, false],
};

/** The contract's widenings (docs: issue 17 spec; date64 → timestamp[s] refused, a date64 need not be a whole second). */
function allowed(from: string, to: string): boolean {
  const [fi, ti] = [INT_BITS[from], INT_BITS[to]];
  if (fi && ti) return ti[0] > fi[0] && (ti[1] || !fi[1]);
  if (from === 'float16' || from === 'float32') return to === 'float64';
  if (from === 'date32') return ['ts_s', 'ts_ms', 'ts_ms_utc'].includes(to);
  if (from === 'date64') return ['ts_ms', 'ts_ms_utc'].includes(to);
  return (from === 'utf8' && to === 'large_utf8') || (from === 'binary' && to === 'large_binary');
}

describe('widening: every pair of column types', () => {
  for (const [from, fromType] of TYPES) {
    it(`from ${from}`, async () => {
      const colSchema = new Schema([new Field('id', new Int64(), false), new Field('c', fromType, true)]);
      const store = new MemoryStore();
      const table = await Table.create(store, { schema: colSchema, primaryKey: ['id'] });
      for (const [to, toType] of TYPES) {
        const change: Change = { kind: 'widen-column', name: 'c', type: toType };
        if (!allowed(from, to)) {
          await expectRefused(store, table, change, 'c');
          continue;
        }
        const fresh = await Table.create(new MemoryStore(), { schema: colSchema, primaryKey: ['id'] });
        const widened = await evolveSchema(fresh, change);
        expect(String(widened.schema.fields[1].type), `${from} → ${to}`).toBe(String(toType));
      }
    });
  }
});
