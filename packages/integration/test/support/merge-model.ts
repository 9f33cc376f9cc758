/**
 * A plain model of the merge engines (docs/merge-engines.md), written without any of
 * freshtier's merge code, and the table the merge-engine tests write: a key `id`, a
 * sequence column `seq`, and one value column per aggregate function (under the
 * aggregate engine each column has that function; under the others they are plain columns).
 *
 * The model keeps every version of every key in arrival order and computes a key's state
 * from scratch: the versions after the newest delete, ordered by `seq` when the table has a
 * sequence field (a stable sort: ties keep arrival order), then the engine's rule.
 *
 * @example
 * ```ts
 * const model = new MergeModel('aggregate', true);
 * model.put({ id: 1n, seq: 3n, a: 5, ... });
 * model.state(1n); // the row every read must return, or undefined
 * ```
 */
import { MemoryStore, Table, type AggregateFunction, type MergeEngineName, type ObjectStore } from '@freshtier/core';
import { Bool, Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Data } from 'apache-arrow';

/** A row of the merge table; a value column absent from a partial put is `undefined`. */
export interface MRow {
  id: bigint;
  seq: bigint;
  a?: number | null; // sum (Int32)
  b?: string | null; // max (Utf8)
  c?: boolean | null; // bool_and
  d?: bigint | null; // count (Int64)
  e?: number | null; // first (Float64)
  f?: number | null; // last-non-null (Int32, the default)
  g?: string | null; // last (Utf8)
  h?: number | null; // min (Int32)
  i?: boolean | null; // bool_or
}

/** The value columns and their aggregate function. */
export const VALUE_COLUMNS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] as const;
export type ValueColumn = (typeof VALUE_COLUMNS)[number];
export const AGGREGATES: Record<ValueColumn, AggregateFunction> = {
  a: 'sum', b: 'max', c: 'bool_and', d: 'count', e: 'first', f: 'last-non-null', g: 'last', h: 'min', i: 'bool_or',
};
const TYPES = { a: new Int32(), b: new Utf8(), c: new Bool(), d: new Int64(), e: new Float64(), f: new Int32(), g: new Utf8(), h: new Int32(), i: new Bool() };

export const mergeSchema = new Schema([
  new Field('id', new Int64(), false),
  new Field('seq', new Int64(), true),
  ...VALUE_COLUMNS.map((c) => new Field(c, TYPES[c], true)),
]);

/**
 * The merge table with `engine` and, if `sequence`, `seq` as its sequence field.
 *
 * @example
 * ```ts
 * const table = await mergeTable('partial-update', true);
 * ```
 */
export function mergeTable(engine: MergeEngineName, sequence: boolean, store: ObjectStore = new MemoryStore()): Promise<Table> {
  const { f: _default, ...named } = AGGREGATES; // f keeps the default function
  return Table.create(store, {
    schema: mergeSchema, primaryKey: ['id'], mergeEngine: engine,
    ...(sequence ? { sequenceField: 'seq' } : {}),
    ...(engine === 'aggregate' ? { aggregates: named } : {}),
  });
}

/**
 * A batch of rows; with `columns`, only those value columns (a partial put).
 *
 * @example
 * ```ts
 * mergeBatch([{ id: 1n, seq: 0n, a: 5 }], ['a']);
 * ```
 */
export function mergeBatch(rows: readonly MRow[], columns: readonly ValueColumn[] = VALUE_COLUMNS): RecordBatch {
  const fields = mergeSchema.fields.filter((f) => f.name === 'id' || f.name === 'seq' || columns.includes(f.name as ValueColumn));
  const schema = new Schema(fields);
  const children: Data[] = fields.map((f) => vectorFromArray(rows.map((r) => (r as unknown as Record<string, unknown>)[f.name] ?? null), f.type).data[0]);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }));
}

/**
 * A batch of keys to delete.
 *
 * @example
 * ```ts
 * await writer.delete(idBatch([1n, 2n]));
 * ```
 */
export function idBatch(ids: readonly bigint[]): RecordBatch {
  const schema = new Schema([mergeSchema.fields[0]]);
  const data = makeData({ type: new Int64(), length: ids.length, nullCount: 0, data: BigInt64Array.from(ids) });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children: [data] }));
}

type Version = { row: MRow } | { deleted: true };

