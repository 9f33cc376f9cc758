/**
 * Child-process entry: runs one phase (prepare or run) of one workload of one system and
 * reports over IPC. Started only by `runIsolated` in execute.ts.
 */
import { ADAPTERS } from './adapters.js';
import type { WorkerReply, WorkerTask } from './execute.js';
import { SkipError } from './peers/types.js';

const task = JSON.parse(process.argv[2]) as WorkerTask;

async function main(): Promise<WorkerReply> {
  const adapter = ADAPTERS[task.system];
  const ctx = { dir: task.dir, sizes: task.sizes, log: (m: string) => process.stderr.write(`  [${task.system}/${task.workload}] ${m}\n`) };
  if (task.phase === 'prepare') {
    await adapter.prepare![task.workload]!(ctx);
    return { ok: true, maxRssKiB: process.resourceUsage().maxRSS };
  }
  const result = await adapter.workloads[task.workload]!(ctx);
  return { ok: true, result, maxRssKiB: process.resourceUsage().maxRSS };
}

main()
  // A skip's message is its reason; a failure's stack says where it happened.
  .catch((e: unknown): WorkerReply => ({ ok: false, error: e instanceof SkipError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e) }))
  // Exit once the reply is out: native peers may keep handles (thread pools, files) open.
  .then((reply) => process.send!(reply, () => process.exit(0)));
