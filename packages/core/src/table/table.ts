/**
 * A table: a root in an object store with `_table.json` (schema, primary key,
 * shard count, format version), one base manifest directory and one manifest
 * directory per shard. `Table` is a cheap handle; it holds no data.
 *
 * Folder `table/`: the table handle and the rules for its column names (column-names.ts).
 */
import { RecordBatch, Struct, makeData, type Schema } from 'apache-arrow';
import { z } from 'zod';
import { describeFields, isArrowRecordBatch, sameType, schemaToBase64 } from '../arrow/arrow-util.js';
import { AlreadyExistsError, CorruptEntryError, InvalidOptionsError, SchemaMismatchError, UnsupportedFormatError } from '../errors.js';
import { mergeSpecFields, mergeSpecIssues, storedMergeSpec, type AggregateFunction, type MergeEngineName, type MergeSpec } from '../merge/merge-spec.js';
import { mayOmit, mergeInput, omittedColumn } from './merge-input.js';
import { assertBatchColumnNames, columnNameProblems } from './column-names.js';
import { layout, walSuffixOf, type WalSuffix } from '../layout/layout.js';
import { hashBytes } from '../keys/key-map.js';
import {
  BASE_FORMAT_VERSIONS, TABLE_FORMAT_VERSION, TABLE_FORMAT_VERSIONS, baseManifestSchema, initialBaseManifest, initialShardManifest, shardManifestSchema, tableDocSchema,
  type BaseManifest, type ShardManifest, type TableDoc,
} from '../manifest/manifest-schemas.js';
import { ManifestStore } from '../manifest/manifest-store.js';
import type { ObjectStore } from '../store/object-store.js';
import { assertKeyColumns, type EncodedKeys } from '../keys/pk-encoding.js';
import { parseOptions, parseStored } from '../validate.js';
import { openStoredJson, sealedJsonBytes } from '../format/doc-checksum.js';
import { checkedSchemaFromBase64 } from '../arrow/checked-schema.js';
import { initialTableSchema, tableSchemaOf, type TableSchema } from '../schema/schema-record.js';

/** Options of {@link Table.create}. */
export interface CreateTableOptions {
  schema: Schema;
  /** Primary-key columns; empty or absent makes an append-only table. */
  primaryKey?: string[];
  /** Number of shards (default 1). */
  shards?: number;
  /** How the versions of a key combine (default `deduplicate`); see docs/merge-engines.md. */
  mergeEngine?: MergeEngineName;
  /** A non-key integer, float, date or timestamp column ordering the versions of a key (default: arrival order). */
  sequenceField?: string;
  /** Engine `aggregate`: the function of each non-key column (default `last-non-null`). */
  aggregates?: Record<string, AggregateFunction>;
}

// strict: an unknown key (say `mergeEngine` on a build without it) is refused, never silently dropped
const createOptionsSchema = z.strictObject({
  schema: z.custom<Schema>((s) => typeof s === 'object' && s !== null && Array.isArray((s as Schema).fields) && (s as Schema).fields.length > 0, 'an Arrow Schema with at least one field')
    .superRefine((s, ctx) => {
      if (!Array.isArray(s?.fields)) return; // reported by the check above
      for (const p of columnNameProblems(s.fields.map((f) => f.name))) ctx.addIssue({ code: 'custom', path: ['fields', p.index, 'name'], message: p.message });
    }),
  primaryKey: z.array(z.string().min(1)).default([]),
  shards: z.number().int().min(1).max(4096).default(1),
  ...mergeSpecFields,
});

/**
 * A freshtier table in an object store.
 *
 * @example
 * ```ts
 * const store = new LocalStore('/data/users');
 * const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 4 });
 * const again = await Table.open(store);
 * ```
 */
export class Table {
  readonly baseManifests: ManifestStore<BaseManifest>;
  private readonly shardStores: ManifestStore<ShardManifest>[];

  /** The table's schema at this handle's schema version (docs/format.md "Schema versions"). */
  readonly schemaState: TableSchema;
  /**
   * `_table.json` as this handle's schema version reads it: the key columns, merge options,
   * schema and fields are the current ones (the stored document holds version 0's).
   */
  readonly doc: TableDoc;

  private constructor(readonly store: ObjectStore, private readonly stored: TableDoc, state: TableSchema, stores?: Table) {
    const required = stored.checksums === true;
    this.schemaState = state;
    this.doc = state.version === 0 ? stored : docAt(stored, state);
    this.baseManifests = stores?.baseManifests ?? new ManifestStore(store, layout.baseManifests, baseManifestSchema, initialBaseManifest, required, BASE_FORMAT_VERSIONS);
    this.shardStores = stores?.shardStores ?? Array.from({ length: stored.shards }, (_, s) =>
      new ManifestStore(store, layout.shardManifests(s), shardManifestSchema, () => initialShardManifest(s), required));
  }

  /** The Arrow schema of this handle's schema version (exact types and nullability). */
  get schema(): Schema {
    return this.schemaState.arrow;
  }

