/**
 * Checking a concurrent history of writes and reads (histories*.test.ts).
 *
 * Every write puts fresh keys (1–4 rows, one shard, `v` = its sequence number) and
 * records when it was called and when its ack returned; every read records when it
 * was called (a scan captures its sources synchronously at the call), what it
 * returned, and its cuts. Times are on one clock: a logical counter in one process,
 * `process.hrtime` (CLOCK_MONOTONIC, shared by processes on one machine) across two.
 *
 * Checked per read and shard:
 * 1. atomic: a write is seen whole or not at all, with its own `v` (no torn read);
 * 2. nothing unwritten is seen;
 * 3. prefix: what the read sees of a shard is a prefix of that shard's ack order;
 * 4. real time: every write the caller's `mustSee` names (acked before the read
 *    began; across processes, acked before a flush that returned before the read
 *    began) is seen;
 * 5. AsOfCut: `containsPksAsOf(keys, cuts)`, asked later with the scan's cuts, says
 *    true exactly for the keys the scan saw (no deletes here, so "the fresh tier as
 *    of the cut holds a version" is "the scan saw the key").
 */

export interface WriteRecord {
  seq: number;
  shard: number;
  ids: number[];
  call: number;
  ret: number;
}

export interface ReadRecord {
  call: number;
  ret: number;
  /** id -> v of every row returned. */
  seen: Map<number, number | null>;
  /** Keys asked with containsPksAsOf(keys, scan cuts) some time after the scan, and the answers. */
  asOf?: { ids: number[]; held: boolean[] };
}

export interface HistoryVerdict {
  problems: string[];
  /** Acked writes a read had to see and did not. */
  lost: number;
  /** Torn writes, unwritten rows, prefix violations, AsOfCut disagreements. */
  corrupted: number;
}

/**
 * Checks `reads` against `writes`, which must be in ack order within each shard
 * (see {@link inAckOrder}); `mustSee(read, write)` says whether the read had to see the write.
 */
export function checkHistory(
  writes: readonly WriteRecord[],
  reads: readonly ReadRecord[],
  mustSee: (read: ReadRecord, write: WriteRecord) => boolean,
): HistoryVerdict {
  const v: HistoryVerdict = { problems: [], lost: 0, corrupted: 0 };
  const note = (kind: 'lost' | 'corrupted', text: string) => {
    v[kind]++;
    if (v.problems.length < 12) v.problems.push(text);
  };
  const byId = new Map<number, WriteRecord>();
  for (const w of writes) for (const id of w.ids) byId.set(id, w);
  const shards = new Map<number, WriteRecord[]>();
  for (const w of writes) (shards.get(w.shard) ?? shards.set(w.shard, []).get(w.shard)!).push(w);

  reads.forEach((r, ri) => {
    for (const [id, value] of r.seen) {
      const w = byId.get(id);
      if (!w) note('corrupted', `read ${ri} saw key ${id}, never written`);
      else if (value !== w.seq) note('corrupted', `read ${ri} saw key ${id} with v=${value}, written with ${w.seq}`);
    }
    for (const [shard, inAckOrder] of shards) {
      let firstUnseen = -1;
      inAckOrder.forEach((w, i) => {
        const n = w.ids.filter((id) => r.seen.has(id)).length;
        if (n > 0 && n < w.ids.length) note('corrupted', `read ${ri} saw ${n} of ${w.ids.length} rows of write ${w.seq} (torn)`);
        const seen = n === w.ids.length;
        if (!seen && mustSee(r, w)) note('lost', `read ${ri} (called at ${r.call}) missed write ${w.seq} of shard ${shard}, acked at ${w.ret}`);
        if (!seen && firstUnseen < 0) firstUnseen = i;
        if (seen && firstUnseen >= 0) note('corrupted', `read ${ri} saw write ${w.seq} of shard ${shard} but not ${inAckOrder[firstUnseen].seq}, acked before it (not a prefix)`);
      });
    }
    if (r.asOf) {
      r.asOf.ids.forEach((id, i) => {
        if (r.asOf!.held[i] !== r.seen.has(id)) note('corrupted', `read ${ri}: containsPksAsOf(${id}) = ${r.asOf!.held[i]}, but the scan ${r.seen.has(id) ? 'saw' : 'did not see'} it`);
      });
    }
  });
  return v;
}

/** Writes sorted by ack time (ties: by call), the order `checkHistory` expects per shard. */
export function inAckOrder(writes: readonly WriteRecord[]): WriteRecord[] {
  return [...writes].sort((a, b) => a.ret - b.ret || a.call - b.call);
}

/** A sample of `n` ids: some written, some never written (`unwritten`). */
export function sampleIds(written: readonly number[], unwritten: readonly number[], n: number, pick: (k: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = i % 4 === 3 || written.length === 0 ? unwritten : written;
    if (from.length > 0) out.push(from[pick(from.length)]);
  }
  return [...new Set(out)];
}
