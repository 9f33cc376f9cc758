/**
 * Story: acked rows survive a crash (DESIGN.md invariant 5).
 *
 * A child process writes in durable mode on a LocalStore and prints every acked
 * range; the test SIGKILLs it at a random moment, reopens the shard (fence +
 * replay), and checks that every acked row is there with its acked version or a
 * newer tried one, that no row appears that was never written, and — on an
 * append-only table, where a duplicate cannot hide behind dedup — that no row
 * appears twice. Runs accumulate on the same tables, so recovery of one crash is
 * also checked by the next ones. ~8 kills in CI; FRESHTIER_LONG=1 → 100.
 *
 * The kill delays come from a seeded PRNG (FRESHTIER_SEED, printed with every failure),
 * so a failing run can be repeated. Where exactly a kill lands still depends on how fast
 * the child runs, and every check holds wherever it lands.
 */
import { LocalStore, Table } from '@freshtier/core';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../../reliability/src/data.js';
import { ShardWriter } from '../src/index.js';
import { makeTable, tempDir } from './support/fixtures.js';
import { readShard, type ShardState } from './support/read-shard.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/crash-put.ts', import.meta.url));
const KILLS = process.env.FRESHTIER_LONG === '1' ? 100 : 8;
const SEED = Number(process.env.FRESHTIER_SEED ?? 20_251_122);

/** What the children tried and acked, per key. */
class Expectations {
  readonly tried = new Map<string, number[]>();
  readonly ackedMax = new Map<string, number>();

  record(lines: string[]): number {
    let acks = 0;
    for (const line of lines) {
      const [kind, seq, lo, hi] = line.split(' ');
      if (kind !== 'T' && kind !== 'A') continue;
      for (let id = Number(lo); id < Number(hi); id++) {
        const key = String(id);
        if (kind === 'T') this.tried.set(key, [...(this.tried.get(key) ?? []), Number(seq)]);
        else this.ackedMax.set(key, Math.max(this.ackedMax.get(key) ?? -1, Number(seq)));
      }
      if (kind === 'A') acks++;
    }
    return acks;
  }

  /** Problems of a recovered keyed shard (empty when it is right). */
  checkKeyed(state: ShardState): string[] {
    const problems: string[] = [];
    for (const [key, acked] of this.ackedMax) {
      const row = state.rows.get(key);
      if (!row) problems.push(`acked key ${key} (seq ${acked}) is missing`);
      else if (row.v === null || row.v < acked) problems.push(`key ${key} has v=${row.v}, older than acked seq ${acked}`);
    }
    for (const [key, row] of state.rows) {
      if (!this.tried.get(key)?.includes(row.v ?? -1)) problems.push(`key ${key} has v=${row.v}, which was never written to it`);
    }
    return problems.slice(0, 10);
  }

  /** Problems of a recovered append-only shard: also every row at most once. */
  checkAppendOnly(state: ShardState): string[] {
    const problems: string[] = [];
    const seen = new Map<string, number>();
    for (const row of state.all) seen.set(row.id, (seen.get(row.id) ?? 0) + 1);
    for (const [key, n] of seen) {
      if (n > 1) problems.push(`row ${key} appears ${n} times`);
      if (!this.tried.has(key)) problems.push(`row ${key} was never written`);
    }
    for (const key of this.ackedMax.keys()) if (!seen.has(key)) problems.push(`acked row ${key} is missing`);
    return problems.slice(0, 10);
  }
}

/** Runs the child until `killAfterMs` after it is ready, SIGKILLs it, returns its complete output lines. */
async function runAndKill(root: string, run: number, seed: number, killAfterMs: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', fixture, root, String(run), String(seed)], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`exit code ${code} signal ${signal}`)));
  const ready = new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('ready\n') && resolve()));
  const early = await Promise.race([ready.then(() => undefined), exited]);
  if (early) throw new Error(`child stopped before it was ready (${early}): ${err}`);
  const died = await Promise.race([new Promise((r) => setTimeout(r, killAfterMs)).then(() => undefined), exited]);
  if (died) throw new Error(`child stopped on its own (${died}): ${err}`);
  child.kill('SIGKILL');
  await exited;
  return out.split('\n').slice(0, -1); // the last piece may be a torn line
}

describe('crash recovery (SIGKILL)', () => {
  const tables: { appendOnly: boolean; root: string; expect: Expectations }[] = [];
  let cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    for (const appendOnly of [false, true]) {
      const { dir, cleanup } = await tempDir();
      cleanups.push(cleanup);
      await makeTable(new LocalStore(dir), { appendOnly });
      tables.push({ appendOnly, root: dir, expect: new Expectations() });
    }
  });
  afterAll(async () => {
    await Promise.all(cleanups.map((c) => c()));
    cleanups = [];
  });

  it(`recovers every acked row and no row twice across ${KILLS} random kills`, async () => {
    let totalAcks = 0;
    const rnd = prng(SEED);
    for (let run = 1; run <= KILLS; run++) {
      const t = tables[run % 2];
      const killAfterMs = rnd.int(20, 620);
      const what = `run ${run} (${t.appendOnly ? 'append-only' : 'keyed'}, killed after ${killAfterMs} ms; rerun with FRESHTIER_SEED=${SEED})`;
      const lines = await runAndKill(t.root, run, run * 7919, killAfterMs);
      totalAcks += t.expect.record(lines);
      const table = await Table.open(new LocalStore(t.root));
      const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false });
      const recovered = await readShard(table, 0, writer);
      const problems = t.appendOnly ? t.expect.checkAppendOnly(recovered) : t.expect.checkKeyed(recovered);
      expect(problems, `${what}, after replay`).toEqual([]);
      if (run % 3 === 0) {
        await writer.close(); // also check what replayed generations look like once flushed
        const flushed = await readShard(table, 0);
        expect(t.appendOnly ? t.expect.checkAppendOnly(flushed) : t.expect.checkKeyed(flushed), `${what}, after flush`).toEqual([]);
      }
    }
    expect(totalAcks).toBeGreaterThan(0);
  }, 600_000);
});
