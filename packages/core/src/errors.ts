/**
 * Typed errors. Every error freshtier throws on purpose is a {@link FreshtierError}
 * with a discriminating `code`, the context that explains it, and the underlying `cause`.
 * Messages say what went wrong and what to do about it.
 *
 * @example
 * ```ts
 * try { await writer.put(batch); }
 * catch (e) {
 *   if (isFreshtierError(e, 'SHARD_FENCED')) console.log('another writer took the shard over: reopen');
 *   else throw e;
 * }
 * ```
 */
export type ErrorCode =
  | 'SCHEMA_MISMATCH'
  | 'NULL_PRIMARY_KEY'
  | 'SHARD_FENCED'
  | 'WRITER_POISONED'
  | 'BACKPRESSURE'
  | 'CORRUPT_ENTRY'
  | 'COMMIT_CONFLICT'
  | 'SNAPSHOT_EXPIRED'
  | 'INVALID_OPTIONS'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'UNSUPPORTED_FORMAT'
  | 'WRITER_CLOSED'
  | 'STORE_FAILURE'
  | 'OUTSIDE_ROOT'
  | 'ROLLBACK_ABORTED'
  | 'AGGREGATE_OVERFLOW'
  | 'SCHEMA_CHANGE_REFUSED'
  | 'SCHEMA_CHANGED';

/** Base class of every freshtier error; branch on `code`. */
export class FreshtierError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
  }
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'SCHEMA_MISMATCH', 'NULL_PRIMARY_KEY', 'SHARD_FENCED', 'WRITER_POISONED', 'BACKPRESSURE', 'CORRUPT_ENTRY', 'COMMIT_CONFLICT',
  'SNAPSHOT_EXPIRED', 'INVALID_OPTIONS', 'NOT_FOUND', 'ALREADY_EXISTS', 'UNSUPPORTED_FORMAT', 'WRITER_CLOSED', 'STORE_FAILURE',
  'OUTSIDE_ROOT', 'ROLLBACK_ABORTED', 'AGGREGATE_OVERFLOW', 'SCHEMA_CHANGE_REFUSED', 'SCHEMA_CHANGED',
]);

/**
 * Is `e` a freshtier error (optionally with the given code)? Works across package copies.
 * Only freshtier's codes count: a Node system error (`code: 'ENOENT'`) is not one.
 */
export function isFreshtierError(e: unknown, code?: ErrorCode): e is FreshtierError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  return e instanceof Error && typeof c === 'string' && ERROR_CODES.has(c) && (code === undefined || c === code);
}

type Ctx = Record<string, unknown>;

/** A batch's schema does not match the table's. Nothing was written. */
export class SchemaMismatchError extends FreshtierError {
  constructor(detail: string, context: Ctx = {}) {
    super('SCHEMA_MISMATCH', `Schema mismatch: ${detail}. Convert the batch to the table schema (see Table.schema) and retry; nothing was written.`, { context });
  }
}

/** A primary-key column holds a null (or is missing). Nothing was written. */
export class NullPrimaryKeyError extends FreshtierError {
  constructor(column: string, row: number, context: Ctx = {}) {
    super('NULL_PRIMARY_KEY', `Primary-key column "${column}" is null at row ${row}. Every key column must be set on every row; nothing was written.`, { context: { column, row, ...context } });
  }
}

/** Another writer claimed a newer epoch on this shard; this writer must stop. */
export class ShardFencedError extends FreshtierError {
  constructor(shard: number, epoch: number, newerEpoch: number | undefined, cause?: unknown) {
    super('SHARD_FENCED', `Shard ${shard}: writer epoch ${epoch} was fenced by a newer writer${newerEpoch === undefined ? '' : ` (epoch ${newerEpoch})`}. This writer can no longer write; writes not acked were not applied. Close it and reopen a writer if this process should own the shard.`, { cause, context: { shard, epoch, newerEpoch } });
  }
}

/** The writer could not tell whether a write landed and stopped itself to stay correct. */
export class WriterPoisonedError extends FreshtierError {
  constructor(shard: number, reason: string, cause?: unknown) {
    super('WRITER_POISONED', `Shard ${shard}: writer stopped after ${reason}. Its state may differ from storage; close it and reopen a writer, which replays the WAL and recovers every acked write.`, { cause, context: { shard, reason } });
  }
}

