/**
 * Writers and scanners over a fault-injecting store, with random fault plans
 * (randomPlan below: fail, lost ack, delay, reorder, truncate — on WAL entries, data
 * files, key indexes, manifests, the hint, or anything; first N / every k-th / p).
 *
 * Each plan runs a random workload (puts, concurrent puts sharing a WAL group,
 * deletes, freezes, flushes, scans, reopens with and without close) against a model
 * holding, per key, the values it may have: exactly the acked one, or — after a
 * write that failed — also the failed write's (it may have landed). Checked:
 * - every failure is a typed FreshtierError; a put that fails is WRITER_POISONED (the
 *   writer cannot tell whether its WAL entry landed, so it stops), and a poisoned
 *   writer refuses everything after;
 * - every scan that succeeds matches the model (no torn read, no acked row missing);
 * - at the end, faults off, a reopened table holds every acked write, before and after
 *   flushing.
 * Quick: 80 plans; FRESHTIER_LONG=1: 800.
 */
import { MemoryStore, isFreshtierError, type Table } from '@freshtier/core';
import { ShardWriter } from '@freshtier/writer';
import { afterAll, describe, expect, it } from 'vitest';
import { keysBatch, makeTable, prng, rowsBatch, scaled } from '../src/data.js';
import { FaultyStore, type FaultRule, type StoreOp } from '../src/faulty-store.js';
import { scanAll } from '../src/recover.js';
import { emptyCounts, reportPart } from '../src/summary.js';

/** FRESHTIER_PLAN_SEED=<seed from a failure message> reruns that one plan. */
const ONE_PLAN = process.env.FRESHTIER_PLAN_SEED ? Number(process.env.FRESHTIER_PLAN_SEED) : undefined;
const PLANS = ONE_PLAN === undefined ? scaled(80, 800) : 1;
const STEPS = 40;
const counts = emptyCounts();
afterAll(() => reportPart('faults', counts));

type Rng = ReturnType<typeof prng>;

/*
 * Random fault plans: 1–3 rules, each choosing which
 * objects (WAL entries, data files, key indexes, manifests, the `_latest` hint, or
 * anything), which calls (writes or reads), what happens (fail, lost ack, delay,
 * reorder, truncate) and how often (first N calls, every k-th, probability p).
 *
 * One exclusion, from the store contract rather than convenience: manifests and WAL
 * entries are never truncated on write. `putIfAbsent` must be an atomic create
 * (object-store.ts, contract 3): LocalStore writes a temporary file and links it, an
 * S3 object appears whole. A torn manifest under its final name breaks the one thing
 * conditional commits stand on; a torn WAL entry is indistinguishable from damage at
 * rest, which stops the writer's open until `repair` (issue 12: no silent loss).
 * Data files and key indexes ARE torn on write (with an error), which the engine must
 * survive: a torn data file is an orphan no manifest names.
 */
// the WAL twice: it holds the acked rows not yet flushed, the most precious bytes in the table
const TARGETS: { name: string; key?: string }[] = [
  { name: 'wal', key: '/wal/' },
  { name: 'wal', key: '/wal/' },
  { name: 'data', key: 'data.parquet' },
  { name: 'key-index', key: '.keys.ftk' },
  { name: 'manifest', key: '/_manifests/v' },
  { name: 'hint', key: '_latest' },
  { name: 'any' },
];
const WRITES: StoreOp[] = ['putIfAbsent', 'put', 'delete'];
const READS: StoreOp[] = ['get', 'getRange', 'head', 'list'];

/** A rule with a readable description (for failure messages). */
interface PlannedRule {
  rule: FaultRule;
  text: string;
}

