/**
 * The parent side of the corruption campaign: plans seeded bit flips over the
 * campaign table's objects, runs them in child processes (corruption-child.ts) and
 * turns what the children print into one result per trial.
 *
 * A child that dies (heap limit, abort, uncaught error) or stops printing for
 * `stallMs` is a crash of the trial it had started (`S <i>` without `R`): the parent
 * records it and starts a fresh child, on a fresh copy of the table, at the next trial.
 * Trials are dealt round robin to `lanes` children running side by side, each on its
 * own working copy.
 */
import { accessSync, constants, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild, type Child, type ChildOutcome } from './child.js';
import type { Outcome, ReadName, ReadResult } from './corruption-reads.js';
import type { Catalogue, Kind } from './corruption-table.js';
import { KINDS } from './corruption-table.js';
import { prng } from './data.js';

/**
 * One flipped bit.
 *
 * @example
 * ```ts
 * const f: Flip = { offset: 17, bit: 3 }; // byte 17 ^= 0b1000
 * ```
 */
export interface Flip {
  offset: number;
  bit: number;
}

/**
 * One trial: flip these bits of one object, then read.
 *
 * @example
 * ```ts
 * const t: Trial = { i: 0, kind: 'tag', key: '_tags/campaign.json', flips: [{ offset: 40, bit: 1 }], writerShard: 0 };
 * ```
 */
export interface Trial {
  i: number;
  kind: Kind;
  key: string;
  flips: Flip[];
  /** The shard the trial's writer is opened on: the object's own, else alternating. */
  writerShard: number;
}

/**
 * What a trial did: each read's outcome (or a crash of the whole trial), typed errors' codes, and whether verify named the object.
 *
 * @example
 * ```ts
 * if (result.crash || Object.values(result.outcomes).includes('wrong')) console.log(result.notes);
 * ```
 */
export interface TrialResult {
  i: number;
  outcomes: Partial<Record<ReadName, Outcome>>;
  codes: Partial<Record<ReadName, string>>;
  /** Each wrong answer, untyped error and verify failure, with its detail. */
  notes: { what: 'wrong' | 'untyped' | 'verify'; text: string }[];
  crash?: string;
  /** Did `verify` name the flipped object in `damaged` (`none`: the trial crashed before it could tell)? */
  verify: 'found' | 'missed' | 'threw' | 'none';
}

/**
 * The pristine answers: per writer shard, each read's result; the cuts of the pristine scan.
 *
 * @example
 * ```ts
 * expected.expected[trial.writerShard].scan; // { ok: '20:1:s20,…' }
 * ```
 */
export interface Expected {
  expected: Record<ReadName, ReadResult>[];
  cuts: unknown;
}

/**
 * What a child is asked to do (written to its job file).
 *
 * @example
 * ```ts
 * const job: Job = { mode: 'trials', trials, start: 0, ...expected };
 * ```
 */
export type Job = { mode: 'baseline' } | ({ mode: 'trials'; trials: Trial[]; start: number } & Expected);

/**
 * A fresh directory for the campaign's tables: in memory (`/dev/shm`) where there is
 * one, since thousands of trials each commit, fence and flush, and the campaign tests
 * decoding, not durability; else the system temp dir. Removed by the returned cleanup.
 *
 * @example
 * ```ts
 * const { dir, cleanup } = campaignDir();
 * ```
 */
