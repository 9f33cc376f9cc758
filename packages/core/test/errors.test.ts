import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import {
  AlreadyExistsError, BackpressureError, CommitConflictError, CorruptEntryError, FreshtierError, InvalidOptionsError, NotFoundError,
  NullPrimaryKeyError, SchemaMismatchError, ShardFencedError, SnapshotExpiredError, StoreFailureError, UnsupportedFormatError,
  WriterClosedError, WriterPoisonedError, isFreshtierError, OutsideRootError, RollbackAbortedError, AggregateOverflowError, SchemaChangeRefusedError, SchemaChangedError, type ErrorCode,
} from '../src/errors.js';

const cause = new Error('root cause');

interface Case {
  error: FreshtierError;
  name: string;
  code: ErrorCode;
  context: Record<string, unknown>;
  cause: unknown;
  /** Facts the message must state. */
  mentions: string[];
  /** What the message tells the caller to do. */
  todo: RegExp;
}

const cases: Case[] = [
  {
    error: new SchemaMismatchError('column "x" has type Int64', { column: 'x' }), name: 'SchemaMismatchError', code: 'SCHEMA_MISMATCH',
    context: { column: 'x' }, cause: undefined, mentions: ['column "x" has type Int64', 'nothing was written'], todo: /Convert the batch to the table schema .* retry/,
  },
  {
    error: new NullPrimaryKeyError('id', 7, { shard: 2 }), name: 'NullPrimaryKeyError', code: 'NULL_PRIMARY_KEY',
    context: { column: 'id', row: 7, shard: 2 }, cause: undefined, mentions: ['"id"', 'row 7', 'nothing was written'], todo: /must be set on every row/,
  },
  {
    error: new ShardFencedError(3, 4, 5, cause), name: 'ShardFencedError', code: 'SHARD_FENCED',
    context: { shard: 3, epoch: 4, newerEpoch: 5 }, cause, mentions: ['Shard 3', 'epoch 4', 'epoch 5'], todo: /Close it and reopen a writer/,
  },
  {
    error: new ShardFencedError(3, 4, undefined), name: 'ShardFencedError', code: 'SHARD_FENCED',
    context: { shard: 3, epoch: 4, newerEpoch: undefined }, cause: undefined, mentions: ['Shard 3', 'epoch 4'], todo: /reopen a writer/,
  },
  {
    error: new WriterPoisonedError(1, 'an ambiguous WAL append', cause), name: 'WriterPoisonedError', code: 'WRITER_POISONED',
    context: { shard: 1, reason: 'an ambiguous WAL append' }, cause, mentions: ['Shard 1', 'an ambiguous WAL append'], todo: /close it and reopen a writer/,
  },
  {
    error: new BackpressureError(0, 2000, 1000, 30000, cause), name: 'BackpressureError', code: 'BACKPRESSURE',
    context: { shard: 0, unflushedBytes: 2000, limit: 1000, waitedMs: 30000 }, cause, mentions: ['2000', 'maxUnflushedBytes=1000', '30000 ms', 'nothing was written'], todo: /Check the object store .* retry the put/,
  },
  {
    error: new CorruptEntryError('shards/0/wal/1.arrow', 'checksum mismatch', cause), name: 'CorruptEntryError', code: 'CORRUPT_ENTRY',
    context: { path: 'shards/0/wal/1.arrow', detail: 'checksum mismatch' }, cause, mentions: ['shards/0/wal/1.arrow', 'checksum mismatch'], todo: /restore the object from a backup|freshtier verify/,
  },
  {
    error: new CommitConflictError('base/_manifests/v1.json', 1, cause), name: 'CommitConflictError', code: 'COMMIT_CONFLICT',
    context: { path: 'base/_manifests/v1.json', version: 1 }, cause, mentions: ['base/_manifests/v1.json', 'version 1'], todo: /Reload the latest version and retry/,
  },
  {
    error: new SnapshotExpiredError('generation 4 was collected', { shard: 0 }), name: 'SnapshotExpiredError', code: 'SNAPSHOT_EXPIRED',
    context: { shard: 0 }, cause: undefined, mentions: ['generation 4 was collected'], todo: /Take a new snapshot/,
  },
  {
    error: new InvalidOptionsError('ShardWriter options', [{ path: 'shard', message: 'expected an integer' }, { path: '', message: 'bad' }], cause), name: 'InvalidOptionsError', code: 'INVALID_OPTIONS',
    context: { what: 'ShardWriter options', issues: [{ path: 'shard', message: 'expected an integer' }, { path: '', message: 'bad' }] }, cause,
    mentions: ['ShardWriter options', 'shard: expected an integer', '(root): bad', 'nothing was changed'], todo: /Fix these fields and retry/,
  },
  {
    error: new NotFoundError('memory://1/_table.json'), name: 'NotFoundError', code: 'NOT_FOUND',
    context: { path: 'memory://1/_table.json' }, cause: undefined, mentions: ['memory://1/_table.json'], todo: /check the table root/,
  },
  {
    error: new AlreadyExistsError('memory://1/_table.json'), name: 'AlreadyExistsError', code: 'ALREADY_EXISTS',
    context: { path: 'memory://1/_table.json' }, cause: undefined, mentions: ['memory://1/_table.json'], todo: /open it instead of creating it/,
  },
  {
    error: new UnsupportedFormatError('_table.json', 2, 1), name: 'UnsupportedFormatError', code: 'UNSUPPORTED_FORMAT',
    context: { path: '_table.json', found: 2, supported: 1 }, cause: undefined, mentions: ['_table.json', 'format version 2', 'version 1', 'nothing was changed'], todo: /Upgrade freshtier/,
  },
  {
    error: new WriterClosedError(6), name: 'WriterClosedError', code: 'WRITER_CLOSED',
    context: { shard: 6 }, cause: undefined, mentions: ['Shard 6'], todo: /Open a new ShardWriter/,
  },
  {
    error: new StoreFailureError('put', 'a/b', cause), name: 'StoreFailureError', code: 'STORE_FAILURE',
    context: { op: 'put', path: 'a/b' }, cause, mentions: ['put', 'a/b', 'root cause'], todo: /Check the store and retry/,
  },
  {
    error: new OutsideRootError('delete', 'base/data/x.parquet', '/elsewhere/x.parquet', '/t'), name: 'OutsideRootError', code: 'OUTSIDE_ROOT',
    context: { op: 'delete', path: 'base/data/x.parquet', realPath: '/elsewhere/x.parquet', root: '/t' }, cause: undefined,
    mentions: ['base/data/x.parquet', '/elsewhere/x.parquet', 'table root /t', 'Nothing was changed'], todo: /replace the link with a real directory/,
  },
  {
    error: new RollbackAbortedError('a writer opened shard 1', { rollback: 'r1', shard: 1 }, cause), name: 'RollbackAbortedError', code: 'ROLLBACK_ABORTED',
    context: { rollback: 'r1', shard: 1 }, cause, mentions: ['a writer opened shard 1', 'nothing changed'], todo: /Stop or close the table's writers, then run the rollback again/,
  },
  {
    error: new AggregateOverflowError('clicks', 'sum', 128n, 'Int8'), name: 'AggregateOverflowError', code: 'AGGREGATE_OVERFLOW',
    context: { column: 'clicks', fn: 'sum', value: '128', type: 'Int8' }, cause: undefined,
    mentions: ['"clicks"', '128', 'Int8', 'never wraps or clamps', 'nothing was changed'], todo: /delete the key .* or create the table with a wider integer column/,
  },
  {
    error: new SchemaChangeRefusedError('widen-column id Int32', 'Int64 cannot narrow to Int32', 'Add a new column instead', { column: 'id' }), name: 'SchemaChangeRefusedError', code: 'SCHEMA_CHANGE_REFUSED',
    context: { change: 'widen-column id Int32', column: 'id' }, cause: undefined,
    mentions: ['widen-column id Int32', 'Int64 cannot narrow to Int32', 'the table was not changed'], todo: /Add a new column instead/,
  },
  {
    error: new SchemaChangedError('The writer of shard 0', 1, 3, { shard: 0 }), name: 'SchemaChangedError', code: 'SCHEMA_CHANGED',
    context: { holds: 1, current: 3, shard: 0 }, cause: undefined,
    mentions: ['The writer of shard 0', 'schema version 1', 'now version 3', 'nothing was written'], todo: /Reopen the table with Table.open/,
  },
];

