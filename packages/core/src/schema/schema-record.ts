/**
 * Schema versions (DESIGN.md "Concepts": schema version; docs/format.md "Schema versions").
 *
 * A table's schema evolves by conditional commits of the base manifest, which carries the
 * current schema as a {@link SchemaRecord} (absent: version 0, the schema of `_table.json`).
 * Columns carry stable field ids: version 0 numbers its fields 1..n in order, every added
 * column takes a new id, and neither ids nor version numbers are ever reused (also across a
 * rollback), so a stored file of version s is read by mapping its column names through
 * `history[s]` to ids, then ids to the current names (stored-projection.ts).
 *
 * Folder `schema/`: the stored record and its in-memory form (this file), the changes and
 * their rules (schema-change.ts), default values (schema-default.ts) and the projection of
 * stored data onto a schema (stored-projection.ts).
 */
import type { Schema } from 'apache-arrow';
import { z } from 'zod';
import { describeFields, schemaToBase64 } from '../arrow/arrow-util.js';
import { checkedSchemaFromBase64 } from '../arrow/checked-schema.js';
import { CorruptEntryError, SchemaChangedError } from '../errors.js';
import { mergeSpecFields, storedMergeSpec, type MergeSpec } from '../merge/merge-spec.js';

/** One column of a schema version: its stable id, current name, type (informational) and default. */
export const schemaFieldSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  type: z.string(),
  nullable: z.boolean(),
  /** What data written before the column existed reads as (schema-default.ts); absent: null. */
  default: z.union([z.string(), z.boolean()]).optional(),
});
export type SchemaField = z.infer<typeof schemaFieldSchema>;

/** The base manifest's `schema`: the current schema version and every version's column names. */
export const schemaRecordSchema = z.object({
  /** 0 only after a rollback to a version before the first change (the record then keeps the counters and history). */
  version: z.number().int().nonnegative(),
  /** The exact current Arrow schema, base64 Arrow IPC (as `_table.json`'s `arrowSchema`). */
  arrowSchema: z.string().min(1),
  /** The columns, in schema order (the same names as `arrowSchema`). */
  fields: z.array(schemaFieldSchema).min(1),
  /** The current names of the key columns. */
  primaryKey: z.array(z.string().min(1)),
  /** The merge options under the current column names. */
  ...mergeSpecFields,
  /** The highest field id ever assigned (never decreases, also across a rollback). */
  lastFieldId: z.number().int().positive(),
  /** The highest schema version ever committed (never decreases, also across a rollback). */
  lastVersion: z.number().int().nonnegative(),
  /**
   * Every schema version ever committed, 0 included: the (field id, column name) pairs of its
   * columns, and (every version but 0) the version it was changed from.
   */
  history: z.array(z.object({
    version: z.number().int().nonnegative(),
    parent: z.number().int().nonnegative().optional(),
    names: z.array(z.tuple([z.number().int().positive(), z.string().min(1)])),
  })).min(1),
});
export type SchemaRecord = z.infer<typeof schemaRecordSchema>;

/**
 * A schema version in memory: what readers and writers of that version use.
 *
 * @example
 * ```ts
 * const ts = table.schemaState;
 * console.log(ts.version, ts.fields.map((f) => `${f.id}:${f.name}`));
 * ```
 */
export interface TableSchema {
  readonly version: number;
  /** The Arrow schema of this version (exact types and nullability). */
  readonly arrow: Schema;
  /** One entry per Arrow field, in the same order. */
  readonly fields: readonly SchemaField[];
  readonly primaryKey: readonly string[];
  readonly mergeSpec: MergeSpec;
  readonly lastFieldId: number;
  readonly lastVersion: number;
  /** Per schema version ever committed: column name → field id. */
  readonly history: ReadonlyMap<number, ReadonlyMap<string, number>>;
  /** Per schema version but 0: the version it was changed from (a rollback can make lines branch). */
  readonly parents: ReadonlyMap<number, number>;
}

/** The fields `initialTableSchema` reads from `_table.json`. */
export interface InitialDoc extends MergeSpec {
  primaryKey: string[];
}

