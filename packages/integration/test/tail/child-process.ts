/**
 * Test-side handle of a fixture child process (fixtures/*.ts): spawned as the crash and
 * S3 fencing tests spawn theirs (Node with tsx, workspace packages resolved to their
 * sources, cwd = repository root), its stdout split into lines as they arrive.
 *
 * Waiting is on the child's output, never on the clock; the deadline only turns a hung
 * child into a failure with its stderr instead of a test timeout.
 *
 * @example
 * ```ts
 * const writer = spawnFixture(fixture('tail-writer.ts'), [dir]);
 * await writer.waitFor('open', (l) => l === 'open');
 * await writer.send('put 0 10 1'); // resolves on `ok 1`, throws on `err 1 …`
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const DEADLINE_MS = 60_000; // generous: six children booting tsx on a busy 2-core machine take tens of seconds

/**
 * The path of a fixture script in ./fixtures.
 *
 * @example
 * ```ts
 * spawnFixture(fixture('tail-reader.ts'), [dir]);
 * ```
 */
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * A running fixture.
 *
 * @example
 * ```ts
 * const acks = child.lines().filter((l) => l.startsWith('A '));
 * ```
 */
export interface Child {
  readonly proc: ChildProcess;
  /** Every stdout line so far. */
  lines(): string[];
  /** Resolves when the process exits, with its code (or signal) and stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Waits until `count` lines matched `cond` (fails if the child exits first, or after 60 s). */
  waitFor(what: string, cond: (line: string) => boolean, count?: number): Promise<void>;
  /** Sends one command line; resolves with the text after `ok <n>`, throws on `err <n>`. */
  send(command: string): Promise<string>;
  /** SIGKILLs the child if it still runs. */
  kill(): void;
}

/**
 * Spawns `script` with `args`.
 *
 * @example
 * ```ts
 * const reader = spawnFixture(fixture('tail-reader.ts'), [dir]);
 * ```
 */
export function spawnFixture(script: string, args: readonly string[]): Child {
  const proc = spawn(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', script, ...args], {
    cwd: repoRoot, // `--import tsx` resolves from here
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const wakers = new Set<() => void>();
  let partial = '';
  let stderr = '';
  let gone: { code: number | null; signal: NodeJS.Signals | null; stderr: string } | undefined;
  proc.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter(Boolean));
    for (const w of wakers) w();
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdin!.on('error', () => {}); // a child killed on purpose closes its stdin under our writes
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => {
      gone = { code, signal, stderr };
      for (const w of wakers) w();
      resolve(gone);
    }),
  );

  const waitFor = (what: string, cond: (line: string) => boolean, count = 1) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}; stderr: ${stderr}`)), DEADLINE_MS);
      const done = (err?: Error) => {
        clearTimeout(timer);
        wakers.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (lines.filter(cond).length >= count) done();
        else if (gone) done(new Error(`child exited (${gone.code ?? gone.signal}) before ${what}: ${gone.stderr}`));
      };
      wakers.add(check);
      check();
    });

  let sent = 0;
  const send = async (command: string): Promise<string> => {
    const n = ++sent;
    proc.stdin!.write(command + '\n');
    const mine = (l: string) => l === `ok ${n}` || l.startsWith(`ok ${n} `) || l.startsWith(`err ${n} `);
    await waitFor(`the answer to "${command}"`, mine);
    const answer = lines.find(mine)!;
    if (answer.startsWith('err ')) throw new Error(`"${command}" failed in the child: ${answer}`);
    return answer.slice(`ok ${n}`.length).trim();
  };

  return { proc, lines: () => [...lines], exited, waitFor, send, kill: () => void (gone || proc.kill('SIGKILL')) };
}
