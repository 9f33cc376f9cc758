/**
 * The open format's read-only entry points with bad input, for bad-input.test.ts (issue
 * 15): `liveFiles` with a version that is not one (unknown tag, unstored or malformed
 * version) and `latestStateSql` on requests it cannot serve (an empty view name, a store
 * no SQL engine reads, an unknown dialect). Each is a typed error naming what is wrong and
 * changes no stored byte. One rule: the live files of the fixture are exactly its flushed
 * generation, and the WAL entries it abandoned are counted, not listed as files.
 */
import { MemoryStore, Table } from '@freshtier/core';
import { latestStateSql, liveFiles } from '@freshtier/writer';
import { Field, Int64, Schema, Utf8 } from 'apache-arrow';
import { expect } from 'vitest';
import type { InputCase } from './bad-input-cases.js';

const fail = (p: Promise<unknown> | (() => unknown)) => (typeof p === 'function' ? Promise.resolve().then(p) : p).then(() => undefined, (e: unknown) => e);
const plain = new Schema([new Field('id', new Int64(), false), new Field('v', new Utf8(), true)]);

export const OPEN_FORMAT_INPUTS: InputCase[] = [
  { name: 'liveFiles of a tag nobody made', expected: { code: 'NOT_FOUND', message: /There is no tag "nope"/ },
    act: (f) => fail(liveFiles(f.table, 'nope')) },
  { name: 'liveFiles of a base version that is not stored', expected: { code: 'NOT_FOUND', message: /v00000000000000000099\.json.*does not exist or was pruned by gc/ },
    act: (f) => fail(liveFiles(f.table, { baseVersion: 99, shardVersions: [0] })) },
  { name: 'liveFiles of a version with the wrong shard count or a negative number', expected: { code: 'INVALID_OPTIONS', message: /one version per shard/ },
    act: (f) => fail(liveFiles(f.table, { baseVersion: -1, shardVersions: [0] })) },
  { name: 'latestStateSql with an empty view name', expected: { code: 'INVALID_OPTIONS', message: /name: give a non-empty view name/ },
    act: async () => {
      const t = await Table.create(new MemoryStore(), { schema: plain, primaryKey: ['id'], shards: 1, mergeEngine: 'aggregate', aggregates: { v: 'last' } });
      return fail(() => latestStateSql(t, { version: { baseVersion: 0, shardVersions: [0] }, newest: true, shards: [], files: [] }, { name: '' }));
    } },
  { name: 'latestStateSql of files no SQL engine can read, in an unknown dialect', expected: { code: 'INVALID_OPTIONS', message: /dialect: "sqlite" is not supported.*no SQL engine can read/ },
    act: async () => {
      const t = await Table.create(new MemoryStore(), { schema: plain, primaryKey: ['id'], shards: 1 });
      const file = { kind: 'generation' as const, shard: 0, generation: 1, path: 'x', url: 'memory://x/x', rows: 1, bytes: 1, rowGroupSize: 1 };
      return fail(() => latestStateSql(t, { version: { baseVersion: 0, shardVersions: [1] }, newest: true, shards: [], files: [file] }, { dialect: 'sqlite' as 'duckdb' }));
    } },
  { name: 'liveFiles of the fixture: its flushed generation, and its abandoned WAL entries counted', expected: 'rule',
    act: async (f) => {
      const live = await liveFiles(f.table);
      expect(live.files.map((x) => [x.kind, x.path, x.keyIndexPath])).toEqual([['generation', f.parquetPath, f.keyIndexPath]]);
      expect(live.shards[0].pendingWal).toBeGreaterThanOrEqual(f.wal.length);
      return undefined;
    } },
];
