/**
 * Schema evolution (issue 17; docs/format.md "Schema versions"): one change, one
 * conditional commit of the base manifest carrying the new schema version.
 *
 * 1. Check the change at the boundary (zod), then against the table's current schema
 *    (`applySchemaChange`: a change that would make stored data unreadable, or break the key
 *    or the merge options, is `SchemaChangeRefusedError`). Nothing is written before.
 * 2. Commit the base manifest version after the newest, equal to it but for the schema
 *    (format version 2), like every other base commit: put-if-absent, so it either wins that
 *    version or reloads and retries. A retry that finds another schema than the handle's (a
 *    concurrent change won) stops with `SchemaChangedError`; a compaction or GC commit in
 *    between is rebuilt on, keeping its files.
 * 3. Return the table handle at the new schema. Readers and writers on older handles get
 *    `SchemaChangedError` (reopen); data written under any version stays readable, projected
 *    by field id onto the version a read uses.
 */
import { randomUUID } from 'node:crypto';
import {
  SCHEMA_FORMAT_VERSION, SchemaChangedError, applySchemaChange, describeChange, layout, parseOptions, schemaChangeSchema, schemaRecordOf, tableSchemaOf,
  schemaVersionOfBase, type BaseManifest, type SchemaChange, type Table, type TableSchema,
} from '@freshtier/core';

/**
 * Applies one schema change to the table in one conditional commit; returns the table's
 * handle at the new schema version. Open writers and scanners on the old handle must reopen.
 *
 * @example
 * ```ts
 * import { Int64 } from 'apache-arrow';
 * let t = await evolveSchema(table, { kind: 'add-column', name: 'score', type: new Int64(), default: 0n });
 * t = await evolveSchema(t, { kind: 'rename-column', name: 'score', to: 'points' });
 * ```
 */
export async function evolveSchema(table: Table, change: SchemaChange): Promise<Table> {
  const checked = parseOptions(schemaChangeSchema, change, 'schema change') as SchemaChange;
  // the note names this call: a retry after a lost acknowledgement finds its own commit by it, never
  // another caller's change that took the same version number
  const id = randomUUID();
  let next: TableSchema | undefined;
  let note = '';
  await table.baseManifests.update({
    build: (latest, version) => {
      // built on the newest record, never the handle's: after a rollback the handle may show the same version
      // number with an older history, and a change built on it would reuse ids and version numbers
      const state = table.atBase(latest, layout.manifest(layout.baseManifests, version)).schemaState;
      if (state.version !== table.schemaVersion || state.lastVersion !== table.schemaState.lastVersion) {
        throw new SchemaChangedError('The Table handle given to evolveSchema', table.schemaVersion, schemaVersionOfBase(latest));
      }
      next = applySchemaChange(state, checked);
      note = `schema version ${next.version}: ${describeChange(checked)} (on base version ${version}; change ${id})`;
      return withSchema(latest, next, note);
    },
    // its own commit: by the note, or (a compaction committed on top before the reload) by the very record it wrote
    landed: (latest) => note !== '' && (latest.note === note || sameRecord(latest, next)),
  });
  if (!next) throw new Error('unreachable: the commit built no schema');
  return table.atSchema(next);
}

/** Does `latest` carry exactly the schema record `next` (the same version, fields, history and counters)? */
function sameRecord(latest: BaseManifest, next: TableSchema | undefined): boolean {
  if (!latest.schema || !next) return false;
  try {
    return JSON.stringify(schemaRecordOf(tableSchemaOf(latest.schema, '(newest base manifest)'))) === JSON.stringify(schemaRecordOf(next));
  } catch {
    return false;
  }
}

/** Step 2: the newest base version with the new schema and nothing else changed. */
function withSchema(latest: BaseManifest, next: TableSchema, note: string): BaseManifest {
  return { ...latest, formatVersion: SCHEMA_FORMAT_VERSION, schema: schemaRecordOf(next), committedAt: new Date().toISOString(), note };
}

