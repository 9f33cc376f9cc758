/**
 * Runs the `freshtier` program as a shell runs it (`node --conditions=freshtier-src
 * --import tsx packages/cli/src/bin.ts …`), for tests of exit codes, streams and pipes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the working directory of every run. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The command line that starts the program, as shell words (quoted for `bash -c`). */
export const FRESHTIER = `'${process.execPath}' --conditions=freshtier-src --import tsx packages/cli/src/bin.ts`;

/**
 * Runs a bash script with `freshtier` defined as a function that starts the program;
 * `PIPESTATUS` and `pipefail` work as in a user's shell.
 *
 * @example
 * ```ts
 * const r = shell('freshtier scan t --format csv | head -1; echo "status ${PIPESTATUS[0]}" >&2');
 * ```
 */
export function shell(script: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `freshtier() { ${FRESHTIER} "$@"; }\n${script}`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the program with its stdout connected to a pipe whose reading end is already
 * closed, so its first write fails with EPIPE (no timing involved: the reader is gone
 * before the program starts).
 *
 * @example
 * ```ts
 * const r = await withClosedStdout(['--help']); // { code: 0, stderr: '' }
 * ```
 */
export function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}