describe('error classes', () => {
  it.each(cases.map((c) => [`${c.name} (${c.code})`, c] as const))('%s: code, name, context, cause, message', (_label, c) => {
    const e = c.error;
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(FreshtierError);
    expect(e.constructor.name).toBe(c.name);
    expect(e.name).toBe(c.name);
    expect(e.code).toBe(c.code);
    expect(e.context).toEqual(c.context);
    if (c.cause === undefined) expect('cause' in e).toBe(false);
    else expect(e.cause).toBe(c.cause);
    for (const m of c.mentions) expect(e.message).toContain(m);
    expect(e.message).toMatch(c.todo);
    expect(String(e)).toContain(c.name); // stack traces and logs show the class
    expect(e.stack).toContain(c.name);
    expect(isFreshtierError(e)).toBe(true);
    expect(isFreshtierError(e, c.code)).toBe(true);
    expect(isFreshtierError(e, c.code === 'NOT_FOUND' ? 'ALREADY_EXISTS' : 'NOT_FOUND')).toBe(false);
  });

  it('covers every exported error class', () => {
    const exported = Object.entries(core)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof FreshtierError)
      .map(([k]) => k)
      .sort();
    expect(exported).toEqual([...new Set(cases.map((c) => c.name))].sort());
  });

  it('the codes are distinct per class', () => {
    const byName = new Map(cases.map((c) => [c.name, c.code]));
    expect(new Set(byName.values()).size).toBe(byName.size);
  });

  it('InvalidOptionsError exposes the issues', () => {
    const e = new InvalidOptionsError('x', [{ path: 'a.b', message: 'm' }]);
    expect(e.issues).toEqual([{ path: 'a.b', message: 'm' }]);
  });

  it('StoreFailureError renders a non-Error cause', () => {
    expect(new StoreFailureError('get', 'k', 'socket hang up').message).toContain('socket hang up');
  });

  it('a FreshtierError with no context has an empty one', () => {
    const e = new FreshtierError('NOT_FOUND', 'x');
    expect(e.context).toEqual({});
    expect(e.name).toBe('FreshtierError');
  });
});

