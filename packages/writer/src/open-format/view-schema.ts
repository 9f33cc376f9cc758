/**
 * The schema a table version is read at (docs/format.md "Schema versions"), as the open
 * format reports it (`liveFiles(…).schema`) and the SQL view projects onto it: the base
 * manifest's `schema` record, or version 0 (`_table.json`) when it has none.
 *
 * A {@link ViewTable} is what the view's SQL needs of a table at one schema version (its
 * columns, key and merge options under their names at that version); it is not the
 * {@link Table} handle, whose schema is the newest one, since a pinned version (a tag, a
 * `--version`) reads at its own schema.
 */
import { layout, type BaseManifest, type MergeSpec, type SchemaField, type Table, type TableSchema } from '@freshtier/core';
import type { Schema } from 'apache-arrow';

/**
 * The schema of a table version in JSON form (`freshtier files --json`'s `schema`).
 *
 * @example
 * ```ts
 * const s: LiveSchema = { version: 2, fields: [{ id: 1, name: 'id', type: 'Int64', nullable: false }], primaryKey: ['id'], versions: [{ version: 0, names: [[1, 'id']] }] };
 * ```
 */
export interface LiveSchema {
  /** The schema version the table version reads at (0: `_table.json`'s schema). */
  readonly version: number;
  /** Its columns in order, each with its stable field id (and `default` where an added column has one). */
  readonly fields: readonly SchemaField[];
  /** The key columns under their current names. */
  readonly primaryKey: readonly string[];
  /** Per schema version some live file was written with (and the current one), ascending: its columns as (field id, name) pairs. */
  readonly versions: readonly { readonly version: number; readonly names: readonly (readonly [number, string])[] }[];
}

/**
 * What the view's SQL reads of a table at one schema version (it satisfies `mergePolicyOf`).
 *
 * @example
 * ```ts
 * const vt = viewTable(schemaAt(table, base.doc, base.version));
 * mergePolicyOf(vt).storesCut;
 * ```
 */
export interface ViewTable {
  readonly schema: Schema;
  readonly primaryKey: readonly string[];
  readonly mergeSpec: MergeSpec;
  readonly appendOnly: boolean;
  readonly doc: MergeSpec & { readonly primaryKey: readonly string[] };
  readonly state: TableSchema;
}

/**
 * The schema a base manifest version reads at: its `schema` record, or version 0.
 *
 * @example
 * ```ts
 * const ts = schemaAt(table, (await table.baseManifests.latest()).doc, 3);
 * ```
 */
export function schemaAt(table: Table, base: BaseManifest, baseVersion: number): TableSchema {
  return table.atBase(base, layout.manifest(layout.baseManifests, baseVersion)).schemaState;
}

/**
 * The view's reading of a schema version.
 *
 * @example
 * ```ts
 * viewTable(ts).schema.fields.map((f) => f.name);
 * ```
 */
export function viewTable(state: TableSchema): ViewTable {
  const mergeSpec = state.mergeSpec;
  return { schema: state.arrow, primaryKey: state.primaryKey, mergeSpec, appendOnly: state.primaryKey.length === 0, doc: { ...mergeSpec, primaryKey: state.primaryKey }, state };
}

/**
 * The JSON form of `state`, naming the schema versions in `used` (and `state`'s own).
 *
 * @example
 * ```ts
 * liveSchema(ts, [0, 2]).versions.map((v) => v.version); // [0, 2, 3] when ts.version is 3
 * ```
 */
export function liveSchema(state: TableSchema, used: Iterable<number>): LiveSchema {
  const wanted = [...new Set([...used, state.version])].sort((a, b) => a - b);
  return {
    version: state.version, fields: state.fields.map((f) => ({ ...f })), primaryKey: [...state.primaryKey],
    versions: wanted.map((version) => ({ version, names: [...(state.history.get(version) ?? new Map<string, number>())].map(([name, id]) => [id, name] as const) })),
  };
}
