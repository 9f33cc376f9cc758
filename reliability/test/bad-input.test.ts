/**
 * Bad input catalogue (DESIGN.md invariants 13 and 16, "Errors"): one case per kind of bad input, each on a fresh copy of a
 * real table (badInputFixture in bad-input-cases.ts: a flushed generation and three unflushed WAL
 * entries). Each case must fail with a typed error whose `code` and message name what
 * is wrong — or, for input that is valid but odd (duplicate keys in a batch, NaN and
 * -0 keys, a 20 MiB string, an empty batch), follow the documented rule. Every object
 * in the store is hashed before and after; the `stored` column says what may differ:
 * - unchanged: every object byte-identical, nothing added;
 * - additive: no existing object changed or removed (opening a writer claims an epoch
 *   and writes a fence: new objects; the `_latest` manifest hint may move forward);
 * - quarantine: additive, except the damaged WAL tail `repair` set aside, whose bytes
 *   must survive under `wal-quarantine/` while a repaired fence fills its position.
 */
import { isFreshtierError, type ErrorCode } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { ShardWriter, repair } from '@freshtier/writer';
import { afterAll, describe, expect, it } from 'vitest';
import { diffObjects, hashObjects, keysBatch } from '../src/data.js';
import { scanAll } from '../src/recover.js';
import { emptyCounts, reportPart } from '../src/summary.js';
import { ODD_INPUTS, WRITE_INPUTS, badInputFixture, flipMiddle, type Expected, type Fixture, type InputCase } from './bad-input-cases.js';
import { BACKPRESSURE_INPUTS } from './bad-input-cases-backpressure.js';
import { CAST_INPUTS } from './bad-input-cases-casts.js';
import { OPEN_FORMAT_INPUTS } from './bad-input-cases-open-format.js';
import { MERGE_INPUTS } from './bad-input-cases-merge.js';
import { CLI_INPUTS } from './bad-input-cases-cli.js';
import { LITERAL_INPUTS } from './bad-input-cases-literals.js';
import { MAINTENANCE_INPUTS } from './bad-input-cases-maintenance.js';
import { NAME_INPUTS } from './bad-input-cases-names.js';
import { ROLLBACK_INPUTS } from './bad-input-cases-rollback.js';
import { WAL_INPUTS } from './bad-input-cases-wal.js';
import { SCHEMA_INPUTS } from './bad-input-cases-schema.js';
import { TEXT_INPUTS } from './bad-input-cases-text.js';

const counts = emptyCounts();
afterAll(() => reportPart('bad-input', counts));

type Stored = 'unchanged' | 'additive' | 'quarantine';
interface Case {
  name: string;
  stored: Stored;
  expected: Expected;
  /** Damage done before the hashes are taken (the "bad input" at rest). */
  damage?: (f: Fixture) => Promise<void>;
  /** What the user does; returns the error (or, for `rule` cases, nothing). `mark()` re-takes the "before" hashes. */
  act: (f: Fixture, mark: () => Promise<void>) => Promise<unknown>;
}

const catchError = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const writer = (f: Fixture) => ShardWriter.open(f.table, { shard: 0, autoFlush: false });
const put = async (f: Fixture, batch: unknown) => catchError((await writer(f)).put(batch as never));

