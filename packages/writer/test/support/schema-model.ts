/**
 * A plain model of a keyed table whose schema evolves (issue 17): rows are maps of field
 * id → value, and a read projects them with ids onto the current fields (a field a row does
 * not hold reads as its default or null; a dropped id is never read again; a renamed field
 * keeps its id). Engines: `deduplicate` (a put replaces the whole row) and `partial-update`
 * (a put's non-null cells overwrite, its nulls keep the older value — for a column added
 * after the key's older versions, their default).
 *
 * The model also picks a random valid change of every kind from its state, reusing names
 * that were dropped or renamed away, so old data under a reused name must never resurface.
 *
 * @example
 * ```ts
 * const m = SchemaModel.initial();
 * const { change } = m.randomChange(rng, 3);   // e.g. { kind: 'widen-column', name: 'a', type: Int16 }
 * m.apply(change, …);
 * expect(await scanRows(table, writers, m)).toEqual(m.rows());
 * ```
 */
import type { evolveSchema } from '../../src/index.js';
import { arrowInput, arrowType, canon, randomDefault, randomValue, readValue, WIDER, type Kind, type Rng, type Value } from './schema-values.js';
import { batchOf, type Column } from './columns.js';
import type { RecordBatch, Table as ArrowTable } from 'apache-arrow';

/** The change `evolveSchema` takes. */
export type Change = Parameters<typeof evolveSchema>[1];

/** A column of the model schema. */
export interface MField {
  readonly id: number;
  name: string;
  kind: Kind;
  nullable: boolean;
  readonly def: Value;
}

/** A row read back: column name → canonical text (schema-values.ts `canon`). */
export type Seen = Record<string, string>;

const KEY_ID = 1;

/** The merge engines the model knows. */
export type ModelEngine = 'deduplicate' | 'partial-update';

/** The model: current fields (schema order), rows by key, and the schema version. */
export class SchemaModel {
  version = 0;
  engine: ModelEngine = 'deduplicate';
  private lastId: number;
  private readonly retired = new Set<string>();
  private fresh = 0;

  private constructor(readonly fields: MField[], readonly data = new Map<bigint, Map<number, Value>>()) {
    this.lastId = fields.length;
  }

  /** Version 0: `id` Int64 key, `a` Int8, `f` Float32 (required but under partial-update), `d` Date32, `s` Utf8. */
  static initial(engine: ModelEngine = 'deduplicate'): SchemaModel {
    const f = (id: number, name: string, kind: Kind, nullable: boolean): MField => ({ id, name, kind, nullable, def: null });
    const m = new SchemaModel([f(1, 'id', 'int64', false), f(2, 'a', 'int8', true), f(3, 'f', 'float32', engine === 'partial-update'), f(4, 'd', 'date32', true), f(5, 's', 'utf8', true)]);
    m.engine = engine;
    return m;
  }

  get keyName(): string {
    return this.fields.find((f) => f.id === KEY_ID)!.name;
  }

  /** A deep copy (for the schema a stale writer still holds, or a pinned version). */
  clone(): SchemaModel {
    const m = new SchemaModel(this.fields.map((f) => ({ ...f })), new Map([...this.data].map(([k, r]) => [k, new Map(r)])));
    Object.assign(m, { version: this.version, lastId: this.lastId, fresh: this.fresh, engine: this.engine });
    for (const n of this.retired) m.retired.add(n);
    return m;
  }

  /** A put batch of the current schema for `ids`, values from `rng`; the model is not changed. */
  batch(ids: readonly number[], rng: Rng): { batch: RecordBatch; rows: Map<bigint, Map<number, Value>> } {
    const rows = new Map<bigint, Map<number, Value>>();
    for (const id of ids) {
      rows.set(BigInt(id), new Map(this.fields.map((f) => [f.id, f.id === KEY_ID ? BigInt(id) : randomValue(rng, f.kind, f.nullable)])));
    }
    const columns: Column[] = this.fields.map((f) => [f.name, arrowType(f.kind), [...rows.values()].map((r) => arrowInput(f.kind, r.get(f.id)!)), f.nullable]);
    return { batch: batchOf(columns), rows };
  }

  /** Applies an acked put. */
  put(rows: ReadonlyMap<bigint, Map<number, Value>>): void {
    for (const [k, r] of rows) {
      const old = this.data.get(k);
      if (this.engine === 'deduplicate' || !old) this.data.set(k, r);
      else for (const [id, v] of r) if (v !== null) old.set(id, v); // a null (or a column older versions lack) keeps the older value
    }
  }

