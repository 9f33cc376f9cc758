/**
 * freshtier's stream workloads (upsert, append): one durable ShardWriter, `producers`
 * producers calling `put` concurrently, timed from the first put to the end of `close()`,
 * so every flush the stream causes — those that ran in the background and the final one
 * `close()` waits for — is inside the figure. The notes split that time: when the last
 * put was acked, how long `close()` took, which flushes ran, and ack latency percentiles.
 * With `latency`, the table's store is a {@link LatencyStore} over the local disk.
 */
import { LocalStore, Table, type ObjectStore } from '@freshtier/core';
import { ShardWriter, type WriterEvent } from '@freshtier/writer';
import { benchSchema, arrowBytes, collect, producerSpecs, rowCount } from '../data.js';
import { LatencyStore, describeLatency } from '../latency-store.js';
import { startClock, type Result, type StoreLatency, type WorkloadContext } from './types.js';

/** What the writer's events say about the flushes of one run. */
interface FlushLog {
  freezes: Record<string, number>;
  committed: number;
  /** Seconds from each generation's flush-start to the commit that included it, summed. */
  busySeconds: number;
}

function flushRecorder(): { log: FlushLog; onEvent: (e: WriterEvent) => void } {
  const log: FlushLog = { freezes: {}, committed: 0, busySeconds: 0 };
  const started = new Map<number, number>();
  const onEvent = (e: WriterEvent) => {
    if (e.type === 'freeze') log.freezes[e.reason] = (log.freezes[e.reason] ?? 0) + 1;
    else if (e.type === 'flush-start') started.set(e.generation, performance.now());
    else if (e.type === 'flush-committed') {
      log.committed += e.generations.length;
      for (const g of e.generations) log.busySeconds += (performance.now() - (started.get(g) ?? performance.now())) / 1000;
    }
  };
  return { log, onEvent };
}

/** The p-th percentile (0–100) of `xs`, nearest rank; 0 for an empty list. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const fmt = (s: number) => `${s.toFixed(2)} s`;

/** Streams from this many rows on start the flush worker before the clock. */
export const WARM_WORKER_ROWS = 100_000;

/**
 * Starts the process's flush worker before the clock. Run from the TypeScript sources (as
 * the bench is), a worker first loads tsx and compiles the writer's sources: a second or
 * more that a built install does not pay and a long-running writer pays once. Until it is
 * ready a flush encodes on the writer's thread, so a cold start would charge the stream
 * with a bench artifact. The pool is not part of the package's API, hence the source path;
 * if it moves, the run goes on unwarmed and says so. Streams under {@link WARM_WORKER_ROWS}
 * (`--quick`, the CI smoke test) skip it: their only flush is the small one in `close()`, and
 * starting a worker from sources would cost the test seconds.
 */
async function warmFlushWorker(rows: number): Promise<string> {
  if (rows < WARM_WORKER_ROWS) return 'flush worker not pre-started (small stream)';
  try {
    const mod = (await import('../../../packages/writer/src/flush/flush-pool.js')) as { sharedFlushPool?: () => { ready(): Promise<boolean> } };
    if (!mod.sharedFlushPool) return 'flush worker not pre-started (pool API not found)';
    return (await mod.sharedFlushPool().ready()) ? 'flush worker started before the clock' : 'no flush worker could start: flushes encode on the writer thread';
  } catch (e) {
    return `flush worker not pre-started (${(e as Error).message.split('\n')[0]})`;
  }
}

/** The timings of one stream, for its notes. */
interface StreamTimes {
  rows: number;
  ackedAt: number;
  seconds: number;
  committedBeforeLastAck: number;
  acks: number[];
}

function streamNotes(t: StreamTimes, log: FlushLog, latency: StoreLatency | null, worker: string): string {
  const freezes = Object.entries(log.freezes).map(([reason, n]) => `${n} on ${reason}`).join(', ') || 'none';
  return [
    `durable: each put acked after its WAL entry is persisted; timed to the end of close()`,
    latency ? `store: local disk behind ${describeLatency(latency)} per request` : undefined,
    `last put acked at ${fmt(t.ackedAt)} (${Math.round(t.rows / t.ackedAt).toLocaleString('en-US')} rows/s), close() ${fmt(t.seconds - t.ackedAt)}`,
    `generations flushed: ${t.committedBeforeLastAck} committed before the last ack + ${log.committed - t.committedBeforeLastAck} after it (in close()); freezes: ${freezes}; flush time (start to commit, summed) ${fmt(log.busySeconds)}`,
    `ack latency p50 ${percentile(t.acks, 50).toFixed(1)} ms, p99 ${percentile(t.acks, 99).toFixed(1)} ms`,
    worker,
  ].filter(Boolean).join('; ');
}

/**
 * Runs one stream workload through freshtier, on the local disk or behind `latency`.
 *
 * @example
 * ```ts
 * const r = await freshtierStream(ctx, 'upsert', { putMs: 50, getMs: 30 });
 * ```
 */
export async function freshtierStream(ctx: WorkloadContext, kind: 'upsert' | 'append', latency: StoreLatency | null): Promise<Result> {
  const local = new LocalStore(`${ctx.dir}/table`);
  const store: ObjectStore = latency ? new LatencyStore(local, latency) : local;
  const table = await Table.create(store, { schema: benchSchema, primaryKey: kind === 'upsert' ? ['id'] : [], shards: 1 });
  const streams = producerSpecs(ctx.sizes, kind).map(collect);
  const all = streams.flat();
  const { log, onEvent } = flushRecorder();
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', onEvent });
  const worker = await warmFlushWorker(ctx.sizes.streamRows);
  const acks: number[] = [];
  const elapsed = startClock();
  await Promise.all(streams.map(async (batches) => {
    for (const b of batches) {
      const t0 = performance.now();
      await writer.put(b);
      acks.push(performance.now() - t0);
    }
  }));
  const ackedAt = elapsed();
  const committedBeforeLastAck = log.committed;
  await writer.close();
  const times = { rows: rowCount(all), ackedAt, seconds: elapsed(), committedBeforeLastAck, acks };
  return { rows: times.rows, bytes: arrowBytes(all), seconds: times.seconds, notes: streamNotes(times, log, latency, worker) };
}
