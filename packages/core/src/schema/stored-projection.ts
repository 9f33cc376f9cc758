/**
 * Projection of stored data onto a schema version (docs/format.md "Schema versions"): a
 * batch read from a data file or WAL entry written under schema version `s` gets the
 * columns of the version being read, matched by field id, never by name:
 *
 * 1. each stored column's name is looked up in `history[s]` to find its field id;
 * 2. a column whose id the read version has takes that version's name (a rename); one
 *    whose id it lacks is left out (a drop); system columns pass through, and the state
 *    columns `_ft_seq_<c>` / `_ft_sum_<c>` follow their column `c` the same way;
 * 3. a column of the read version that version `s` did not have reads as its default
 *    (added here), or as nulls (added by the caller's `conformBatch`);
 * 4. types are left as stored: the caller's `conformBatch` casts each column to the read
 *    version's type, exactly or not at all (a widened column's values all fit).
 *
 * Data written under the version being read is returned as is, untouched.
 */
import { Field, RecordBatch, Schema, Struct, makeData, type Data } from 'apache-arrow';
import { conformBatch } from '../batch-cast.js';
import { SEQUENCE_COLUMN_PREFIX, SUM_COLUMN_PREFIX } from '../merge/merge-state-columns.js';
import { SYSTEM_COLUMN_PREFIX } from '../table/column-names.js';
import { defaultData } from './schema-default.js';
import { storedNames, type TableSchema } from './schema-record.js';

const STATE_PREFIXES = [SEQUENCE_COLUMN_PREFIX, SUM_COLUMN_PREFIX];

/**
 * `batch`, written under schema version `version`, with the columns of `ts` (steps 1–3).
 *
 * @example
 * ```ts
 * declare const raw: RecordBatch, file: DataFile; // a row group as stored
 * const b = conformBatch(projectStored(raw, file.schemaVersion ?? 0, table.schemaState, file.path), table.schema.fields);
 * ```
 */
export function projectStored(batch: RecordBatch, version: number, ts: TableSchema, path: string): RecordBatch {
  if (version === ts.version) return batch;
  const names = storedNames(ts, version, path);
  const current = new Map(ts.fields.map((f) => [f.id, f.name]));
  const fields: Field[] = [];
  const children: Data[] = [];
  batch.schema.fields.forEach((f, i) => {
    const name = readName(f.name, names, current);
    if (name === undefined) return;
    fields.push(new Field(name, f.type, f.nullable, f.metadata));
    children.push(batch.data.children[i]);
  });
  const had = new Set(names.values());
  ts.fields.forEach((f, i) => {
    if (f.default === undefined || had.has(f.id)) return;
    fields.push(new Field(f.name, ts.arrow.fields[i].type, true));
    children.push(defaultData(ts.arrow.fields[i].type, f.default, batch.numRows));
  });
  const schema = new Schema(fields, batch.schema.metadata);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
}

/** Step 2 for one stored column name: its name in the read version, or undefined (dropped). */
function readName(stored: string, names: ReadonlyMap<string, number>, current: ReadonlyMap<number, string>): string | undefined {
  const prefix = STATE_PREFIXES.find((p) => stored.startsWith(p));
  if (prefix) {
    const id = names.get(stored.slice(prefix.length));
    if (id === undefined) return stored;
    const now = current.get(id);
    return now === undefined ? undefined : prefix + now;
  }
  if (stored.startsWith(SYSTEM_COLUMN_PREFIX)) return stored;
  const id = names.get(stored);
  return id === undefined ? undefined : current.get(id);
}

/**
 * The stored names, in schema version `version`, of the read version's columns `columns`
 * (for reads that decode only some columns); columns that version lacks are left out.
 *
 * @example
 * ```ts
 * declare const file: DataFile;
 * const wanted = storedColumnNames(table.schemaState, file.schemaVersion ?? 0, ['id', 'score'], file.path);
 * ```
 */
export function storedColumnNames(ts: TableSchema, version: number, columns: readonly string[], path: string): string[] {
  if (version === ts.version) return [...columns];
  const byId = new Map([...storedNames(ts, version, path)].map(([name, id]) => [id, name]));
  const ids = new Map(ts.fields.map((f) => [f.name, f.id]));
  const out: string[] = [];
  for (const c of columns) {
    const prefix = STATE_PREFIXES.find((p) => c.startsWith(p));
    const base = prefix ? c.slice(prefix.length) : c;
    const id = ids.get(base);
    const stored = id === undefined ? (c.startsWith(SYSTEM_COLUMN_PREFIX) ? c : undefined) : byId.get(id);
    if (stored !== undefined) out.push(prefix && id !== undefined ? prefix + stored : stored);
  }
  return out;
}

/**
 * A WAL record's batch, logged under schema version `version`, as a batch of version `ts`
 * with its exact Arrow schema (a memtable's batches carry it): steps 1–3, then each column
 * cast exactly to its type. A delete record holds the key columns only, and keeps to them.
 *
 * @example
 * ```ts
 * declare const entry: WalEntry, record: WalRecord, key: string;
 * const b = walBatchAt(record.batch, record.op, entry.schemaVersion ?? 0, table.schemaState, key);
 * ```
 */
export function walBatchAt(batch: RecordBatch, op: 'put' | 'delete', version: number, ts: TableSchema, path: string): RecordBatch {
  if (version === ts.version) return batch;
  const fields = op === 'delete' ? ts.arrow.fields.filter((f) => ts.primaryKey.includes(f.name)) : ts.arrow.fields;
  const conformed = conformBatch(projectStored(batch, version, ts, path), fields);
  const schema = op === 'delete' ? new Schema(fields, ts.arrow.metadata) : ts.arrow;
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: conformed.data.children }));
}
