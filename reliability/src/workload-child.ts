/**
 * Child process of the crash matrix: a random workload on the LocalStore table at
 * <root>, shard 0, durable mode, small memtables so freezes and flushes happen
 * while it runs — until the parent SIGKILLs it or an armed failpoint
 * (`FRESHTIER_FAILPOINTS`, read by @freshtier/core) kills it at one exact step.
 *
 * It prints the ledger protocol (see ledger.ts): `T` before each put/delete, `A`
 * after it resolved. Several producers run at once, so WAL groups hold batches of
 * different producers; each producer owns its ids, so its operations on a key are
 * sequential. Keyed tables also get rewrites and deletes of acked ranges; writer-level
 * steps (freeze, flush, compaction into the base table) are interleaved, and some
 * batches go in by bulk `ingest` (a generation of its own, all-or-nothing at its
 * commit: the ledger treats it as a put). Append-only tables get fresh rows only.
 * `RELIABILITY_COMPACT_P` sets how often a step compacts (default 0.02).
 *
 * Usage: workload-child.ts <root> <run> <seed> [maxOps]
 */
import { LocalStore, Table } from '@freshtier/core';
import { ShardWriter, compact } from '@freshtier/writer';
import { keysBatch, prng, rangeBatch } from './data.js';

const [root, runArg, seedArg, maxOpsArg] = process.argv.slice(2);
const run = Number(runArg);
const rnd = prng(Number(seedArg) || 1);
const maxOps = maxOpsArg ? Number(maxOpsArg) : Infinity;
const PRODUCERS = 3;
const COMPACT_P = Number(process.env.RELIABILITY_COMPACT_P ?? 0.02);

const say = (line: string) => process.stdout.write(line + '\n');
const table = await Table.open(new LocalStore(root));
const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', maxMemtableRows: 1_200, flushRetry: { initialDelayMs: 5 } });
let nextSeq = run * 1_000_000;
let opsLeft = maxOps;

async function produce(producer: number): Promise<void> {
  let nextId = run * 10_000_000 + producer * 1_000_000;
  const acked: [number, number][] = [];
  while (opsLeft-- > 0) {
    const r = rnd.next();
    if (r < 0.04) {
      say(`E freeze ${writer.freeze() ?? '-'}`);
      continue;
    }
    if (r < 0.06) {
      await writer.flush();
      say('E flushed');
      continue;
    }
    if (rnd.chance(COMPACT_P)) {
      const c = await compact(table, { shard: 0 });
      say(`E compacted ${c.committed ? c.compactedThrough : '-'}`);
      continue;
    }
    const seq = nextSeq++;
    if (!table.appendOnly && acked.length > 0 && r < 0.3) {
      const [lo, hi] = rnd.pick(acked);
      say(`T ${seq} put ${lo} ${hi}`); // rewrite an acked range: the newer version must win, also by ingest
      if (rnd.chance(0.1)) await writer.ingest(rangeBatch(lo, hi, seq));
      else await writer.put(rangeBatch(lo, hi, seq));
    } else if (!table.appendOnly && acked.length > 0 && r < 0.4) {
      const [lo, hi] = rnd.pick(acked);
      const end = lo + 1 + rnd.int(0, hi - lo);
      say(`T ${seq} del ${lo} ${end}`);
      await writer.delete(keysBatch(Array.from({ length: end - lo }, (_, i) => lo + i)));
    } else {
      const lo = nextId;
      const hi = lo + rnd.int(10, 150);
      nextId = hi;
      say(`T ${seq} put ${lo} ${hi}`);
      if (r > 0.97) await writer.ingest(rangeBatch(lo, hi, seq));
      else await writer.put(rangeBatch(lo, hi, seq));
      acked.push([lo, hi]);
    }
    say(`A ${seq}`);
  }
}

say('ready');
await Promise.all(Array.from({ length: PRODUCERS }, (_, p) => produce(p)));
// a bounded run (maxOps) ends cleanly: everything acked is flushed
await writer.close();
say('done');
