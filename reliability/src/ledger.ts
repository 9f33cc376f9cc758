/**
 * The ledger of a crash test: what a child process tried and what it was told
 * succeeded, and the check of a recovered table against it.
 *
 * Child protocol (one line each, written synchronously to a pipe, so a line the
 * parent reads was written before the kill):
 * - `T <seq> put|del <lo> <hi>`: about to put rows [lo, hi) with `v = seq`, or delete them;
 * - `A <seq>`: that operation was acknowledged;
 * - anything else (`ready`, `E …`) is informational.
 *
 * Each producer of the child owns its ids and waits for each operation before the
 * next, so per key the operations are sequential and at most the last one is
 * unacknowledged. After a crash, a key must read as of its last acked operation or
 * of the one after it (tried, maybe landed) — nothing older (`lost`) and nothing
 * never written (`corrupted`). An unacked batch is all-or-nothing: some of its rows
 * applied and others not is a torn write (`corrupted`). Append-only tables must also
 * hold every row at most once. After each check the observed state becomes the base
 * the next run is checked against, so a later recovery may not undo an earlier one.
 */
import type { ReadRow } from './data.js';

interface Op {
  seq: number;
  op: 'put' | 'del';
  lo: number;
  hi: number;
  acked: boolean;
}

/** Outcome of one check: problems found (first few described) and their kinds counted. */
export interface CheckResult {
  lost: number;
  corrupted: number;
  problems: string[];
  acked: number;
  tried: number;
}

const ABSENT = null;

export class Ledger {
  private ops = new Map<number, Op>();
  /** Keyed: key -> seqs of this run's operations on it, in try order. */
  private byKey = new Map<number, number[]>();
  /** Observed state of keys settled by earlier checks (null: absent). */
  private base = new Map<number, number | null>();

  constructor(readonly appendOnly: boolean) {}

  /** Reads a child's output lines; returns how many acks they hold. */
  record(lines: readonly string[]): number {
    let acks = 0;
    for (const line of lines) {
      const [kind, seqText, op, lo, hi] = line.split(' ');
      if (kind === 'T' && (op === 'put' || op === 'del')) {
        const o: Op = { seq: Number(seqText), op, lo: Number(lo), hi: Number(hi), acked: false };
        this.ops.set(o.seq, o);
        for (let id = o.lo; id < o.hi; id++) this.byKey.set(id, [...(this.byKey.get(id) ?? []), o.seq]);
      } else if (kind === 'A') {
        const o = this.ops.get(Number(seqText));
        if (!o) throw new Error(`ack of unknown operation: ${line}`);
        o.acked = true;
        acks++;
      }
    }
    return acks;
  }

  /** Checks what a scan of the recovered table returned; on success the state becomes the new base. */
  check(rows: readonly ReadRow[]): CheckResult {
    const r = this.appendOnly ? this.checkAppendOnly(rows) : this.checkKeyed(rows);
    if (r.lost + r.corrupted === 0) this.settle(rows);
    return r;
  }