/** The model: every version of every key, in arrival order. */
export class MergeModel {
  private readonly versions = new Map<bigint, Version[]>();

  constructor(readonly engine: MergeEngineName, readonly sequence: boolean) {}

  put(row: MRow): void {
    this.list(row.id).push({ row });
  }

  delete(id: bigint): void {
    this.list(id).push({ deleted: true });
  }

  /** Every live key's state, by id. */
  states(): Map<bigint, Record<string, unknown>> {
    const out = new Map<bigint, Record<string, unknown>>();
    for (const id of [...this.versions.keys()].sort((x, y) => (x < y ? -1 : 1))) {
      const s = this.state(id);
      if (s) out.set(id, s);
    }
    return out;
  }

  /** The state of a key (all columns, nulls for missing values), undefined when absent or deleted. */
  state(id: bigint): Record<string, unknown> | undefined {
    const all = this.versions.get(id) ?? [];
    let from = 0;
    all.forEach((v, i) => { if ('deleted' in v) from = i + 1; });
    const live = all.slice(from).map((v) => (v as { row: MRow }).row);
    if (live.length === 0) return undefined;
    // a stable sort: equal sequence values keep arrival order
    const ordered = this.sequence ? live.map((r, i) => [r, i] as const).sort((x, y) => (x[0].seq < y[0].seq ? -1 : x[0].seq > y[0].seq ? 1 : x[1] - y[1])).map(([r]) => r) : live;
    return this.merge(ordered);
  }

  private merge(ordered: MRow[]): Record<string, unknown> {
    const newest = ordered[ordered.length - 1];
    const full = (r: MRow) => Object.fromEntries(mergeSchema.fields.map((f) => [f.name, (r as unknown as Record<string, unknown>)[f.name] ?? null]));
    if (this.engine === 'deduplicate') return full(newest);
    if (this.engine === 'first-row') return full(ordered[0]);
    const out: Record<string, unknown> = { id: newest.id, seq: newest.seq };
    for (const c of VALUE_COLUMNS) {
      const values = ordered.map((r) => r[c] ?? null);
      out[c] = this.engine === 'partial-update' ? lastNonNull(values) : aggregate(AGGREGATES[c], values);
    }
    return out;
  }

  private list(id: bigint): Version[] {
    let l = this.versions.get(id);
    if (!l) this.versions.set(id, (l = []));
    return l;
  }
}

type V = number | bigint | string | boolean | null;

function lastNonNull(values: V[]): V {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
  return null;
}

function aggregate(fn: AggregateFunction, values: V[]): V {
  const present = values.filter((v) => v !== null);
  switch (fn) {
    case 'sum': return present.length ? present.reduce((s: number, v) => s + (v as number), 0) : null;
    case 'count': return BigInt(present.length);
    case 'last': return values[values.length - 1];
    case 'first': return values[0];
    case 'last-non-null': return lastNonNull(values);
    case 'bool_and': return present.length ? present.every((v) => v === true) : null;
    case 'bool_or': return present.length ? present.some((v) => v === true) : null;
    case 'min': case 'max': {
      if (!present.length) return null;
      const sign = fn === 'min' ? -1 : 1;
      return present.reduce((best, v) => (sign * compare(v, best) > 0 ? v : best));
    }
  }
}

function compare(a: V, b: V): number {
  if (typeof a === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b as string));
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/**
 * An Arrow result as `id → row` (every column, Arrow's JS values).
 *
 * @example
 * ```ts
 * expect(rowsById(await scanner.scan().toTable())).toEqual(model.states());
 * ```
 */
export function rowsById(t: { batches: readonly RecordBatch[] }, columns: readonly string[] = mergeSchema.fields.map((f) => f.name)): Map<bigint, Record<string, unknown>> {
  const out = new Map<bigint, Record<string, unknown>>();
  for (const b of t.batches) {
    for (let r = 0; r < b.numRows; r++) {
      const row = Object.fromEntries(columns.map((c) => [c, b.getChild(c)!.get(r)]));
      const id = b.getChild('id')!.get(r) as bigint;
      if (out.has(id)) throw new Error(`key ${id} returned twice`);
      out.set(id, row);
    }
  }
  return new Map([...out].sort(([x], [y]) => (x < y ? -1 : 1)));
}