/**
 * Version 0: the schema `_table.json` holds, its fields numbered 1..n in order.
 *
 * @example
 * ```ts
 * const v0 = initialTableSchema(table.doc, schemaFromBase64(table.doc.arrowSchema));
 * ```
 */
export function initialTableSchema(doc: InitialDoc, arrow: Schema): TableSchema {
  const fields = describeFields(arrow).map((f, i) => ({ id: i + 1, ...f }));
  const names = new Map(fields.map((f) => [f.name, f.id]));
  return { version: 0, arrow, fields, primaryKey: [...doc.primaryKey], mergeSpec: storedMergeSpec(doc), lastFieldId: fields.length, lastVersion: 0, history: new Map([[0, names]]), parents: new Map() };
}

/**
 * The stored form of a schema version (for a base manifest's `schema`).
 *
 * @example
 * ```ts
 * declare const latest: BaseManifest, next: TableSchema;
 * const doc = { ...latest, formatVersion: 2, schema: schemaRecordOf(next) };
 * ```
 */
export function schemaRecordOf(ts: TableSchema): SchemaRecord {
  return {
    version: ts.version, arrowSchema: schemaToBase64(ts.arrow), fields: ts.fields.map((f) => ({ ...f })), primaryKey: [...ts.primaryKey],
    ...storedMergeSpec(ts.mergeSpec), lastFieldId: ts.lastFieldId, lastVersion: ts.lastVersion,
    history: [...ts.history].sort((a, b) => a[0] - b[0]).map(([version, names]) => ({
      version, ...(ts.parents.has(version) ? { parent: ts.parents.get(version)! } : {}), names: [...names].map(([name, id]) => [id, name] as [number, string]),
    })),
  };
}

/**
 * The in-memory form of a stored record, checked for consistency (a damaged or edited record is a
 * `CorruptEntryError` naming `path`, never a schema that misreads stored columns).
 *
 * @example
 * ```ts
 * declare const base: BaseManifest;
 * const ts = base.schema ? tableSchemaOf(base.schema, 'base/_manifests/v…json') : table.initialSchema();
 * ```
 */
export function tableSchemaOf(record: SchemaRecord, path: string): TableSchema {
  const arrow = checkedSchemaFromBase64(record.arrowSchema, path);
  const bad = (detail: string) => new CorruptEntryError(path, `its schema record is inconsistent: ${detail}; restore the document`);
  if (arrow.fields.length !== record.fields.length) throw bad('arrowSchema and fields name different columns');
  record.fields.forEach((f, i) => {
    if (arrow.fields[i].name !== f.name || arrow.fields[i].nullable !== f.nullable) throw bad(`field ${i} is "${f.name}" in fields but "${arrow.fields[i].name}" in arrowSchema`);
    if (f.id > record.lastFieldId) throw bad(`field "${f.name}" has id ${f.id} above lastFieldId ${record.lastFieldId}`);
  });
  if (new Set(record.fields.map((f) => f.id)).size !== record.fields.length) throw bad('two fields share an id');
  if (record.primaryKey.some((k) => !record.fields.some((f) => f.name === k))) throw bad('a key column is not a field');
  if (record.version > record.lastVersion) throw bad(`version ${record.version} is above lastVersion ${record.lastVersion}`);
  const history = new Map<number, ReadonlyMap<string, number>>();
  const parents = new Map<number, number>();
  for (const h of record.history) {
    if (history.has(h.version) || h.version > record.lastVersion) throw bad(`history version ${h.version} is repeated or above lastVersion`);
    if (h.names.some(([id]) => id > record.lastFieldId)) throw bad(`history version ${h.version} names a field id above lastFieldId`);
    const names = new Map(h.names.map(([id, name]) => [name, id]));
    if (names.size !== h.names.length || new Set(names.values()).size !== h.names.length) throw bad(`history version ${h.version} repeats a name or a field id`);
    if ((h.version === 0) !== (h.parent === undefined) || (h.parent !== undefined && h.parent >= h.version)) throw bad(`history version ${h.version} has parent ${String(h.parent)}`);
    history.set(h.version, names);
    if (h.parent !== undefined) parents.set(h.version, h.parent);
  }
  if ([...parents.values()].some((p) => !history.has(p))) throw bad('a history version names a parent the history lacks');
  const own = history.get(record.version);
  if (!own || own.size !== record.fields.length || record.fields.some((f) => own.get(f.name) !== f.id)) throw bad(`history does not hold version ${record.version} as its fields`);
  return { version: record.version, arrow, fields: record.fields, primaryKey: record.primaryKey, mergeSpec: storedMergeSpec(record), lastFieldId: record.lastFieldId, lastVersion: record.lastVersion, history, parents };
}

