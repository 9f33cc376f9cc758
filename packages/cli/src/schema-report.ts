/**
 * A table's current schema version as `freshtier alter` and `freshtier inspect` print it:
 * the version number and each column with its stable field id (docs/format.md "Schema
 * versions"), type, nullability and default, plus the key and merge options under their
 * current names.
 */
import { defaultData, type Table } from '@freshtier/core';
import { makeVector, type DataType } from 'apache-arrow';
import { jsonCells, textCell } from './values.js';

/** One column of the report. */
export interface SchemaFieldReport {
  id: number;
  name: string;
  type: string;
  nullable: boolean;
  /** The stored form of the default older rows read as (docs/format.md); absent: null. */
  default?: string | boolean;
  /** The default as `scan` prints the value (ISO-8601 for dates and timestamps). */
  defaultText?: string;
}

/** The schema part of `alter`'s and `inspect`'s output. */
export interface SchemaReport {
  schemaVersion: number;
  fields: SchemaFieldReport[];
  primaryKey: string[];
  mergeEngine: string;
  sequenceField: string | null;
  aggregates: Record<string, string>;
}

/**
 * The current schema version of `table` (the handle's: `Table.open` gives the newest).
 *
 * @example
 * ```ts
 * const r = schemaReport(table); // { schemaVersion: 2, fields: [{ id: 1, name: 'id', type: 'Int64', nullable: false }, …], … }
 * ```
 */
export function schemaReport(table: Table): SchemaReport {
  const state = table.schemaState;
  const fields = state.fields.map((f, i) => {
    const type = state.arrow.fields[i].type;
    const shown = f.default === undefined ? {} : { default: f.default, defaultText: defaultText(type, f.default) };
    return { id: f.id, name: f.name, type: String(type), nullable: f.nullable, ...shown };
  });
  const spec = table.mergeSpec;
  return {
    schemaVersion: state.version, fields, primaryKey: [...table.primaryKey],
    mergeEngine: spec.mergeEngine ?? 'deduplicate', sequenceField: spec.sequenceField ?? null, aggregates: { ...(spec.aggregates ?? {}) },
  };
}

/** A stored default as `scan` prints that value: one row of the default column, through the output cells. */
function defaultText(type: DataType, stored: string | boolean): string {
  return textCell(jsonCells(makeVector(defaultData(type, stored, 1)), type)(0));
}

/**
 * A field's default for human output: `defaultText`, quoted for string columns (it may be
 * empty or look like a number); undefined when the field has none.
 *
 * @example
 * ```ts
 * shownDefault({ id: 9, name: 'note', type: 'Utf8', nullable: true, default: '', defaultText: '' }); // '""'
 * ```
 */
export function shownDefault(f: SchemaFieldReport): string | undefined {
  if (f.defaultText === undefined) return undefined;
  return /Utf8$/.test(f.type) ? JSON.stringify(f.defaultText) : f.defaultText;
}

/**
 * The columns as an aligned block: field id, name, type, then `not null`, `key`, `default …`.
 *
 * @example
 * ```ts
 * renderSchemaFields(schemaReport(table));
 * // "  id  name   type     \n   1  id     Int64    not null, key\n   4  score  Float64  default 1.5"
 * ```
 */
export function renderSchemaFields(r: SchemaReport): string {
  const rows = r.fields.map((f) => [String(f.id), f.name, f.type, notes(r, f)]);
  const header = ['id', 'name', 'type', ''];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (row: string[]) => '  ' + row.map((v, c) => (c === 0 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  return [`  schema version ${r.schemaVersion}:`, line(header), ...rows.map(line)].join('\n');
}

function notes(r: SchemaReport, f: SchemaFieldReport): string {
  const out: string[] = [];
  if (!f.nullable) out.push('not null');
  if (r.primaryKey.includes(f.name)) out.push('key');
  if (r.sequenceField === f.name) out.push('sequence field');
  if (Object.hasOwn(r.aggregates, f.name)) out.push(`aggregate ${r.aggregates[f.name]}`);
  if (f.defaultText !== undefined) out.push(`default ${shownDefault(f)}`);
  return out.join(', ');
}