  /** This handle's schema version (0: `_table.json`'s schema, never evolved). */
  get schemaVersion(): number {
    return this.schemaState.version;
  }

  /**
   * The handle of this table at the schema a base manifest version holds: this one when it
   * is the same version, else a new handle (sharing the manifest stores).
   *
   * @example
   * ```ts
   * const { doc: base } = await table.baseManifests.latest();
   * const current = table.atBase(base, 'latest base manifest');
   * ```
   */
  atBase(base: BaseManifest, path: string): Table {
    const state = base.schema ? tableSchemaOf(base.schema, path) : this.initialSchema();
    return this.atSchema(state);
  }

  /**
   * The handle of this table at schema `state` (this one when it is the same version).
   *
   * @example
   * ```ts
   * const next = table.atSchema(applySchemaChange(table.schemaState, { kind: 'drop-column', name: 'note' }));
   * ```
   */
  atSchema(state: TableSchema): Table {
    // the same version with the same history (a rollback keeps the newest's): nothing to change
    if (state.version === this.schemaVersion && state.lastVersion === this.schemaState.lastVersion) return this;
    return new Table(this.store, this.stored, state, this);
  }

  /**
   * The handle of this table at its current schema (the newest base manifest's): for work
   * that must write at the current schema whatever handle it was given (compaction).
   *
   * @example
   * ```ts
   * const now = await table.current();
   * console.log(now.schemaVersion);
   * ```
   */
  async current(): Promise<Table> {
    const { version, doc } = await this.baseManifests.latest();
    return this.atBase(doc, layout.manifest(layout.baseManifests, version));
  }

  /** Version 0: the schema `_table.json` holds. */
  initialSchema(): TableSchema {
    if (this.schemaVersion === 0) return this.schemaState;
    return initialTableSchema(this.stored, checkedSchemaFromBase64(this.stored.arrowSchema, layout.tableDoc));
  }

  /** Creates `_table.json` (put-if-absent); fails with `AlreadyExistsError` if the table exists. */
  static async create(store: ObjectStore, options: CreateTableOptions): Promise<Table> {
    const opts = parseOptions(createOptionsSchema, options, 'Table.create options');
    if (opts.primaryKey.length > 0) assertKeyColumns(opts.schema, opts.primaryKey);
    const dup = opts.primaryKey.find((c, i) => opts.primaryKey.indexOf(c) !== i);
    if (dup !== undefined) throw new SchemaMismatchError(`primary-key column "${dup}" is named twice`, { column: dup });
    const issues = mergeSpecIssues(opts, opts.schema, opts.primaryKey);
    if (issues.length) throw new InvalidOptionsError('Table.create options', issues);
    const doc: TableDoc = {
      formatVersion: TABLE_FORMAT_VERSION, createdAt: new Date().toISOString(), arrowSchema: schemaToBase64(opts.schema),
      fields: describeFields(opts.schema), primaryKey: opts.primaryKey, shards: opts.shards, checksums: true, ...storedMergeSpec(opts),
    };
    if ((await store.putIfAbsent(layout.tableDoc, sealedJsonBytes(doc))) === 'exists') {
      throw new AlreadyExistsError(`${store.uri}/${layout.tableDoc}`, 'a table already exists here: open it with Table.open');
    }
    const table = new Table(store, doc, initialTableSchema(doc, opts.schema));
    // hints for version 0, so the first reads of a fresh table need no LIST (a request that costs on S3)
    await Promise.all([table.baseManifests.hint(0), ...table.shardStores.map((s) => s.hint(0))]);
    return table;
  }

  /**
   * Opens an existing table at its current schema version (read from the newest base manifest);
   * `NotFoundError` if none, `UnsupportedFormatError` if from another format.
   */
  static async open(store: ObjectStore): Promise<Table> {
    return (await Table.openDoc(store)).current();
  }