  private checkKeyed(rows: readonly ReadRow[]): CheckResult {
    const res = this.result();
    const seen = new Map<number, number | null>();
    for (const row of rows) {
      if (seen.has(row.id)) res.corrupted += this.note(res, `key ${row.id} returned twice by one scan`);
      seen.set(row.id, row.v);
    }
    for (const [id] of seen) if (!this.byKey.has(id) && !this.base.has(id)) res.corrupted += this.note(res, `key ${id} was never written`);
    for (const [id, v] of this.base) {
      if (!this.byKey.has(id) && (seen.get(id) ?? ABSENT) !== v) res.lost += this.note(res, `settled key ${id} changed from ${v} to ${seen.get(id) ?? 'absent'}`);
    }
    for (const [id, seqs] of this.byKey) {
      const got = seen.get(id) ?? ABSENT;
      const lastAcked = seqs.findLastIndex((s) => this.ops.get(s)!.acked);
      const allowed = [this.stateAfter(id, seqs, lastAcked)];
      if (lastAcked + 1 < seqs.length) allowed.push(this.stateAfter(id, seqs, lastAcked + 1));
      if (allowed.includes(got)) continue;
      // an older state (absent, the base, an earlier write) means an acked write is missing
      const older = got === ABSENT || got === (this.base.get(id) ?? ABSENT) || seqs.includes(got);
      if (older) res.lost += this.note(res, `key ${id} reads ${got ?? 'absent'}, older than its acked state ${allowed[0] ?? 'absent'}`);
      else res.corrupted += this.note(res, `key ${id} reads ${got}, which no operation wrote to it`);
    }
    // an unacked batch applies whole or not at all
    for (const o of this.ops.values()) {
      if (o.acked) continue;
      let applied = 0;
      let notApplied = 0;
      for (let id = o.lo; id < o.hi; id++) {
        const seqs = this.byKey.get(id)!;
        const at = seqs.indexOf(o.seq);
        const before = this.stateAfter(id, seqs, at - 1);
        const after = this.stateAfter(id, seqs, at);
        if (before === after) continue; // cannot tell (a delete of an absent key)
        const got = seen.get(id) ?? ABSENT;
        if (got === after) applied++;
        else if (got === before) notApplied++;
      }
      if (applied > 0 && notApplied > 0) res.corrupted += this.note(res, `unacked ${o.op} ${o.seq} [${o.lo}, ${o.hi}) is torn: ${applied} rows applied, ${notApplied} not`);
    }
    return res;
  }

  private checkAppendOnly(rows: readonly ReadRow[]): CheckResult {
    const res = this.result();
    const count = new Map<number, { n: number; v: number | null }>();
    for (const row of rows) count.set(row.id, { n: (count.get(row.id)?.n ?? 0) + 1, v: row.v });
    for (const [id, c] of count) {
      if (c.n > 1) res.corrupted += this.note(res, `row ${id} appears ${c.n} times`);
      const o = this.opOfRow(id);
      if (!o && !this.base.has(id)) res.corrupted += this.note(res, `row ${id} was never written`);
      else if (o && c.v !== o.seq) res.corrupted += this.note(res, `row ${id} has v=${c.v}, written with ${o.seq}`);
    }
    for (const [id, v] of this.base) {
      if ((count.get(id)?.v ?? null) === v) continue;
      if (v === null) res.corrupted += this.note(res, `row ${id}, absent after an earlier recovery, appeared`);
      else res.lost += this.note(res, `row ${id}, present after an earlier recovery, is gone`);
    }
    for (const o of this.ops.values()) {
      let present = 0;
      for (let id = o.lo; id < o.hi; id++) if (count.has(id)) present++;
      if (o.acked && present < o.hi - o.lo) res.lost += this.note(res, `acked put ${o.seq} [${o.lo}, ${o.hi}) has ${present} of ${o.hi - o.lo} rows`);
      if (!o.acked && present > 0 && present < o.hi - o.lo) res.corrupted += this.note(res, `unacked put ${o.seq} [${o.lo}, ${o.hi}) is torn: ${present} of ${o.hi - o.lo} rows`);
    }
    return res;
  }

  /** The value key `id` holds after `seqs[0..i]` (i = -1: its base state). */
  private stateAfter(id: number, seqs: readonly number[], i: number): number | null {
    if (i < 0) return this.base.get(id) ?? ABSENT;
    const o = this.ops.get(seqs[i])!;
    return o.op === 'put' ? o.seq : ABSENT;
  }

  private opOfRow(id: number): Op | undefined {
    const seqs = this.byKey.get(id);
    return seqs ? this.ops.get(seqs[0]) : undefined;
  }

  private settle(rows: readonly ReadRow[]): void {
    const seen = new Map(rows.map((r) => [r.id, r.v]));
    for (const id of this.byKey.keys()) this.base.set(id, seen.get(id) ?? ABSENT);
    this.byKey.clear();
    this.ops.clear();
  }

  private result(): CheckResult {
    const ops = [...this.ops.values()];
    return { lost: 0, corrupted: 0, problems: [], acked: ops.filter((o) => o.acked).length, tried: ops.length };
  }

  private note(res: CheckResult, problem: string): number {
    if (res.problems.length < 10) res.problems.push(problem);
    return 1;
  }
}