/** Unflushed data exceeds the limit and flushing made no progress within the grace period. */
export class BackpressureError extends FreshtierError {
  constructor(shard: number, unflushedBytes: number, limit: number, waitedMs: number, cause?: unknown) {
    super('BACKPRESSURE', `Shard ${shard}: ${unflushedBytes} unflushed bytes exceed maxUnflushedBytes=${limit} and flushing made no progress for ${waitedMs} ms. Check the object store (last flush error in cause), then retry the put; nothing was written.`, { cause, context: { shard, unflushedBytes, limit, waitedMs } });
  }
}

/** A stored object (WAL entry, manifest, data file, key index) failed its checks. */
export class CorruptEntryError extends FreshtierError {
  constructor(path: string, detail: string, cause?: unknown) {
    super('CORRUPT_ENTRY', `Corrupt object ${path}: ${detail}. The object was not used and nothing was changed. "freshtier verify <table>" lists every damaged object and what it affects; "freshtier repair <table>" shows how each can be repaired (a dry run; "--apply" acts), or restore the object from a backup.`, { cause, context: { path, detail } });
  }
}

/** A conditional commit lost a race: someone else created that version first. */
export class CommitConflictError extends FreshtierError {
  constructor(path: string, version: number, cause?: unknown) {
    super('COMMIT_CONFLICT', `Commit conflict at ${path}: version ${version} already exists (another writer committed first). Reload the latest version and retry.`, { cause, context: { path, version } });
  }
}

/** A snapshot's files are past retention and may be gone. */
export class SnapshotExpiredError extends FreshtierError {
  constructor(detail: string, context: Ctx = {}) {
    super('SNAPSHOT_EXPIRED', `Snapshot expired: ${detail}. Take a new snapshot; raise snapshot retention if reads take longer.`, { context });
  }
}

/** Options failed validation; `issues` names each bad field. */
export class InvalidOptionsError extends FreshtierError {
  readonly issues: { path: string; message: string }[];
  constructor(what: string, issues: { path: string; message: string }[], cause?: unknown) {
    const list = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    super('INVALID_OPTIONS', `Invalid ${what}: ${list}. Fix these fields and retry; nothing was changed.`, { cause, context: { what, issues } });
    this.issues = issues;
  }
}

/**
 * An object the table needs does not exist. `subject` replaces the opening "Object not
 * found: <path>" where the caller knows better what is missing (say, a tag nobody made);
 * `context.hint`, when set, is what a UI should advise instead of its generic hint.
 */
export class NotFoundError extends FreshtierError {
  constructor(path: string, hint = 'check the table root and that no file was deleted by hand', more: { subject?: string; context?: Ctx } = {}) {
    super('NOT_FOUND', `${more.subject ?? `Object not found: ${path}`}; ${hint}.`, { context: { path, ...more.context } });
  }
}

/** A create-once object already exists (e.g. `_table.json`). */
export class AlreadyExistsError extends FreshtierError {
  constructor(path: string, hint = 'open it instead of creating it') {
    super('ALREADY_EXISTS', `Object already exists: ${path}; ${hint}.`, { context: { path } });
  }
}

/** A stored document has a format version this build cannot read. */
export class UnsupportedFormatError extends FreshtierError {
  constructor(path: string, found: unknown, supported: number | readonly number[], doubt?: string) {
    const reads = typeof supported === 'number' ? `version ${supported}` : `versions ${supported.join(' and ')}`;
    super('UNSUPPORTED_FORMAT', `${path} has format version ${String(found)}, this build reads ${reads}${doubt ? ` (${doubt})` : ''}. Upgrade freshtier to read it; nothing was changed.`, { context: { path, found, supported } });
  }
}

/** The writer was closed; open a new one. */
export class WriterClosedError extends FreshtierError {
  constructor(shard: number) {
    super('WRITER_CLOSED', `Shard ${shard}: the writer is closed. Open a new ShardWriter to write again.`, { context: { shard } });
  }
}

/** The object store failed an operation in a way freshtier does not interpret. */
export class StoreFailureError extends FreshtierError {
  constructor(op: string, path: string, cause: unknown) {
    super('STORE_FAILURE', `Object store ${op} of ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}. Check the store and retry.`, { cause, context: { op, path } });
  }
}

