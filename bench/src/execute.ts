/**
 * Runs one workload of one system, either in a child process of its own (the runner's way:
 * peak RSS is then that system's alone) or in this process (the smoke test's way).
 *
 * Peak RSS is the kernel's high-water mark of the measuring process (`getrusage` maxRSS via
 * `process.resourceUsage()`), not a sampled `memoryUsage().rss`: a timer cannot fire while a
 * synchronous WebAssembly or native call holds the thread, so sampling misses exactly the
 * peaks that matter. It covers the whole measuring process — runtime, libraries, the input
 * rows materialized before the clock starts and the timed section — but not `prepare`,
 * which runs in a process of its own.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADAPTERS } from './adapters.js';
import { SkipError, type Adapter, type Result, type Sizes, type WorkloadContext, type WorkloadId } from './peers/types.js';

/** A workload's result with the process's peak RSS. */
export interface Measured extends Result {
  peakRssMiB: number;
  /** True when measured in a process of its own (so peak RSS is this system's alone). */
  isolated: boolean;
}

/** What the runner hands a child process (JSON in argv). */
export interface WorkerTask {
  system: string;
  workload: WorkloadId;
  phase: 'prepare' | 'run';
  dir: string;
  sizes: Sizes;
}

/** What a child process sends back over IPC. */
export type WorkerReply = { ok: true; result?: Result; maxRssKiB: number } | { ok: false; error: string };

const peakRssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** Runs prepare (if any) then the workload in this process. Peak RSS is the whole process's. */
export async function runInProcess(adapter: Adapter, id: WorkloadId, ctx: WorkloadContext): Promise<Measured> {
  const workload = adapter.workloads[id];
  if (!workload) throw new Error(`${adapter.name} does not implement ${id}`);
  await adapter.prepare?.[id]?.(ctx);
  const result = await workload(ctx);
  return { ...result, peakRssMiB: peakRssMiB(), isolated: false };
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Forks the worker for one phase; resolves with its reply, or `null` when it SIGKILLed itself. */
function fork1(task: WorkerTask, timeoutMs: number): Promise<WorkerReply | null> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [JSON.stringify(task)], {
      cwd: BENCH_DIR, // so `--import tsx` resolves from the workspace
      execArgv: ['--conditions=freshtier-src', '--import', 'tsx'],
      // Lance logs a WARN per created dataset; keep its errors only.
      env: { LANCE_LOG: 'error', ...process.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: WorkerReply | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (m) => (reply = m as WorkerReply));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply) resolve(reply);
      else if (signal === 'SIGKILL' && task.phase === 'prepare') resolve(null); // a simulated crash
      else resolve({ ok: false, error: `${task.system}/${task.workload} ${task.phase} exited with ${signal ?? `code ${code}`}` + (signal === 'SIGKILL' ? ` (killed: over ${timeoutMs / 1000}s or out of memory)` : '') });
    });
  });
}

/** Runs prepare and the workload in two fresh child processes sharing `task.dir`. */
export async function runIsolated(task: Omit<WorkerTask, 'phase'>, timeoutMs = 20 * 60_000): Promise<Measured> {
  const adapter = ADAPTERS[task.system];
  if (adapter.prepare?.[task.workload]) {
    const prepared = await fork1({ ...task, phase: 'prepare' }, timeoutMs);
    if (prepared && !prepared.ok) throw new Error(prepared.error);
  }
  const reply = await fork1({ ...task, phase: 'run' }, timeoutMs);
  if (reply && !reply.ok && reply.error.startsWith(SkipError.PREFIX)) throw new SkipError(reply.error.slice(SkipError.PREFIX.length));
  if (!reply || !reply.ok || !reply.result) throw new Error(reply && !reply.ok ? reply.error : 'worker sent no result');
  return { ...reply.result, peakRssMiB: Math.round((reply.maxRssKiB / 1024) * 10) / 10, isolated: true };
}
