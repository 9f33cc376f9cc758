/**
 * The reads the corruption campaign runs after each flipped bit, each reduced to a
 * canonical string so an answer compares exactly with the pristine table's, and the
 * classification of what each read did: the same answer, a typed error (a
 * `FreshtierError` with its code), a wrong answer, or an untyped error (anything
 * else thrown — a decoder's RangeError, a TypeError of a half-parsed document).
 *
 * Reads (every one on a freshly opened `Table`, so nothing is cached across trials):
 * `scan` (all columns, rows sorted by id), `get` and `containsPks` of {@link PROBE_IDS},
 * `containsPksAsOf` of the same keys at the pristine scan's cuts (a caller holds cuts
 * from an earlier read), `tag-scan` (checkout of the tag), and `writer-open` — a
 * `ShardWriter` opened on one shard (claim, fence, WAL replay), a scan through it,
 * then `close` (which flushes what replay brought back).
 */
import { LocalStore, Table, isFreshtierError } from '@freshtier/core';
import { LsmScanner, type AsOfCut } from '@freshtier/scanner';
import { ShardWriter, checkout } from '@freshtier/writer';
import type { RecordBatch, Table as ArrowTable } from 'apache-arrow';
import { PROBE_IDS, TAG } from './corruption-table.js';

/**
 * The reads, in the order they run.
 *
 * @example
 * ```ts
 * for (const read of READS) console.log(read, results[read]);
 * ```
 */
export const READS = ['scan', 'get', 'containsPks', 'containsPksAsOf', 'tag-scan', 'writer-open'] as const;
export type ReadName = (typeof READS)[number];

/**
 * What one read did: its canonical answer, a typed error's code, or an untyped error's message and stack.
 *
 * @example
 * ```ts
 * const r: ReadResult = { code: 'CORRUPT_ENTRY', message: 'Corrupt object …' };
 * ```
 */
export type ReadResult = { ok: string } | { code: string; message: string } | { untyped: string };
export type Outcome = 'same' | 'typed' | 'wrong' | 'untyped';

const probeKeys = () => PROBE_IDS.map((id) => ({ id: BigInt(id) }));

/** Rows as `id:v:s` lines, sorted by id (a scan's order across shards is not part of its answer). */
function canonicalRows(batches: Iterable<RecordBatch> | ArrowTable, sort: boolean): string {
  const rows: [bigint, string][] = [];
  for (const batch of 'batches' in batches ? batches.batches : batches) {
    const [id, v, s] = ['id', 'v', 's'].map((c) => batch.getChild(c));
    for (let i = 0; i < batch.numRows; i++) rows.push([id!.get(i) as bigint, `${id!.get(i)}:${v?.get(i)}:${s?.get(i)}`]);
  }
  if (sort) rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return rows.map((r) => r[1]).join(',');
}

async function scanRows(scanner: LsmScanner): Promise<{ rows: string; cuts: readonly AsOfCut[] }> {
  const result = scanner.scan();
  const batches: RecordBatch[] = [];
  for await (const b of result) batches.push(b);
  return { rows: canonicalRows(batches, true), cuts: await result.cuts };
}

/**
 * Runs `fn`, turning what it throws into a {@link ReadResult}.
 *
 * @example
 * ```ts
 * await attempt(async () => 'answer'); // { ok: 'answer' }
 * ```
 */
export async function attempt(fn: () => Promise<string>): Promise<ReadResult> {
  try {
    return { ok: await fn() };
  } catch (e) {
    if (isFreshtierError(e)) return { code: e.code, message: e.message.slice(0, 300) };
    const err = e instanceof Error ? e : new Error(String(e));
    return { untyped: `${err.name}: ${err.message}\n${err.stack ?? ''}`.slice(0, 2000) };
  }
}

/** Opens a writer on `shard` (claim, fence, replay), scans through it, and closes it. */
async function writerRead(table: Table, shard: number): Promise<string> {
  const writer = await ShardWriter.open(table, { shard, autoFlush: false, flushInWorker: false });
  let answer: string;
  try {
    const scanner = new LsmScanner(table, { writers: [writer] });
    answer = (await scanRows(scanner)).rows;
  } catch (e) {
    await writer.close().catch(() => {}); // the read's error is the outcome
    throw e;
  }
  await writer.close(); // flushes what replay brought back: a close that fails is an outcome of this read too
  return answer;
}

/**
 * Where the reads run and what they take from an earlier read.
 *
 * @example
 * ```ts
 * const plan: ReadPlan = { writerShard: 1, cuts: pristineCuts };
 * ```
 */
export interface ReadPlan {
  /** The shard the writer is opened on. */
  writerShard: number;
  /** The pristine scan's cuts (the baseline run passes none and takes its own scan's). */
  cuts?: readonly AsOfCut[];
}

/**
 * Runs every read on the table at `root`, in {@link READS} order (the writer last:
 * it changes the stored table).
 *
 * @example
 * ```ts
 * const { results, cuts } = await runReads(dir, { writerShard: 0 });
 * results.scan; // { ok: '20:1:s20,21:1:s21,…' }
 * ```
 */
export async function runReads(root: string, plan: ReadPlan): Promise<{ results: Record<ReadName, ReadResult>; cuts?: readonly AsOfCut[] }> {
  let table: Table | undefined;
  const tableOpen = await attempt(async () => {
    table = await Table.open(new LocalStore(root));
    return '';
  });
  if (!table) return { results: Object.fromEntries(READS.map((r) => [r, tableOpen])) as Record<ReadName, ReadResult> };
  const t = table;
  // one scanner for the plain reads: its key-index cache keeps only indexes that decoded
  const scanner = new LsmScanner(t);
  let cuts = plan.cuts;
  const results = {} as Record<ReadName, ReadResult>;
  results.scan = await attempt(async () => {
    const s = await scanRows(scanner);
    cuts ??= s.cuts;
    return s.rows;
  });
  results.get = await attempt(async () => canonicalRows(await scanner.get(probeKeys()), false));
  results.containsPks = await attempt(async () => (await scanner.containsPks(probeKeys())).map(Number).join(''));
  results.containsPksAsOf = await attempt(async () => {
    if (!cuts) throw new Error('no cuts: the baseline scan failed');
    return (await scanner.containsPksAsOf(probeKeys(), cuts)).map(Number).join('');
  });
  results['tag-scan'] = await attempt(async () => (await scanRows(await checkout(t, TAG))).rows);
  results['writer-open'] = await attempt(() => writerRead(t, plan.writerShard));
  return { results, cuts };
}

/**
 * How a read after a flip compares with the pristine answer.
 *
 * @example
 * ```ts
 * classify({ ok: 'a' }, { ok: 'a' }); // 'same'
 * ```
 */
export function classify(result: ReadResult, expected: ReadResult): Outcome {
  if ('ok' in result) return 'ok' in expected && result.ok === expected.ok ? 'same' : 'wrong';
  return 'code' in result ? 'typed' : 'untyped';
}
