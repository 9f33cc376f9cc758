/**
 * The change feed (DESIGN.md "Concepts": change feed; invariant 15): what turns a scan of
 * table version `from` into a scan of version `to`, as Arrow batches of the table's
 * columns plus `_ft_op` — `insert`, `update_before`, `update_after`, `delete`.
 *
 * 1. Resolve both versions; per shard, the generations effective in exactly one of them
 *    (changed-keys.ts) are the only places a key's state can differ.
 * 2. Stream their keys in order, deduplicated, a chunk at a time (k-way merge of the
 *    sorted generation files: no full-table diff).
 * 3. Per chunk, read the keys' state at both versions with two pinned scanners (`get`:
 *    the one merge, so every merge engine's state is what is compared), and emit per key:
 *    absent → live `insert`; live → absent `delete`; changed `update_before` then
 *    `update_after`; unchanged nothing. Memory: one chunk and one row group per file.
 * Append-only tables have no keys: the rows of generations effective only in `to` are
 * inserts, those effective only in `from` deletes.
 */
import {
  FileReader, InvalidOptionsError, SnapshotExpiredError, conformBatch, isSchemaAncestor, schemaVersionOfBase, isFreshtierError, emptyStats, encodeKeys, gatherColumn, keyToHex, layout, parseOptions, rowGroupCount,
  type BaseManifest, type DataFile, type Table,
} from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { Field, RecordBatch, Schema, Struct, Table as ArrowTable, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { z } from 'zod';
import { head, resolveVersion, type TableVersion, type VersionRef } from '../maintenance/versions.js';
import { changedGenerationFiles, changedKeys, effectiveGenerations } from './changed-keys.js';
import { sameRow } from './same-row.js';

/**
 * The operation of a change row.
 *
 * @example
 * ```ts
 * const op: ChangeOp = 'update_after';
 * ```
 */
export type ChangeOp = 'insert' | 'update_before' | 'update_after' | 'delete';

/** The system column holding each change row's {@link ChangeOp}. */
export const CHANGE_OP_COLUMN = '_ft_op';

/**
 * Options of {@link changes}.
 *
 * @example
 * ```ts
 * const opts: ChangesOptions = { from: 'nightly', to: { baseVersion: 4, shardVersions: [9, 7] }, batchSize: 10_000 };
 * ```
 */
export interface ChangesOptions {
  /** The version the feed starts from (a tag or a table version). */
  from: VersionRef;
  /** The version it leads to (default: the newest). */
  to?: VersionRef;
  /** Keys per output step (default 65,536): bounds memory. */
  batchSize?: number;
}

const optionsSchema = z.strictObject({
  from: z.union([z.string().min(1), z.object({ baseVersion: z.number(), shardVersions: z.array(z.number()) })]),
  to: z.union([z.string().min(1), z.object({ baseVersion: z.number(), shardVersions: z.array(z.number()) })]).optional(),
  batchSize: z.number().int().min(1).optional(),
});

/**
 * The feed from `from` to `to` (see the module doc): an async iterable of batches, in
 * shard order then key order.
 *
 * @example
 * ```ts
 * for await (const batch of changes(table, { from: 'before-import' })) {
 *   console.log(batch.numRows, batch.getChild('_ft_op')?.get(0));
 * }
 * ```
 */
export async function* changes(handle: Table, options: ChangesOptions): AsyncGenerator<RecordBatch> {
  const opts = parseOptions(optionsSchema, options, 'changes options');
  const from = await pinnedVersion(handle, opts.from as VersionRef);
  const to = opts.to === undefined ? await head(handle) : await pinnedVersion(handle, opts.to as VersionRef);
  const chunk = opts.batchSize ?? 65_536;
  const bases = [await handle.baseManifests.load(from.baseVersion), await handle.baseManifests.load(to.baseVersion)] as const;
  // both ends are read at the schema of `to` (issue 17): the feed turns `from`'s rows, read onto it, into `to`'s
  const table = handle.atBase(bases[1], layout.manifest(layout.baseManifests, to.baseVersion));
  assertOneLine(table, schemaVersionOfBase(bases[0]));
  const before = new LsmScanner(table, { at: from });
  const after = new LsmScanner(table, { at: to });
  for (let shard = 0; shard < table.shardCount; shard++) {
    const { gone, added, all } = await changedFiles(table, [from, to], bases, shard);
    if (table.appendOnly) {
      yield* wholeFiles(table, gone, 'delete');
      yield* wholeFiles(table, added, 'insert');
      continue;
    }
    for await (const keys of changedKeys(table, all, chunk)) {
      const out = await diffChunk(table, keys, before, after);
      if (out.numRows > 0) yield out;
    }
  }
}

/**
 * `from`'s schema must be `to`'s or one it was changed from: across a rollback that undid a
 * schema change, `from`'s rows may hold values `to`'s columns have no room for (a widening
 * undone), so no feed turns one scan into the other.
 */
function assertOneLine(to: Table, fromSchema: number): void {
  if (isSchemaAncestor(to.schemaState, fromSchema)) return;
  throw new InvalidOptionsError('changes options', [{
    path: 'from',
    message: `schema version ${fromSchema} of "from" is not one schema version ${to.schemaVersion} of "to" was changed from (a rollback undid it in between), so no change feed leads from one to the other; scan both versions instead`,
  }]);
}

/**
 * A version to read the feed at. A table version whose manifests GC pruned is
 * `SnapshotExpiredError` (the feed cannot be computed any more); an unknown tag stays
 * `NotFoundError` (a typo, not an expiry).
 */
async function pinnedVersion(table: Table, ref: VersionRef): Promise<TableVersion> {
  try {
    return await resolveVersion(table, ref);
  } catch (e) {
    if (typeof ref === 'string' || !isFreshtierError(e, 'NOT_FOUND')) throw e;
    throw new SnapshotExpiredError(`table version ${ref.baseVersion}:${ref.shardVersions.join(',')} is no longer stored (GC pruned its manifests), so no change feed can start or end there; tag the versions you want feeds between`, { cause: e });
  }
}

/**
 * The schema of the feed: the table's columns plus `_ft_op`.
 *
 * @example
 * ```ts
 * changeSchema(table).fields.at(-1)?.name; // '_ft_op'
 * ```
 */
export function changeSchema(table: Table): Schema {
  return new Schema([...table.schema.fields, new Field(CHANGE_OP_COLUMN, new Utf8(), false)], table.schema.metadata);
}

/** Step 1 for one shard; `bases` are the two versions' base manifests (read once for every shard). */
async function changedFiles(table: Table, versions: readonly [TableVersion, TableVersion], bases: readonly [BaseManifest, BaseManifest], shard: number): Promise<{ gone: DataFile[]; added: DataFile[]; all: DataFile[] }> {
  const eff = async (i: 0 | 1) => effectiveGenerations(await table.shardManifests(shard).load(versions[i].shardVersions[shard]), bases[i]);
  const [a, b] = [await eff(0), await eff(1)];
  const gone = [...a].filter(([g, f]) => b.get(g)?.path !== f.path).map(([, f]) => f);
  const added = [...b].filter(([g, f]) => a.get(g)?.path !== f.path).map(([, f]) => f);
  return { gone, added, all: changedGenerationFiles(a, b) };
}

/** Step 3 for one chunk of keys. */
async function diffChunk(table: Table, keys: readonly { batch: RecordBatch; row: number }[], before: LsmScanner, after: LsmScanner): Promise<RecordBatch> {
  const keyFields = table.schema.fields.filter((f) => table.primaryKey.includes(f.name));
  const keyBatch = gathered(new Schema(keyFields), [...new Set(keys.map((k) => k.batch))], keys);
  const [was, now] = [await before.get(keyBatch), await after.get(keyBatch)];
  const wasAt = rowsByKey(table, was);
  const nowAt = rowsByKey(table, now);
  const picks: { batch: RecordBatch; row: number }[] = [];
  const ops: ChangeOp[] = [];
  const encoded = encodeKeys(keyBatch, table.primaryKey);
  for (let i = 0; i < encoded.count; i++) {
    const k = keyToHex(encoded.bytes.subarray(encoded.offsets[i], encoded.offsets[i + 1]));
    const w = wasAt.get(k);
    const n = nowAt.get(k);
    if (w && n && sameRow(w.batch, w.row, n.batch, n.row)) continue;
    if (w) picks.push(w), ops.push(n ? 'update_before' : 'delete');
    if (n) picks.push(n), ops.push(w ? 'update_after' : 'insert');
  }
  return withOps(table, picks, ops);
}

/** Where each live key's row is in a `get` result, by the hex of its encoded key. */
function rowsByKey(table: Table, t: ArrowTable): Map<string, { batch: RecordBatch; row: number }> {
  const out = new Map<string, { batch: RecordBatch; row: number }>();
  for (const batch of t.batches) {
    const keys = encodeKeys(batch, table.primaryKey);
    for (let r = 0; r < keys.count; r++) out.set(keyToHex(keys.bytes.subarray(keys.offsets[r], keys.offsets[r + 1])), { batch, row: r });
  }
  return out;
}

/** The rows `picks` (table columns) with `_ft_op` = `ops`. */
function withOps(table: Table, picks: readonly { batch: RecordBatch; row: number }[], ops: readonly ChangeOp[]): RecordBatch {
  const schema = changeSchema(table);
  const rows = gathered(table.schema, [...new Set(picks.map((p) => p.batch))], picks);
  const children = [...table.schema.fields.map((_, i) => rows.getChildAt(i)!.data[0]), vectorFromArray([...ops], new Utf8()).data[0]];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ops.length, nullCount: 0, children }));
}