/**
 * Column name → field id of the stored schema version `version`. A version newer than any
 * this handle knows was committed after it was opened: `SchemaChangedError` (reopen). One it
 * should know but does not is damage: `CorruptEntryError` naming `path`.
 *
 * @example
 * ```ts
 * declare const file: DataFile;
 * const ids = storedNames(table.schemaState, file.schemaVersion ?? 0, file.path);
 * ```
 */
export function storedNames(ts: TableSchema, version: number, path: string): ReadonlyMap<string, number> {
  const names = ts.history.get(version);
  if (!names && version > ts.lastVersion) throw new SchemaChangedError(`This Table handle, reading ${path},`, ts.version, version, { path });
  if (!names) throw new CorruptEntryError(path, `it was written with schema version ${version}, which the table version being read does not know (it knows ${[...ts.history.keys()].join(', ')})`);
  return names;
}

/**
 * The `schemaVersion` a data file entry or WAL entry header records: absent for version 0, so
 * tables that never evolved keep their entries as before.
 *
 * @example
 * ```ts
 * const entry = { path: 'base/data/x.parquet', rows: 10, bytes: 512, rowGroupSize: 65_536, ...schemaVersionField(table.schemaVersion) };
 * ```
 */
export function schemaVersionField(version: number): { schemaVersion?: number } {
  return version === 0 ? {} : { schemaVersion: version };
}

/**
 * The schema version a base manifest version holds (0: none recorded, `_table.json`'s).
 *
 * @example
 * ```ts
 * const { doc } = await table.baseManifests.latest();
 * if (schemaVersionOfBase(doc) !== table.schemaVersion) console.log('reopen the table');
 * ```
 */
export function schemaVersionOfBase(base: { schema?: { version: number } }): number {
  return base.schema?.version ?? 0;
}

/**
 * The schema a rollback restores: the target version's (version 0 when it has none), with
 * the history and counters of the newest, so no field id or version number is used twice
 * and every version a stored object records stays known. Undefined when neither has one.
 *
 * @example
 * ```ts
 * declare const target: BaseManifest, latest: BaseManifest;
 * const restored = rolledBackSchema(target.schema, latest.schema, table.initialSchema());
 * ```
 */
export function rolledBackSchema(target: SchemaRecord | undefined, latest: SchemaRecord | undefined, initial: TableSchema): SchemaRecord | undefined {
  if (!latest) return target;
  const restored = target ?? schemaRecordOf(initial);
  const versions = new Map(restored.history.map((h) => [h.version, h]));
  for (const h of latest.history) if (!versions.has(h.version)) versions.set(h.version, h);
  return {
    ...restored, lastFieldId: Math.max(restored.lastFieldId, latest.lastFieldId), lastVersion: Math.max(restored.lastVersion, latest.lastVersion),
    history: [...versions.values()].sort((a, b) => a.version - b.version),
  };
}

/**
 * Is `version` this schema version or one it was changed from (following `parent`s)? Data of
 * an ancestor projects onto `ts` by widening only; data of another line (a version a rollback
 * undid) may hold values `ts` has no room for.
 *
 * @example
 * ```ts
 * if (!isSchemaAncestor(table.schemaState, 2)) console.log('version 2 was undone by a rollback');
 * ```
 */
export function isSchemaAncestor(ts: TableSchema, version: number): boolean {
  for (let v: number | undefined = ts.version; v !== undefined; v = ts.parents.get(v)) if (v === version) return true;
  return false;
}
