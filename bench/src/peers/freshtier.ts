/**
 * freshtier itself, through `@freshtier/writer` (ShardWriter) and `@freshtier/scanner`
 * (LsmScanner) on a LocalStore under `ctx.dir`. Every other system's ratio is measured
 * against this adapter, so until it implements a workload that column reads "n/a".
 *
 * TODO(freshtier adapter), once the writer and scanner APIs land — same data as the peers
 * (bench/src/data.ts), same Result accounting (rows and Arrow bytes of the timed section):
 * - upsert: `producerSpecs(sizes, 'upsert')`, one durable ShardWriter (or one per shard),
 *   10 producers calling `put(batch)` concurrently; time until every put has resolved.
 * - append: the same on an append-only table (no primary key) with `producerSpecs(sizes, 'append')`.
 * - scan: prepare = base from `stateFixture(...).base` (ingest or write + compact), then
 *   `generations` deltas each put + flushed; run = put the last delta (memtables, untimed),
 *   then time `scanner.scan({}).toTable()` (rows = latest-state rows).
 * - containsPks: same fixture; time `scanner.containsPks(lookupKeys(sizes.lookupKeys, sizes.tableRows))`
 *   (half the keys present: assert it); also report `freshTierBlockList(keys, cut)` in `notes`.
 * - replay: prepare = durable writer, put a `tableRows`-row stream, never flush, then
 *   `process.kill(process.pid, 'SIGKILL')`; run = time `ShardWriter.open(...)` (the replay)
 *   until the writer is ready, then check the row count.
 * - compaction: the same fixture with every delta flushed (the peers compact all nine);
 *   time `compact({ shard: 0 })` (rows = latest-state rows, as for the peers).
 */
import type { Adapter } from './types.js';

/** The freshtier adapter (no workloads yet: see the TODO above). */
export const freshtierAdapter: Adapter = {
  name: 'freshtier',
  needsPeers: false,
  prepare: {},
  workloads: {},
};