/** The columns of `schema` at `(batch, row)` references, as one batch. */
function gathered(schema: Schema, batches: RecordBatch[], refs: readonly { batch: RecordBatch; row: number }[]): RecordBatch {
  const index = new Map(batches.map((b, i) => [b, i]));
  const sel = { count: refs.length, batchOf: Int32Array.from(refs, (r) => index.get(r.batch)!), rowOf: Int32Array.from(refs, (r) => r.row) };
  const children = schema.fields.map((f) => gatherColumn(batches, f.name, f.type, sel));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: refs.length, nullCount: 0, children }));
}

/** Append-only tables: every row of `files`, as `op`. */
async function* wholeFiles(table: Table, files: readonly DataFile[], op: ChangeOp): AsyncGenerator<RecordBatch> {
  const reader = new FileReader(table, emptyStats(), 0);
  for (const file of files) {
    const bytes = await reader.dataFile(file);
    for (let rg = 0; rg < rowGroupCount(file); rg++) {
      for (const raw of reader.readRowGroup(bytes, file, rg)) {
        const b = conformBatch(raw, table.schema.fields, []);
        if (b.numRows === 0) continue;
        yield withOps(table, Array.from({ length: b.numRows }, (_, row) => ({ batch: b, row })), new Array<ChangeOp>(b.numRows).fill(op));
      }
    }
  }
}
