/**
 * Flush worker threads (`flushInWorker`, default on). Encoding a generation takes
 * about a second of CPU per million rows; on the writer's thread that second is
 * stolen from puts (their group commits wait behind it). In a worker it runs on
 * another core, and the writer's thread only copies the memtable into a
 * `MemtableImage` and later uploads the bytes.
 *
 * One pool per process, shared by every writer: at most `availableParallelism() - 1`
 * workers (1..4), started by the first flush and kept while any writer is open (`acquire`);
 * without open writers an idle worker ends after `IDLE_MS`. Workers are unref'd
 * unless busy, so they never keep a process alive. While no worker is ready — it is still
 * starting, or none can start (no worker script, e.g. in a bundle; no tsx to load the
 * TypeScript sources) — `run` resolves `undefined` and the caller encodes in-process:
 * flushing never waits for or depends on a worker. A job that fails or whose worker
 * dies rejects, and the flush round fails and is retried like any failed flush.
 *
 * Which script: from built `dist/` this module is `flush-pool.js` and the worker is
 * `flush-worker.js` beside it (with the process's `--conditions`). From the
 * TypeScript sources (tests, `--import tsx`) it is `flush-worker.ts`, started with tsx
 * and the `freshtier-src` condition, so it runs the same sources as its parent.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FlushJob } from './flush-job.js';
import type { EncodedFiles } from '../shard/memtable-slot.js';

/** How long an idle worker lives (starting one costs tens to hundreds of milliseconds). */
const IDLE_MS = 10_000;
/** A worker not ready after this long counts as unable to start. */
const START_TIMEOUT_MS = 20_000;

interface Pending {
  readonly job: FlushJob;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (files: EncodedFiles | undefined) => void;
  readonly reject: (e: unknown) => void;
}

interface Thread {
  readonly worker: Worker;
  ready: boolean;
  busy: (Pending & { id: number }) | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Ended on purpose (`close`): its end says nothing about whether workers can start. */
  closing: boolean;
}

/**
 * A pool of flush workers.
 *
 * @example
 * ```ts
 * const files = (await sharedFlushPool().run(job, transfer)) ?? encodeInProcess(memtable, schema, options);
 * ```
 */
export class FlushWorkerPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** Open writers using the pool: while there are any, idle workers are kept (no start on their next flush). */
  private leases = 0;
  /** Why workers cannot start here, once one failed to; jobs then resolve undefined. */
  private unavailable: Error | undefined;
  /** Jobs a worker finished (encoded or failed): lets tests see that the worker path ran. */
  completed = 0;

  /** `script` says which worker to start (tests point it elsewhere); by default this package's flush worker. */
  constructor(private readonly size: number, private readonly idleMs = IDLE_MS, private readonly script: () => FlushWorkerScript = workerSpec) {}

  /**
   * Encodes `job` in a worker; `undefined` when none can start here, or none is ready yet and
   * `waitForStart` is false (a small job encodes in-process sooner than a worker starts), and the
   * caller encodes in-process. Only a ready worker gets the job's buffers, so `undefined` never costs the job.
   */
  run(job: FlushJob, transfer: ArrayBuffer[], waitForStart = false): Promise<EncodedFiles | undefined> {
    if (this.unavailable) return Promise.resolve(undefined);
    if (!this.threads.some((t) => t.ready)) {
      this.warm();
      if (!waitForStart || this.unavailable) return Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job, transfer, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts a worker ahead of the first job, so that job does not find none ready. */
  warm(): void {
    if (!this.unavailable && this.threads.length === 0) this.spawn();
  }

  /**
   * A writer opened: once started (by its first flush), keep a worker until `release` (idle workers of a
   * pool without leases end after `idleMs`). Not started here: a start costs CPU that puts would miss,
   * and a writer that never flushes a big generation needs no worker.
   */
  acquire(): void {
    this.leases++;
  }

  /** A writer closed (or died). */
  release(): void {
    this.leases = Math.max(0, this.leases - 1);
    if (this.leases === 0) for (const t of this.threads) if (t.ready && !t.busy) this.idle(t);
  }

  /** Waits until a worker is ready (true) or none can start (false). For tests and benchmarks. */
  async ready(): Promise<boolean> {
    this.warm();
    while (!this.unavailable && !this.threads.some((t) => t.ready)) await new Promise((r) => setTimeout(r, 5));
    return !this.unavailable;
  }

  /** Ends every worker (jobs in flight reject); a later job starts a new one. For tests and orderly shutdown. */
  async close(): Promise<void> {
    for (const t of this.threads) t.closing = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const t = this.threads.find((x) => x.ready && !x.busy);
      if (!t) {
        // all busy: one more worker if allowed (jobs wait for whichever is free first)
        if (this.threads.length < this.size && this.threads.every((x) => x.ready)) this.spawn();
        if (this.unavailable) this.drainUnavailable();
        return;
      }
      this.send(t, this.queue.shift()!);
    }
  }

  private send(t: Thread, p: Pending): void {
    const id = this.nextId++;
    t.busy = { ...p, id };
    if (t.idleTimer) clearTimeout(t.idleTimer);
    t.idleTimer = undefined;
    t.worker.ref(); // a pending flush keeps the process alive, like any pending I/O
    t.worker.postMessage({ id, job: p.job }, p.transfer);
  }

  private spawn(): void {
    let worker: Worker;
    try {
      const spec = this.script();
      worker = new Worker(spec.script, { eval: spec.eval, execArgv: spec.execArgv });
    } catch (e) {
      this.markUnavailable(e);
      return;
    }
    worker.unref(); // only a busy worker keeps the process alive
    const t: Thread = { worker, ready: false, busy: undefined, idleTimer: undefined, closing: false };
    this.threads.push(t);
    const startTimer = setTimeout(() => {
      if (t.ready || !this.threads.includes(t)) return;
      this.markUnavailable(new Error(`no flush worker was ready after ${START_TIMEOUT_MS} ms`));
      t.closing = true; // its end is not news any more
      void worker.terminate();
      this.threads.splice(this.threads.indexOf(t), 1);
      this.drainUnavailable();
    }, START_TIMEOUT_MS);
    startTimer.unref();
    worker.on('message', (msg: { type: string; id?: number; files?: EncodedFiles; error?: { name: string; message: string; stack?: string } }) => {
      if (msg.type === 'ready') {
        clearTimeout(startTimer);
        t.ready = true;
        this.dispatch();
        if (!t.busy) this.idle(t);
      } else if (t.busy && msg.id === t.busy.id) this.finish(t, msg.type === 'done' ? { files: msg.files! } : { error: revive(msg.error!) });
    });
    worker.on('error', (e) => this.lost(t, e));
    worker.on('exit', (code) => this.lost(t, new Error(`the flush worker exited (code ${code})`)));
  }

  private finish(t: Thread, outcome: { files: EncodedFiles } | { error: Error }): void {
    const job = t.busy!;
    t.busy = undefined;
    this.completed++;
    if ('files' in outcome) job.resolve(outcome.files);
    else job.reject(outcome.error);
    this.dispatch();
    if (!t.busy) this.idle(t);
  }

  /** An idle worker does not keep the process alive; without leases it ends after `idleMs` unless a job comes. */
  private idle(t: Thread): void {
    t.worker.unref();
    if (t.idleTimer) clearTimeout(t.idleTimer);
    t.idleTimer = undefined;
    if (this.leases > 0) return;
    t.idleTimer = setTimeout(() => this.retire(t), this.idleMs);
    t.idleTimer.unref();
  }

  /** Ends an idle worker; it leaves the pool first, so no job is sent to it while it exits. */
  private retire(t: Thread): void {
    const i = this.threads.indexOf(t);
    if (i < 0 || t.busy || this.leases > 0) return;
    this.threads.splice(i, 1);
    void t.worker.terminate();
  }

  /** A worker died (or ended): its job fails; one that never got ready means workers cannot run here. */
  private lost(t: Thread, e: Error): void {
    const i = this.threads.indexOf(t);
    if (i < 0) return; // 'error' is followed by 'exit'
    this.threads.splice(i, 1);
    if (t.idleTimer) clearTimeout(t.idleTimer);
    const job = t.busy;
    t.busy = undefined;
    if (!t.ready && !t.closing) {
      this.markUnavailable(e); // (a worker gets jobs only once ready: nothing was sent to this one)
      return this.drainUnavailable();
    }
    job?.reject(e);
    this.dispatch();
  }

  private markUnavailable(e: unknown): void {
    if (this.unavailable) return;
    this.unavailable = e instanceof Error ? e : new Error(String(e));
    process.emitWarning(`freshtier: flush worker threads cannot start (${this.unavailable.message}); flushing on the writer's thread`, { code: 'FRESHTIER_NO_FLUSH_WORKER' });
  }

  private drainUnavailable(): void {
    for (const p of this.queue.splice(0)) p.resolve(undefined);
  }
}

