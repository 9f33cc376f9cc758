/**
 * Running a TypeScript child process (through tsx, against the workspace sources)
 * and crashing it: either the parent SIGKILLs it at a chosen moment, or the child
 * dies by itself at an armed failpoint. Either way the parent gets every complete
 * line the child printed before it died (a last, torn line is dropped).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** How a child ended and what it printed. */
export interface ChildOutcome {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** A running child with its output so far. */
export interface Child {
  readonly process: ChildProcess;
  /** Complete lines printed so far. */
  lines(): string[];
  /** Resolves when the child printed `line` (rejects if it exits first). */
  waitFor(line: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the child has exited. */
  exited: Promise<ChildOutcome>;
}

/**
 * Starts `script` (a path relative to `reliability/src/`) with `args` and extra env.
 *
 * @example
 * ```ts
 * const c = startChild('workload-child.ts', [root, '1', '42']);
 * await c.waitFor('ready');
 * ```
 */
export function startChild(script: string, args: string[], env: Record<string, string> = {}): Child {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', file, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FRESHTIER_FAILPOINTS: '', ...env },
  });
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of watchers) w();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const lines = () => out.split('\n').slice(0, -1);
  const exited = new Promise<ChildOutcome>((resolve) => {
    child.on('exit', (code, signal) => {
      // the pipe may still hold output when 'exit' fires: 'close' comes after the last 'data'
      const done = () => resolve({ lines: lines(), code, signal, stderr: err });
      if (child.stdout!.readableEnded) done();
      else child.stdout!.once('close', done);
      for (const w of watchers) w();
    });
  });
  let exitedFlag = false;
  void exited.then(() => (exitedFlag = true));
  const waitFor = (line: string, timeoutMs = 60_000) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`child did not print "${line}" within ${timeoutMs} ms: ${err.slice(-2000)}`)), timeoutMs);
    const check = () => {
      if (lines().includes(line)) finish();
      else if (exitedFlag || child.exitCode !== null || child.signalCode !== null) finish(new Error(`child exited (code ${child.exitCode}, signal ${child.signalCode}) before printing "${line}": ${err.slice(-2000)}`));
    };
    const finish = (e?: Error) => {
      clearTimeout(timer);
      watchers.delete(check);
      if (e) reject(e);
      else resolve();
    };
    watchers.add(check);
    check();
  });
  return { process: child, lines, waitFor, exited };
}

/**
 * Runs a child until it is ready, lets it work for `killAfterMs`, then SIGKILLs it.
 * Throws if it stopped on its own before (a crash we did not cause is a finding).
 */
export async function runAndKill(script: string, args: string[], killAfterMs: number, env: Record<string, string> = {}): Promise<ChildOutcome> {
  const c = startChild(script, args, env);
  await c.waitFor('ready');
  // where the kill lands depends on how fast the child runs: callers' checks must hold wherever it lands
  const early = await Promise.race([new Promise((r) => setTimeout(r, killAfterMs)).then(() => undefined), c.exited]);
  if (early) throw new Error(`child stopped on its own (code ${early.code}, signal ${early.signal}): ${early.stderr.slice(-2000)}`);
  c.process.kill('SIGKILL');
  return c.exited;
}

/** Runs a child to its end (or `timeoutMs`, then SIGKILL and throw). */
export async function runToExit(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildOutcome> {
  const c = startChild(script, args, env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      c.process.kill('SIGKILL');
      reject(new Error(`child ${script} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([c.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