describe('isFreshtierError', () => {
  it('recognises a freshtier error from another copy of the package (structural, not instanceof)', () => {
    const foreign = Object.assign(new Error('other copy'), { code: 'COMMIT_CONFLICT' });
    expect(isFreshtierError(foreign)).toBe(true);
    expect(isFreshtierError(foreign, 'COMMIT_CONFLICT')).toBe(true);
    expect(isFreshtierError(foreign, 'SHARD_FENCED')).toBe(false);
  });

  it('rejects non-errors', () => {
    for (const x of [undefined, null, 'CORRUPT_ENTRY', 42, { code: 'CORRUPT_ENTRY', message: 'x' }]) expect(isFreshtierError(x)).toBe(false);
    expect(isFreshtierError(new Error('plain'))).toBe(false);
    expect(isFreshtierError(new TypeError('plain'))).toBe(false);
    expect(isFreshtierError(Object.assign(new Error('x'), { code: 42 }))).toBe(false);
  });

  it('rejects errors that carry some other code (Node system errors)', async () => {
    const enoent = await readFile('/definitely/not/here/freshtier').catch((e: unknown) => e);
    expect((enoent as { code?: string }).code).toBe('ENOENT');
    expect(isFreshtierError(enoent)).toBe(false);
    expect(isFreshtierError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBe(false);
  });
});