/** One random rule. */
function randomRule(rnd: Rng): PlannedRule {
  const target = rnd.pick(TARGETS);
  const reads = rnd.chance(0.35);
  const ops = reads ? READS : WRITES;
  // reads: a read performed and then failed is just a failed read, so no lost-ack; a short read is likelier
  let mode = reads ? rnd.pick(['fail', 'delay', 'reorder', 'truncate'] as const) : rnd.pick(['fail', 'fail', 'lost-ack', 'lost-ack', 'delay', 'reorder', 'truncate'] as const);
  if (mode === 'truncate' && !reads && (target.name === 'manifest' || target.name === 'wal')) mode = 'fail';
  const rule: FaultRule = { ops, mode };
  if (target.key) rule.key = target.key;
  // torn writes of "anything" spare manifests and WAL entries too (the exclusion above)
  else if (mode === 'truncate' && !reads) rule.key = (k: string) => !k.includes('/_manifests/v') && !k.includes('/wal/');
  const sel = rnd.int(0, 3);
  let how: string;
  if (sel === 0) {
    rule.first = rnd.int(1, 4);
    how = `first ${rule.first}`;
  } else if (sel === 1) {
    rule.every = rnd.int(2, 8);
    how = `every ${rule.every}th`;
  } else {
    rule.probability = [0.05, 0.1, 0.2, 0.35][rnd.int(0, 4)];
    how = `p=${rule.probability}`;
  }
  // delays and reorder windows only vary the interleaving: every check holds whatever the timing
  if (mode === 'delay') rule.delayMs = rnd.int(1, 6);
  if (mode === 'reorder') rule.holdMs = rnd.int(2, 15);
  if (mode === 'truncate') rule.keep = [0, 0.3, 0.9, 0.99][rnd.int(0, 4)];
  return { rule, text: `${mode} ${reads ? 'reads' : 'writes'} of ${target.name} (${how})` };
}

/** A plan of 1–3 rules. */
function randomPlan(rnd: Rng): PlannedRule[] {
  return Array.from({ length: rnd.int(1, 4) }, () => randomRule(rnd));
}

const OPTIONS = { shard: 0, maxMemtableRows: 40, flushRetry: { initialDelayMs: 0, maxDelayMs: 2, maxAttempts: 2 } } as const;

/** Per key, the values a read may return (null: absent). */
class Model {
  readonly allowed = new Map<number, Set<number | null>>();
  acked(ids: readonly number[], v: number | null): void {
    for (const id of ids) this.allowed.set(id, new Set([v]));
  }
  maybe(ids: readonly number[], v: number | null): void {
    for (const id of ids) (this.allowed.get(id) ?? this.allowed.set(id, new Set([null])).get(id)!).add(v);
  }
  /** Problems of a scan's rows (empty when they fit). */
  problems(rows: { id: number; v: number | null }[]): string[] {
    const got = new Map<number, number | null>();
    const out: string[] = [];
    for (const r of rows) {
      if (got.has(r.id)) out.push(`key ${r.id} returned twice`);
      got.set(r.id, r.v);
    }
    for (const [id, v] of got) if (!this.allowed.get(id)?.has(v)) out.push(`key ${id} reads ${v}, allowed ${[...(this.allowed.get(id) ?? [null])].join('|')}`);
    for (const [id, vs] of this.allowed) if (!got.has(id) && !vs.has(null)) out.push(`key ${id} is missing, allowed ${[...vs].join('|')}`);
    return out.slice(0, 8);
  }
}

/** Opens a writer, retrying while injected faults make the open fail (each failure must be typed). */
async function reopen(table: Table, store: FaultyStore, failures: string[]): Promise<ShardWriter> {
  for (let attempt = 0; ; attempt++) {
    if (attempt === 12) store.clear(); // the plan keeps failing opens: let the store heal, as a real one would
    try {
      return await ShardWriter.open(table, OPTIONS);
    } catch (e) {
      if (!isFreshtierError(e)) failures.push(`open failed with an untyped error: ${String(e)}`);
      if (attempt > 12) throw e;
    }
  }
}