/**
 * A rollback that did not commit because a writer opened (or another rollback started) while
 * it ran: the table is unchanged, and the writer that opened keeps its shard.
 *
 * @example
 * ```ts
 * try { await rollback(table, 'nightly'); }
 * catch (e) { if (e instanceof RollbackAbortedError) console.log('stop the writers, then retry'); }
 * ```
 */
export class RollbackAbortedError extends FreshtierError {
  constructor(reason: string, context: Ctx = {}, cause?: unknown) {
    super('ROLLBACK_ABORTED', `Rollback aborted, nothing changed: ${reason}. Stop or close the table's writers, then run the rollback again.`, { cause, context });
  }
}

/**
 * A local store refused a path whose real location (after following symbolic links)
 * is not under the table root: no store operation reads, writes, lists or deletes
 * outside the root (DESIGN.md invariant 16).
 *
 * @example
 * ```ts
 * try { await store.get('base/data/x.parquet'); }
 * catch (e) { if (isFreshtierError(e, 'OUTSIDE_ROOT')) console.log(e.context.realPath); }
 * ```
 */
export class OutsideRootError extends FreshtierError {
  constructor(op: string, path: string, realPath: string, root: string) {
    super('OUTSIDE_ROOT', `Object store ${op} of ${path} refused: a symbolic link leads it out of the table root ${root} (its real location is ${realPath}). freshtier never reads, writes or deletes outside a table root; replace the link with a real directory inside the root (copy the files in), or open the table where its files really are. Nothing was changed.`, { context: { op, path, realPath, root } });
  }
}

/**
 * A read's answer for an aggregate (`sum`, `count`) of a key's versions leaves its column's
 * integer type. The value is never wrapped or clamped: the read fails (flush and compaction
 * store sums exactly and never fail on them; docs/merge-engines.md "The engines").
 *
 * @example
 * ```ts
 * try { await scanner.scan().toTable(); }
 * catch (e) { if (isFreshtierError(e, 'AGGREGATE_OVERFLOW')) console.log(e.context.column); }
 * ```
 */
export class AggregateOverflowError extends FreshtierError {
  constructor(column: string, fn: string, value: bigint, type: string) {
    super('AGGREGATE_OVERFLOW', `The ${fn} of column "${column}" for one key is ${value}, outside its type ${type}. freshtier never wraps or clamps an aggregate: delete the key (a delete ends its history) or create the table with a wider integer column; nothing was changed.`, { context: { column, fn, value: String(value), type } });
  }
}

/**
 * A schema change (`evolveSchema`, `freshtier alter`) that freshtier refuses: it would make
 * stored data unreadable or break the table's key or merge options. Nothing was changed.
 *
 * @example
 * ```ts
 * try { await evolveSchema(table, { kind: 'drop-column', name: 'id' }); }
 * catch (e) { if (isFreshtierError(e, 'SCHEMA_CHANGE_REFUSED')) console.log(e.context.column); }
 * ```
 */
export class SchemaChangeRefusedError extends FreshtierError {
  constructor(change: string, reason: string, todo: string, context: Ctx = {}) {
    super('SCHEMA_CHANGE_REFUSED', `Schema change refused (${change}): ${reason}. ${todo}; the table was not changed.`, { context: { change, ...context } });
  }
}

/**
 * A table handle or writer holds an older schema version than the table's: its batches
 * and reads would use columns the table no longer has. Reopen it (`Table.open`, then a new
 * writer or scanner); nothing was written.
 *
 * @example
 * ```ts
 * try { await writer.put(batch); }
 * catch (e) { if (isFreshtierError(e, 'SCHEMA_CHANGED')) console.log('reopen:', (await Table.open(store)).schemaVersion); }
 * ```
 */
export class SchemaChangedError extends FreshtierError {
  constructor(what: string, holds: number, current: number, context: Ctx = {}) {
    super('SCHEMA_CHANGED', `${what} uses schema version ${holds}, but the table's schema is now version ${current}. Reopen the table with Table.open (evolveSchema returns the new handle) and open a new writer or scanner on it; nothing was written.`, { context: { holds, current, ...context } });
  }
}