const AT_REST: Case[] = [
  { name: 'corrupt WAL tail (the open stops, naming the rows and the repair command)', stored: 'additive', expected: { code: 'CORRUPT_ENTRY', message: /checksum mismatch.*held generation \d+ batch \d+ \(put\).*freshtier repair/ },
    damage: async (f) => f.store.put(f.wal[2].key, flipMiddle(await f.store.get(f.wal[2].key))),
    act: (f) => catchError(writer(f)) },
  { name: 'repair --apply of a corrupt WAL tail (set aside, rows named, the writer opens)', stored: 'quarantine', expected: 'rule',
    damage: async (f) => f.store.put(f.wal[2].key, flipMiddle(await f.store.get(f.wal[2].key))),
    act: async (f) => {
      const report = await repair(f.table, { apply: true });
      expect(report.actions.map((a) => a.action)).toEqual(['set-aside-wal-entry']);
      // the flip may land in the record itself: its coordinates come from the header, its keys only if it still decodes
      expect(report.actions[0].lost).toMatchObject({ known: true, batches: [{ op: 'put' }] });
      const w = await ShardWriter.open(f.table, { shard: 0, autoFlush: false });
      expect((await scanAll(f.table, [w])).rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      return undefined;
    } },
  { name: 'corrupt WAL entry in the middle', stored: 'additive', expected: { code: 'CORRUPT_ENTRY', message: /wal\/0+\d+\.ftw: WAL entry \d+ of shard 0 is damaged \(checksum mismatch\)/ },
    damage: async (f) => f.store.put(f.wal[1].key, flipMiddle(await f.store.get(f.wal[1].key))),
    act: (f) => catchError(writer(f)) },
  { name: 'corrupt Parquet file (truncated)', stored: 'unchanged', expected: { code: 'CORRUPT_ENTRY', message: /data\.parquet: unreadable Parquet file/ },
    damage: async (f) => f.store.put(f.parquetPath, (await f.store.get(f.parquetPath)).subarray(0, 300)),
    act: (f) => catchError(scanAll(f.table)) },
  { name: 'missing Parquet file', stored: 'unchanged', expected: { code: 'SNAPSHOT_EXPIRED', message: /data\.parquet, named by the manifest versions this read pinned, is gone/ },
    damage: (f) => f.store.delete(f.parquetPath),
    act: (f) => catchError(scanAll(f.table)) },
  { name: 'corrupt key index', stored: 'unchanged', expected: { code: 'CORRUPT_ENTRY', message: /keys\.ftk: .*key index/ },
    damage: async (f) => f.store.put(f.keyIndexPath, (await f.store.get(f.keyIndexPath)).subarray(0, 100)),
    act: (f) => catchError(new LsmScanner(f.table).containsPks(keysBatch([3, 70]))) },
  { name: 'unknown format version in _table.json', stored: 'unchanged', expected: { code: 'UNSUPPORTED_FORMAT', message: /_table\.json has format version 99, this build reads versions 1 and 2/ },
    damage: async (f) => f.store.put('_table.json', new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(await f.store.get('_table.json'))), formatVersion: 99 }))),
    act: async (f) => catchError((await import('@freshtier/core')).Table.open(f.store)) },
  { name: 'shard manifest from the future', stored: 'unchanged', expected: { code: 'UNSUPPORTED_FORMAT', message: /shards\/0\/_manifests\/v0+\d+\.json has format version 2/ },
    damage: (f) => plantManifest(f, `shards/0/_manifests/`, f.shardManifestVersion + 1, { formatVersion: 2, shard: 0, epoch: 9, future: true }),
    act: async (f) => {
      expect(await catchError(scanAll(f.table))).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
      return catchError(writer(f));
    } },
  { name: 'base manifest from the future', stored: 'unchanged', expected: { code: 'UNSUPPORTED_FORMAT', message: /base\/_manifests\/v0+1\.json has format version 3/ },
    damage: (f) => plantManifest(f, 'base/_manifests/', 1, { formatVersion: 3, files: [], future: true }),
    act: (f) => catchError(scanAll(f.table)) },
  { name: 'corrupt manifest (not JSON)', stored: 'unchanged', expected: { code: 'CORRUPT_ENTRY', message: /_manifests\/v0+\d+\.json/ },
    damage: (f) => f.store.putIfAbsent(`shards/0/_manifests/v${String(f.shardManifestVersion + 1).padStart(20, '0')}.json`, new TextEncoder().encode('{"formatVersion":1,')).then(() => undefined),
    act: (f) => catchError(writer(f)) },
  { name: '_table.json missing', stored: 'unchanged', expected: { code: 'NOT_FOUND', message: /_table\.json/ },
    damage: (f) => f.store.delete('_table.json'),
    act: async (f) => catchError((await import('@freshtier/core')).Table.open(f.store)) },
];

