/**
 * Where the CLI reads and writes. `main(argv, io)` takes this instead of touching
 * `process` directly, so tests run the CLI in-process and capture its output.
 */

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
 * await main(['inspect', dir], { stdout: { write: (s) => out.push(String(s)) }, stderr: { write: () => true } });
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

/** The real process streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes `bytes` fully, waiting for the stream to drain when it is a Node stream (large parquet output). */
export async function writeAll(out: OutStream, chunk: string | Uint8Array): Promise<void> {
  const ok = out.write(chunk);
  const s = out as unknown as { once?: (ev: string, cb: () => void) => void };
  if (ok === false && typeof s.once === 'function') await new Promise<void>((r) => s.once!('drain', r));
}
