/**
 * Where the CLI reads and writes. `main(argv, io)` takes this instead of touching
 * `process` directly, so tests run the CLI in-process and capture its output.
 *
 * The process streams are wrapped in {@link GuardedStream}: when the reader of a pipe
 * goes away (`freshtier scan t | head -1`), writing fails with EPIPE, which Node emits
 * as an 'error' event that would crash the process with a stack trace. The guard takes
 * that event, drops later writes, and makes {@link writeAll} throw
 * {@link OutputClosedError}, so a command stops producing output nobody reads and
 * `main` ends quietly with exit code 0.
 */
import type { EventEmitter } from 'node:events';

/** A text/binary sink (a `process.stdout`-like object). */
export interface OutStream {
  write(chunk: string | Uint8Array): unknown;
  /** True when it is a terminal: progress bars are drawn only then. */
  readonly isTTY?: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

/**
 * The CLI's environment.
 *
 * @example
 * ```ts
 * const out: string[] = [];
 * await main(['inspect', './data/users'], { stdout: { write: (s) => out.push(String(s)) }, stderr: { write: () => true } });
 * ```
 */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** Environment variables (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Working directory for relative paths (default `process.cwd()`). */
  cwd?: string;
}

/**
 * The reader of the output went away (EPIPE): the command stops writing and the CLI
 * exits 0 without a message, as `head` expects of the programs it reads.
 *
 * @example
 * ```ts
 * try { await writeAll(out, text); } catch (e) { if (e instanceof OutputClosedError) return; throw e; }
 * ```
 */
export class OutputClosedError extends Error {
  constructor() {
    super('the reader of the output closed it (EPIPE)');
    this.name = 'OutputClosedError';
  }
}

type NodeOut = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * A process stream whose write errors are taken instead of crashing the process.
 * After an EPIPE every write is dropped; {@link writeAll} throws {@link OutputClosedError}
 * (any other write error, e.g. a full disk behind a redirect, is thrown as is).
 *
 * @example
 * ```ts
 * const out = new GuardedStream(process.stdout);
 * out.write('hello\n'); // never throws, never crashes on a closed pipe
 * ```
 */
export class GuardedStream implements OutStream {
  /** Why writing stopped, once it has. */
  failure: Error | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly stream: NodeOut) {
    stream.on('error', (e: Error) => this.fail(e));
  }

  get isTTY(): boolean | undefined {
    return this.stream.isTTY;
  }

  get columns(): number | undefined {
    return this.stream.columns;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.failure) return true;
    try {
      return this.stream.write(chunk);
    } catch (e) {
      this.fail(e as Error);
      return true;
    }
  }

  /** Resolves once the stream drained or failed (writeAll's wait after `write` returned false). */
  drained(): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.waiting.delete(done);
        this.stream.removeListener('drain', done);
        resolve();
      };
      this.waiting.add(done);
      this.stream.once('drain', done);
    });
  }

  private fail(e: Error): void {
    this.failure ??= isClosedPipe(e) ? new OutputClosedError() : e;
    for (const w of [...this.waiting]) w();
  }
}

/** EPIPE, or a write to a stream that EPIPE already destroyed. */
function isClosedPipe(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET';
}

let guarded: { stdout: GuardedStream; stderr: GuardedStream } | undefined;

/**
 * The real process streams, guarded against a reader that went away (one guard per
 * stream for the life of the process, however often `main` runs).
 *
 * @example
 * ```ts
 * await main(['scan', './t'], processIo());
 * ```
 */
export function processIo(): CliIo {
  guarded ??= { stdout: new GuardedStream(process.stdout), stderr: new GuardedStream(process.stderr) };
  return { ...guarded, env: process.env, cwd: process.cwd() };
}

/**
 * Writes `chunk` fully, waiting for the stream to drain when it is a Node stream (large
 * output). Throws {@link OutputClosedError} once the reader went away, and a guarded
 * stream's other write errors.
 *
 * @example
 * ```ts
 * await writeAll(ctx.io.stdout, 'id,name\n');
 * ```
 */
export async function writeAll(out: OutStream, chunk: string | Uint8Array): Promise<void> {
  throwIfFailed(out);
  const ok = out.write(chunk);
  if (ok === false) {
    if (out instanceof GuardedStream) await out.drained();
    else await drainOrEnd(out as unknown as Partial<EventEmitter>);
  }
  throwIfFailed(out);
}

function throwIfFailed(out: OutStream): void {
  if (out instanceof GuardedStream && out.failure) throw out.failure;
}

/** Waits for 'drain', or for 'error'/'close' (a file stream that failed never drains). */
function drainOrEnd(s: Partial<EventEmitter>): Promise<void> {
  if (typeof s.once !== 'function' || typeof s.removeListener !== 'function') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      for (const ev of ['drain', 'error', 'close']) s.removeListener!(ev, done);
      resolve();
    };
    for (const ev of ['drain', 'error', 'close']) s.once!(ev, done);
  });
}