async function plantManifest(f: Fixture, dir: string, version: number, doc: Record<string, unknown>): Promise<void> {
  await f.store.putIfAbsent(`${dir}v${String(version).padStart(20, '0')}.json`, new TextEncoder().encode(JSON.stringify(doc)));
}

const fromInputs = (inputs: readonly InputCase[]): Case[] =>
  inputs.map((c) => ({ name: c.name, stored: c.stored ?? (c.expected === 'rule' ? 'additive' : 'unchanged'), expected: c.expected, act: c.act }));

/** The classes of bad input (the summary line counts them), each with its cases. */
const CLASSES: Record<string, Case[]> = {
  'write: batches and options': fromInputs(WRITE_INPUTS),
  'odd but valid input': fromInputs(ODD_INPUTS),
  'damage at rest': AT_REST,
  'names: reserved, repeated, unknown keys, escaping paths, unknown tags': fromInputs(NAME_INPUTS),
  'maintenance racing writers: rollback, failover': fromInputs(ROLLBACK_INPUTS),
  'literals and keys outside a column type': fromInputs(LITERAL_INPUTS),
  'text input: big integers, timestamps, dates, missing columns': fromInputs(TEXT_INPUTS),
  'backpressure on a healthy store: tiny limits, big batches': fromInputs(BACKPRESSURE_INPUTS),
  'maintenance with extreme options and links out of the root': fromInputs(MAINTENANCE_INPUTS),
  'ingest of columns of another type': fromInputs(CAST_INPUTS),
  'open format: live files and the SQL view': fromInputs(OPEN_FORMAT_INPUTS),
  'pipelined WAL: the walWindow option': fromInputs(WAL_INPUTS),
  'merge options and merge-engine puts': fromInputs(MERGE_INPUTS),
  'command line: delete files, tags, output formats': fromInputs(CLI_INPUTS),
  'schema changes: shapes, refusals, stale handles': fromInputs(SCHEMA_INPUTS),
};
const CASES: (Case & { class: string })[] = Object.entries(CLASSES).flatMap(([cls, cases]) => cases.map((c) => ({ ...c, class: cls })));

describe('bad input catalogue', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const f = await badInputFixture();
    try {
      await c.damage?.(f);
      let before = await hashObjects(f.store);
      const err = await c.act(f, async () => void (before = await hashObjects(f.store)));
      const after = await hashObjects(f.store);
      if (c.expected === 'rule') expect(err).toBeUndefined();
      else {
        expect(isFreshtierError(err, c.expected.code as ErrorCode), `expected ${c.expected.code}, got ${String(err)}`).toBe(true);
        expect((err as Error).message).toMatch(c.expected.message);
      }
      const { changed, added } = diffObjects(before, after);
      const realChanges = changed.filter((k) => !k.endsWith('_latest') && !(c.stored === 'quarantine' && k === f.wal[2].key));
      if (c.stored === 'quarantine') {
        // the damaged bytes are kept, under the position they came from
        const q = added.find((k) => k.startsWith(`shards/0/wal-quarantine/${String(f.wal[2].position).padStart(20, '0')}-by-epoch-`));
        expect(q && after.get(q)).toBe(before.get(f.wal[2].key));
      }
      counts.corrupted += realChanges.length + (c.stored === 'unchanged' ? added.length : 0);
      expect(realChanges, 'existing objects must not change').toEqual([]);
      if (c.stored === 'unchanged') expect(added, 'nothing may be written').toEqual([]);
      counts.badInputs++;
      counts.badInputClasses = [...new Set([...counts.badInputClasses, c.class])];
    } finally {
      await f.cleanup();
    }
  });
});