/**
 * How to start a flush worker: a script (a URL, or code when `eval`) and its Node options.
 *
 * @example
 * ```ts
 * const script: FlushWorkerScript = { script: new URL('./flush-worker.js', import.meta.url), eval: false, execArgv: undefined };
 * ```
 */
export interface FlushWorkerScript {
  readonly script: URL | string;
  readonly eval: boolean;
  readonly execArgv: string[] | undefined;
}

/**
 * The worker script beside this module, and the Node options it needs (see the module doc).
 * Node 20 does not apply `--import` loaders to a worker's entry module, so for the TypeScript
 * sources the worker is a small script that registers tsx, then imports `flush-worker.ts`.
 */
function workerSpec(): FlushWorkerScript {
  const here = import.meta.url;
  if (!/\.[cm]?ts$/.test(new URL(here).pathname)) return { script: new URL('./flush-worker.js', here), eval: false, execArgv: conditionsOnly(process.execArgv) };
  const tsxApi = createRequire(here).resolve('tsx/esm/api'); // throws (→ in-process) where tsx is absent
  const entry = new URL('./flush-worker.ts', here).href;
  return { script: `require(${JSON.stringify(tsxApi)}).register(); import(${JSON.stringify(entry)});`, eval: true, execArgv: ['--conditions=freshtier-src'] };
}

/**
 * The `--conditions` options of `argv`, so the worker resolves packages as this thread does. Nothing
 * else: a worker inheriting every option fails on some (`--input-type`, `--eval`), and it only encodes.
 */
function conditionsOnly(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^(--conditions|-C)=/.test(argv[i])) out.push(argv[i]);
    else if ((argv[i] === '--conditions' || argv[i] === '-C') && i + 1 < argv.length) out.push(argv[i], argv[++i]);
  }
  return out;
}

/** An error from the worker, as an Error of this thread (its name, message and worker stack kept). */
function revive(e: { name: string; message: string; stack?: string }): Error {
  const err = new Error(`flush worker: ${e.message}`);
  err.name = e.name;
  if (e.stack) err.stack = `${err.name}: ${err.message}\n--- in the flush worker ---\n${e.stack}`;
  return err;
}

let shared: FlushWorkerPool | undefined;

/**
 * The process's pool (created on first use).
 *
 * @example
 * ```ts
 * const files = await sharedFlushPool().run(job, transfer);
 * ```
 */
export function sharedFlushPool(): FlushWorkerPool {
  return (shared ??= new FlushWorkerPool(Math.max(1, Math.min(4, availableParallelism() - 1))));
}