export function campaignDir(): { dir: string; cleanup: () => void } {
  let base = tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    base = '/dev/shm';
  } catch {
    // no writable /dev/shm (not Linux, or a container without it): the temp dir works, only slower
  }
  const dir = mkdtempSync(path.join(base, 'freshtier-corruption-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `perKind` seeded trials per object kind, objects of a kind taken in turn; most flip one
 * bit, some a burst of 2-4 bits within 8 bytes (distinct bits, so the bytes always change).
 *
 * @example
 * ```ts
 * const trials = planTrials(catalogue, pristineDir, 200, 20_251_204);
 * ```
 */
export function planTrials(catalogue: Catalogue, root: string, perKind: number, seed: number): Trial[] {
  const rnd = prng(seed);
  const trials: Trial[] = [];
  for (const kind of KINDS) {
    const entries = catalogue[kind];
    if (entries.length === 0) throw new Error(`the campaign table has no object of kind ${kind}`);
    for (let t = 0; t < perKind; t++) {
      const entry = entries[t % entries.length];
      const size = lstatSync(path.join(root, entry.key)).size;
      const at = rnd.int(0, size);
      const flips = new Map<string, Flip>();
      const add = (offset: number, bit: number) => flips.set(`${offset}:${bit}`, { offset, bit });
      add(at, rnd.int(0, 8));
      const burst = rnd.chance(0.15) ? rnd.int(2, 5) : 1;
      while (flips.size < burst) add(Math.min(size - 1, at + rnd.int(0, 8)), rnd.int(0, 8));
      trials.push({ i: trials.length, kind, key: entry.key, flips: [...flips.values()], writerShard: entry.shard ?? t % 2 });
    }
  }
  return trials;
}

/** How long a child may take to start (load its modules) before it prints anything. */
const STARTUP_MS = 60_000;

/** Waits for the child to exit; kills it if it prints nothing for `stallMs` once started (a hang). */
async function watch(c: Child, stallMs: number): Promise<ChildOutcome & { stalled: boolean }> {
  let seen = 0;
  let quietSince = Date.now();
  for (;;) {
    const done = await Promise.race([c.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (done) return { ...done, stalled: false };
    const n = c.lines().length;
    if (n !== seen) [seen, quietSince] = [n, Date.now()];
    // wall-clock only as a hang detector: a trial that finishes is judged by its output, never by time
    if (Date.now() - quietSince > (seen === 0 ? Math.max(stallMs, STARTUP_MS) : stallMs)) {
      c.process.kill('SIGKILL');
      return { ...(await c.exited), stalled: true };
    }
  }
}

/**
 * Options of {@link runChild}.
 *
 * @example
 * ```ts
 * const run: ChildRun = { pristine, work, job: { mode: 'baseline' }, heapMiB: 512, stallMs: 30_000 };
 * ```
 */
export interface ChildRun {
  pristine: string;
  work: string;
  job: Job;
  /** Heap limit of the child (MiB): a decoder allocating without bound dies here, not in the test. */
  heapMiB: number;
  stallMs: number;
  /** Extra environment (the harness self-test makes a trial die or hang through `FRESHTIER_CORRUPTION_SELFTEST`). */
  env?: Record<string, string>;
}

/**
 * Runs one child on a fresh working copy; returns its output lines and how it ended.
 *
 * @example
 * ```ts
 * const out = await runChild({ pristine, work: `${dir}/baseline`, job: { mode: 'baseline' }, heapMiB: 512, stallMs: 30_000 });
 * const baseline = JSON.parse(out.lines.find((l) => l.startsWith('B '))!.slice(2));
 * ```
 */
export async function runChild(o: ChildRun): Promise<ChildOutcome & { stalled: boolean }> {
  rmSync(o.work, { recursive: true, force: true });
  const jobFile = `${o.work}.job.json`;
  writeFileSync(jobFile, JSON.stringify(o.job));
  const c = startChild('corruption-child.ts', [o.pristine, o.work, jobFile], { ...o.env, NODE_OPTIONS: `--max-old-space-size=${o.heapMiB}` });
  try {
    return await watch(c, o.stallMs);
  } finally {
    rmSync(jobFile, { force: true });
  }
}

/** Runs `trials` in one lane, restarting after each crash; one result per trial, in order. */
async function runLane(base: Omit<ChildRun, 'job'>, trials: Trial[], expected: Expected): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  while (results.length < trials.length) {
    const start = results.length;
    const out = await runChild({ ...base, job: { mode: 'trials', trials, start, ...expected } });
    let inFlight: number | undefined;
    for (const line of out.lines) {
      if (line.startsWith('S ')) inFlight = Number(line.slice(2));
      if (line.startsWith('R ')) {
        results.push(JSON.parse(line.slice(2)) as TrialResult);
        inFlight = undefined;
      }
    }
    if (out.lines.includes('done') && out.code === 0) {
      if (results.length === start) throw new Error(`corruption child ran no trial from ${start}`);
      continue;
    }
    const how = out.stalled ? 'hung (no output, killed)' : `exited with code ${out.code}, signal ${out.signal}`;
    if (inFlight === undefined) throw new Error(`corruption child ${how} outside any trial: ${out.stderr.slice(-3000)}`);
    results.push({ i: inFlight, outcomes: {}, codes: {}, notes: [], verify: 'none', crash: `${how}: ${out.stderr.slice(-1500)}` });
  }
  return results;
}

/**
 * Runs every trial, `lanes` children side by side; results indexed by trial number.
 *
 * @example
 * ```ts
 * const results = await runCampaign({ pristine, work: `${dir}/work`, heapMiB: 512, stallMs: 30_000 }, trials, expected, 2);
 * ```
 */
export async function runCampaign(base: Omit<ChildRun, 'job'>, trials: Trial[], expected: Expected, lanes: number): Promise<TrialResult[]> {
  const dealt = Array.from({ length: lanes }, (_, l) => trials.filter((t) => t.i % lanes === l));
  const byLane = await Promise.all(dealt.map((ts, l) => runLane({ ...base, work: `${base.work}-${l}` }, ts, expected)));
  const out: TrialResult[] = new Array(trials.length);
  for (const r of byLane.flat()) out[r.i] = r;
  return out;
}
