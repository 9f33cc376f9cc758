/**
 * Corruption campaign (issue 12, DESIGN.md "Integrity", invariant 13): for every kind
 * of stored object, flip bits at seeded offsets, then read the table back the ways a
 * user does — scan, get, containsPks, containsPksAsOf at a cut taken before the damage,
 * checkout of a tag, and reopening the writer (WAL replay) — and classify each read:
 * the same answer, a typed error, a wrong answer, an untyped error, or a crash of the
 * process (it runs in a child with a heap limit and a stall watchdog). `verify` must
 * name the damaged object after every flip, and a damaged WAL entry must stop the
 * writer's open with CORRUPT_ENTRY rather than be skipped.
 *
 * The table (corruption-table.ts) holds base files from a compaction, flushed
 * generations, a tag and unflushed WAL entries of acked durable writes; its answers
 * are first checked against a model of its history. Quick: 200 flips per kind;
 * FRESHTIER_LONG=1: 2,000. A failure reruns from FRESHTIER_SEED.
 */
import { CorruptEntryError, LocalStore, Table } from '@freshtier/core';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '@freshtier/writer';
import { campaignDir, runCampaign, runChild, planTrials, type Expected, type Trial } from '../src/corruption-campaign.js';
import { READS, attempt, classify, type ReadResult } from '../src/corruption-reads.js';
import { buildCampaignTable, expectedAnswers, KINDS, type Catalogue } from '../src/corruption-table.js';
import { formatTallies, tally, type Finding } from '../src/corruption-tally.js';
import { scaled, shardsOfIds } from '../src/data.js';
import { emptyCounts, reportPart } from '../src/summary.js';

const PER_KIND = scaled(200, 2_000);
// one child per core (at least 2: a child waits on file I/O part of the time), at most 4
const LANES = Math.min(4, Math.max(2, availableParallelism()));
const CHILD = { heapMiB: 512, stallMs: 30_000 };
const counts = emptyCounts();

describe('corruption campaign (bit flips in every kind of stored object)', () => {
  let dir = '';
  let cleanup = () => {};
  let pristine = '';
  let catalogue: Catalogue;
  let expected: Expected | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = campaignDir());
    pristine = path.join(dir, 'pristine');
    mkdirSync(pristine);
    catalogue = await buildCampaignTable(pristine);
  });
  afterAll(() => {
    cleanup();
    reportPart('corruption', counts);
  });

  it('reads the pristine table as its model says, and verify finds nothing damaged', async () => {
    const out = await runChild({ pristine, work: path.join(dir, 'baseline'), job: { mode: 'baseline' }, ...CHILD });
    const line = out.lines.find((l) => l.startsWith('B '));
    expect(line, `baseline child: ${out.stderr.slice(-3000)}`).toBeDefined();
    const baseline = JSON.parse(line!.slice(2)) as { results: Record<string, ReadResult>[]; cuts: unknown; verify: VerifyReport | { error: ReadResult } };
    const table = await Table.open(new LocalStore(pristine));
    const ids = Array.from({ length: 1000 }, (_, i) => i);
    const shards = shardsOfIds(table, ids);
    for (const writerShard of [0, 1]) {
      const model = expectedAnswers((id) => shards[id], writerShard);
      expect(baseline.results[writerShard], `reads with the writer on shard ${writerShard}`).toEqual(Object.fromEntries(READS.map((r) => [r, { ok: model[r] }])));
    }
    expect(baseline.verify).toMatchObject({ ok: true, damaged: [] });
    expected = { expected: baseline.results as Expected['expected'], cuts: baseline.cuts };
  });

  it('counts a child that dies or hangs in a trial as a crash, resumes after it, and tells wrong answers and untyped errors', async () => {
    expect(expected, 'the baseline test must pass first').toBeDefined();
    // no bit flipped: every read gives the pristine answer, but `get` is expected to say something else
    const trials: Trial[] = [0, 1, 2, 3].map((i) => ({ i, kind: 'tag', key: catalogue.tag[0].key, flips: [], writerShard: 0 }));
    const altered: Expected = { ...expected!, expected: [{ ...expected!.expected[0], get: { ok: 'another answer' } }, expected!.expected[1]] };
    const env = { FRESHTIER_CORRUPTION_SELFTEST: JSON.stringify({ oom: 1, hang: 2 }) };
    // two lanes: trials 0 and 2 (hangs) in one child, 1 (dies) and 3 (after the restart) in the other
    const results = await runCampaign({ pristine, work: path.join(dir, 'selftest'), heapMiB: 128, stallMs: 3_000, env }, trials, altered, 2);
    expect(results[1].crash).toMatch(/heap/i);
    expect(results[2].crash).toMatch(/^hung/);
    for (const r of [results[0], results[3]]) {
      expect(r.outcomes).toEqual({ ...Object.fromEntries(READS.map((read) => [read, 'same'])), get: 'wrong' });
      expect(r.verify).toBe('missed'); // nothing was damaged, so verify names nothing
    }
    expect(classify(await attempt(() => Promise.reject(new TypeError('x'))), { ok: '' })).toBe('untyped');
    expect(await attempt(() => Promise.reject(new CorruptEntryError('k', 'flipped')))).toMatchObject({ code: 'CORRUPT_ENTRY' });
    const found = tally(trials, results).findings.map((f) => f.what);
    expect(found.filter((w) => w === 'crash')).toHaveLength(2);
    expect(found.filter((w) => w === 'wrong')).toHaveLength(2);
  });

  it(`gives no wrong answer, crash or untyped error over ${PER_KIND} flips per object kind, and verify names every damaged object`, async () => {
    expect(expected, 'the baseline test must pass first').toBeDefined();
    const seed = Number(process.env.FRESHTIER_SEED ?? 20_251_204);
    const trials = planTrials(catalogue, pristine, PER_KIND, seed);
    const results = await runCampaign({ pristine, work: path.join(dir, 'work'), ...CHILD }, trials, expected!, LANES);
    const { tallies, findings } = tally(trials, results);
    process.stdout.write(`\ncorruption campaign (seed ${seed}):\n${formatTallies(tallies)}\n`);

    counts.flips = trials.length;
    counts.flipKinds = tallies.filter((t) => t.flips > 0).map((t) => t.kind);
    counts.flipWrong = tallies.reduce((n, t) => n + t.wrong, 0);
    counts.flipCrashes = tallies.reduce((n, t) => n + t.crash, 0);
    counts.flipUntyped = tallies.reduce((n, t) => n + t.untyped, 0);
    counts.flipUnverified = tallies.reduce((n, t) => n + t.verifyMissed, 0);

    const of = (what: Finding['what']) => findings.filter((f) => f.what === what).map((f) => f.text).slice(0, 20);
    const rerun = `rerun with FRESHTIER_SEED=${seed}`;
    expect(of('wrong'), `wrong answers (${rerun})`).toEqual([]);
    expect(of('crash'), `crashes (${rerun})`).toEqual([]);
    expect(of('untyped'), `untyped errors (${rerun})`).toEqual([]);
    expect(of('wal-opened'), `damaged WAL entries a writer opened over (${rerun})`).toEqual([]);
    expect(of('verify-missed'), `flips verify did not report (${rerun})`).toEqual([]);
    for (const kind of KINDS) expect(tallies.find((t) => t.kind === kind)?.flips, kind).toBeGreaterThanOrEqual(200);
  }, 900_000);
});