  /**
   * The table as `_table.json` alone describes it (schema version 0), reading nothing else:
   * for checking that document by itself (`verify`). Everything else uses {@link Table.open}.
   *
   * @example
   * ```ts
   * const created = await Table.openDoc(store);
   * console.log(created.schemaVersion); // 0
   * ```
   */
  static async openDoc(store: ObjectStore): Promise<Table> {
    // not required here: a legacy table's _table.json has none; the marker below decides for the rest
    const { doc: raw, checked } = openStoredJson(await store.get(layout.tableDoc), layout.tableDoc, false, TABLE_FORMAT_VERSIONS) as { doc: { formatVersion?: unknown; checksums?: unknown } | null; checked: boolean };
    if (!TABLE_FORMAT_VERSIONS.includes(raw?.formatVersion as number)) throw new UnsupportedFormatError(layout.tableDoc, raw?.formatVersion, TABLE_FORMAT_VERSIONS);
    // the marker is written only together with the checksum: a marker without one is damage
    if (!checked && raw !== null && typeof raw === 'object' && 'checksums' in raw) throw new CorruptEntryError(layout.tableDoc, 'it says its documents carry checksums but has none itself; restore it');
    const doc = parseStored(tableDocSchema, raw, layout.tableDoc);
    const schema = checkedSchemaFromBase64(doc.arrowSchema, layout.tableDoc);
    // Table.create checked these; a document that fails them now was edited or damaged
    const issues = mergeSpecIssues(doc, schema, doc.primaryKey);
    if (issues.length) throw new CorruptEntryError(layout.tableDoc, `its merge options do not fit its schema: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    return new Table(store, doc, initialTableSchema(doc, schema));
  }

  get primaryKey(): readonly string[] {
    return this.doc.primaryKey;
  }

  get shardCount(): number {
    return this.doc.shards;
  }

  /** The file suffix of this table's WAL entries, fixed by its format version (`layout.walEntry`). */
  get walSuffix(): WalSuffix {
    return walSuffixOf(this.doc.formatVersion);
  }

  /** The table's merge options as stored (an empty object: deduplicate, no sequence field). */
  get mergeSpec(): MergeSpec {
    return storedMergeSpec(this.doc);
  }

  /** True when the table has no primary key: puts append, nothing is deduplicated. */
  get appendOnly(): boolean {
    return this.doc.primaryKey.length === 0;
  }

  /** The manifest versions of one shard. */
  shardManifests(shard: number): ManifestStore<ShardManifest> {
    const s = this.shardStores[shard];
    if (!s) throw new RangeError(`shard ${shard} does not exist: the table has shards 0..${this.doc.shards - 1}`);
    return s;
  }

  /** The shard of each key: a stable hash of its encoded bytes modulo the shard count. */
  shardsOf(keys: EncodedKeys): Uint16Array {
    const out = new Uint16Array(keys.count);
    if (this.doc.shards === 1) return out;
    for (let i = 0; i < keys.count; i++) out[i] = hashBytes(keys.bytes, keys.offsets[i], keys.offsets[i + 1]) % this.doc.shards;
    return out;
  }

  /**
   * Checks a batch against the table schema and returns it with columns in table
   * order. Throws `SchemaMismatchError` (nothing written) on a missing, extra,
   * repeated, reserved (`_ft_`) or retyped column, or a null in a non-nullable column.
   * Under the table's merge options (table/merge-input.ts) a partial-update put may leave
   * non-key columns out (they become nulls), the sequence field must hold a value on
   * every row, and aggregate `count` cells are stored as 1 (a value) or 0 (null).
   */
  conform(batch: unknown): RecordBatch {
    if (!isArrowRecordBatch(batch)) throw new SchemaMismatchError('expected an Arrow RecordBatch');
    const names = batch.schema.fields.map((f) => f.name);
    assertBatchColumnNames(names, 'the batch');
    const extra = names.filter((n) => !this.schema.fields.some((f) => f.name === n));
    if (extra.length) throw new SchemaMismatchError(`unexpected column(s) ${extra.join(', ')}`, { extra });
    const omitted = (f: Schema['fields'][number]) => !names.includes(f.name) && mayOmit(this.doc, f.name);
    const columns = this.schema.fields.map((f) => (omitted(f) ? omittedColumn(f, batch.numRows, batch) : this.conformColumn(batch, f.name, f.type, f.nullable).data[0]));
    const children = mergeInput(this.doc, this.schema, columns);
    // always re-wrapped (cheap: no buffer is copied), so stored batches carry the table's exact schema
    const data = makeData({ type: new Struct(this.schema.fields), length: batch.numRows, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }

  private conformColumn(batch: RecordBatch, name: string, type: Schema['fields'][number]['type'], nullable: boolean) {
    const idx = batch.schema.fields.findIndex((f) => f.name === name);
    if (idx < 0) throw new SchemaMismatchError(`missing column "${name}"`, { column: name });
    const got = batch.schema.fields[idx].type;
    if (!sameType(got, type)) throw new SchemaMismatchError(`column "${name}" has type ${String(got)}, the table has ${String(type)}`, { column: name });
    const vec = batch.getChildAt(idx)!;
    if (vec.data.length !== 1) throw new SchemaMismatchError(`column "${name}" must be a single chunk`, { column: name });
    // key columns are checked by encodeKeys, which raises the more precise NullPrimaryKeyError
    if (!nullable && vec.nullCount > 0 && !this.doc.primaryKey.includes(name)) throw new SchemaMismatchError(`column "${name}" is not nullable but holds ${vec.nullCount} null(s)`, { column: name });
    return vec;
  }
}

/** `_table.json` with the key columns, merge options and schema of schema version `state`. */
function docAt(stored: TableDoc, state: TableSchema): TableDoc {
  const { mergeEngine: _e, sequenceField: _s, aggregates: _a, ...rest } = stored;
  return { ...rest, arrowSchema: schemaToBase64(state.arrow), fields: describeFields(state.arrow), primaryKey: [...state.primaryKey], ...storedMergeSpec(state.mergeSpec) };
}
