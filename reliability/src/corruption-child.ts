/**
 * Child process of the corruption campaign: runs trials on a working copy of the
 * campaign table, one after another, and prints one line per trial. It runs apart
 * from the test so that a decoder that allocates without bound or never returns
 * kills (or stalls) only this process: the parent sees which trial was in flight
 * and counts it as a crash (see corruption-campaign.ts).
 *
 * Usage: corruption-child.ts <pristine dir> <work dir> <job file>
 *
 * The job file holds either `{ mode: 'baseline' }` — print `B <json>`, the reads of the
 * pristine table for each writer shard, and verify's report of it — or
 * `{ mode: 'trials', expected, cuts, trials, start }`. Per trial it prints `S <i>`,
 * flips the trial's bits in its object, runs `verify` (before the reads: opening a
 * writer commits a new shard manifest), then the reads, classifies each against
 * `expected`, prints `R <json>` and restores the working copy.
 */
import { LocalStore, Table } from '@freshtier/core';
import { verify, type VerifyReport } from '@freshtier/writer';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AsOfCut } from '@freshtier/scanner';
import type { Job, Trial, TrialResult } from './corruption-campaign.js';
import { READS, attempt, classify, runReads, type ReadResult } from './corruption-reads.js';
import { cloneDir, restoreDir, treeDifferences } from './corruption-restore.js';

const [pristine, work, jobFile] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, 'utf8')) as Job;
const say = (line: string) => process.stdout.write(line + '\n');

/** The harness self-test: trial numbers at which this child exhausts its heap or stops responding. */
const selftest = JSON.parse(process.env.FRESHTIER_CORRUPTION_SELFTEST || '{}') as { oom?: number; hang?: number };

const snap = cloneDir(pristine, work);
// opened on the pristine copy: `verify` is given a table whose `_table.json` was readable, and must re-read it
const verifyTable = await Table.open(new LocalStore(work));
say('ready');

async function runVerify(): Promise<VerifyReport | { error: ReadResult }> {
  try {
    return await verify(verifyTable);
  } catch (e) {
    return { error: await attempt(() => Promise.reject(e)) };
  }
}

function flip(trial: Trial): void {
  const bytes = readFileSync(path.join(pristine, trial.key));
  for (const f of trial.flips) bytes[f.offset] ^= 1 << f.bit;
  writeFileSync(path.join(work, trial.key), bytes);
}

function misbehave(i: number): void {
  const hog: number[][] = [];
  while (i === selftest.oom) hog.push(new Array<number>(1 << 20).fill(i));
  while (i === selftest.hang) hog.length = 0; // a decoder that never returns
}

async function runTrial(trial: Trial, expected: Extract<Job, { mode: 'trials' }>): Promise<TrialResult> {
  flip(trial);
  misbehave(trial.i);
  const report = await runVerify();
  const { results } = await runReads(work, { writerShard: trial.writerShard, cuts: expected.cuts as AsOfCut[] });
  restoreDir(pristine, work, snap, [trial.key]);
  const out: TrialResult = { i: trial.i, outcomes: {}, codes: {}, notes: [], verify: 'missed' };
  for (const read of READS) {
    const r = results[read];
    const o = classify(r, expected.expected[trial.writerShard][read]);
    out.outcomes[read] = o;
    if ('code' in r) out.codes[read] = r.code;
    if (o === 'wrong') out.notes.push({ what: o, text: `${read}: wrong answer ${JSON.stringify(r).slice(0, 400)} (expected ${JSON.stringify(expected.expected[trial.writerShard][read]).slice(0, 200)})` });
    if (o === 'untyped' && 'untyped' in r) out.notes.push({ what: o, text: `${read}: untyped error ${r.untyped}` });
  }
  if ('error' in report) {
    out.verify = 'threw';
    out.notes.push({ what: 'verify', text: `verify threw ${JSON.stringify(report.error).slice(0, 600)}` });
  } else out.verify = report.damaged.some((d) => d.path === trial.key) ? 'found' : 'missed';
  return out;
}

/** Every trial must start from the pristine table: a flip left behind would hide later wrong answers. */
function assertRestored(): void {
  const diff = treeDifferences(pristine, work);
  if (diff.length > 0) throw new Error(`the working copy differs from the pristine table after a restore: ${diff.join(', ')}`);
}

if (job.mode === 'baseline') {
  const reads = [];
  for (const writerShard of [0, 1]) {
    reads.push(await runReads(work, { writerShard }));
    restoreDir(pristine, work, snap);
  }
  const report = await runVerify();
  say(`B ${JSON.stringify({ results: reads.map((r) => r.results), cuts: reads[0].cuts, verify: report })}`);
} else {
  for (const [n, trial] of job.trials.slice(job.start).entries()) {
    say(`S ${trial.i}`);
    say(`R ${JSON.stringify(await runTrial(trial, job))}`);
    if (n % 25 === 24 || trial === job.trials.at(-1)) assertRestored();
  }
}
say('done');
process.exit(0); // the table's writers hold no timers, but a decoder's stray promise must not keep the child alive