async function runPlan(seed: number): Promise<{ fired: number; text: string; poisoned: number; problems: string[] }> {
  const rnd: Rng = prng(seed);
  const store = new FaultyStore(new MemoryStore(), { seed });
  const table = await makeTable(store);
  const plan = randomPlan(rnd);
  const handles = plan.map((p) => store.inject(p.rule));
  const model = new Model();
  const problems: string[] = [];
  let poisoned = 0;
  let writer = await reopen(table, store, problems);
  let seq = 1;
  const failed = (what: string, e: unknown) => {
    if (!isFreshtierError(e)) problems.push(`${what} failed with an untyped error: ${String(e)}`);
  };
  const put = async (ids: number[]) => {
    const v = seq++;
    try {
      await writer.put(rowsBatch(ids, v));
      model.acked(ids, v);
    } catch (e) {
      model.maybe(ids, v);
      if (isFreshtierError(e, 'WRITER_POISONED')) poisoned++;
      else problems.push(`put failed with ${String(e)}, expected WriterPoisonedError`);
    }
  };
  for (let step = 0; step < STEPS && problems.length === 0; step++) {
    const ids = Array.from({ length: rnd.int(1, 6) }, () => rnd.int(0, 50));
    const r = rnd.next();
    if (r < 0.35) await put(ids);
    else if (r < 0.5) await Promise.all(Array.from({ length: rnd.int(2, 4) }, () => put(Array.from({ length: rnd.int(1, 4) }, () => rnd.int(0, 50)))));
    else if (r < 0.6) {
      await writer.delete(keysBatch(ids)).then(() => model.acked(ids, null), (e: unknown) => {
        model.maybe(ids, null);
        failed('delete', e);
      });
    } else if (r < 0.65) {
      try { writer.freeze(); } catch (e) { failed('freeze', e); }
    } else if (r < 0.75) await writer.flush().catch((e: unknown) => failed('flush', e));
    else if (r < 0.9) {
      const scanned = await scanAll(table, [writer]).catch((e: unknown) => failed('scan', e));
      if (scanned) problems.push(...model.problems(scanned.rows).map((p) => `scan at step ${step}: ${p}`));
    } else {
      if (rnd.chance(0.5)) await writer.close().catch((e: unknown) => failed('close', e)); // else: abandoned, as in a crash
      writer = await reopen(table, store, problems);
    }
    if (writer.status().state === 'poisoned') {
      await expect(writer.put(rowsBatch([1], 0))).rejects.toMatchObject({ code: 'WRITER_POISONED' });
      writer = await reopen(table, store, problems);
    }
  }
  const fired = handles.reduce((n, h) => n + h.fired, 0);
  store.clear();
  // faults off: the table must hold every acked write, through replay and after the flush
  await writer.close().catch(() => undefined);
  const last = await ShardWriter.open(table, OPTIONS);
  problems.push(...model.problems((await scanAll(table, [last])).rows).map((p) => `after reopen: ${p}`));
  await last.close();
  problems.push(...model.problems((await scanAll(table)).rows).map((p) => `after flush: ${p}`));
  return { fired, text: plan.map((p) => p.text).join('; '), poisoned, problems };
}

describe('random fault plans', () => {
  it(`keep every acked write and fail only with typed errors (${PLANS} plans)`, async () => {
    const seeds = prng(Number(process.env.FRESHTIER_SEED ?? 99));
    for (let i = 0; i < PLANS; i++) {
      const seed = ONE_PLAN ?? seeds.int(1, 2 ** 31);
      const r = await runPlan(seed);
      counts.faultPlans++;
      counts.faults += r.fired;
      counts.lost += r.problems.filter((p) => p.includes('missing') || p.includes('allowed')).length;
      counts.corrupted += r.problems.filter((p) => p.includes('twice')).length;
      expect(r.problems, `plan ${i} (seed ${seed}): ${r.text}`).toEqual([]);
    }
    if (ONE_PLAN === undefined) expect(counts.faults).toBeGreaterThan(PLANS);
  }, 1_800_000);
});