  delete(ids: readonly number[]): void {
    for (const id of ids) this.data.delete(BigInt(id));
  }

  /** The live rows as a reader must see them, sorted by key (optionally only `keys`). */
  rows(keys?: readonly number[]): Seen[] {
    const want = keys && new Set(keys.map(BigInt));
    return [...this.data].filter(([k]) => !want || want.has(k)).sort((x, y) => (x[0] < y[0] ? -1 : 1))
      .map(([, r]) => Object.fromEntries(this.fields.map((f) => [f.name, canon(r.has(f.id) ? r.get(f.id)! : f.def)])));
  }

  /** The current fields as `name: type nullable?` lines, to compare with a read's Arrow schema. */
  describe(): string[] {
    return this.fields.map((f) => `${f.name}: ${String(arrowType(f.kind))}${f.nullable ? '?' : ''}`);
  }

  /** A random valid change of any kind, and applies it to the model. */
  randomChange(rng: Rng, choice: number): Change {
    const nonKey = this.fields.filter((f) => f.id !== KEY_ID);
    const options: (() => Change)[] = [
      () => this.add(rng, 'nullable'),
      () => this.add(rng, 'default'),
      () => this.add(rng, this.engine === 'partial-update' ? 'default' : 'required'), // partial-update: every column nullable
      () => this.rename(rng.pick(this.fields), this.newName(rng)),
    ];
    const widenable = nonKey.filter((f) => WIDER[f.kind]);
    if (widenable.length) options.push(() => this.widen(rng.pick(widenable)));
    if (nonKey.length) options.push(() => this.drop(rng.pick(nonKey)));
    const required = nonKey.filter((f) => !f.nullable);
    if (required.length) options.push(() => this.makeNullable(rng.pick(required)));
    const change = options[choice % options.length]();
    this.version += 1;
    return change;
  }

  private newName(rng: Rng): string {
    const reusable = [...this.retired].filter((n) => !this.fields.some((f) => f.name === n));
    return reusable.length && rng.chance(0.5) ? rng.pick(reusable) : `c${++this.fresh}`;
  }

  private add(rng: Rng, how: 'nullable' | 'default' | 'required'): Change {
    const kind = rng.pick<Kind>(['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'date32', 'utf8', 'bool']);
    const name = this.newName(rng);
    const d = how === 'nullable' ? undefined : randomDefault(rng, kind);
    this.fields.push({ id: ++this.lastId, name, kind, nullable: how !== 'required', def: d?.value ?? null });
    return { kind: 'add-column', name, type: arrowType(kind), ...(how === 'required' ? { nullable: false } : {}), ...(d ? { default: d.given } : {}) };
  }

  private rename(f: MField, to: string): Change {
    const from = f.name;
    this.retired.add(from);
    f.name = to;
    return { kind: 'rename-column', name: from, to };
  }

  private widen(f: MField): Change {
    f.kind = WIDER[f.kind]!;
    return { kind: 'widen-column', name: f.name, type: arrowType(f.kind) };
  }

  private drop(f: MField): Change {
    this.fields.splice(this.fields.indexOf(f), 1);
    this.retired.add(f.name);
    return { kind: 'drop-column', name: f.name };
  }

  private makeNullable(f: MField): Change {
    f.nullable = true;
    return { kind: 'make-nullable', name: f.name };
  }
}

/** An Arrow table read back as model rows (by its own column names), sorted by key. */
export function seenRows(t: ArrowTable, model: SchemaModel): Seen[] {
  const kinds = new Map(model.fields.map((f) => [f.name, f.kind]));
  const names = t.schema.fields.map((f) => f.name);
  const key = model.keyName;
  return t.toArray()
    .map((r) => Object.fromEntries(names.map((n) => [n, canon(kinds.has(n) ? readValue(kinds.get(n)!, r[n]) : `unexpected column ${String(r[n])}`)])))
    .sort((x, y) => (BigInt(x[key].slice(0, -1)) < BigInt(y[key].slice(0, -1)) ? -1 : 1));
}

/** A read's Arrow schema in the form of {@link SchemaModel.describe}. */
export function describeSchema(t: ArrowTable): string[] {
  return t.schema.fields.map((f) => `${f.name}: ${String(f.type)}${f.nullable ? '?' : ''}`);
}
