/**
 * `freshtier bench [args…]`: runs the benchmark harness of the source checkout
 * (`npx -y pnpm@10 bench`, the bench package), passing the arguments through.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';

/** The workspace root above this file (where pnpm-workspace.yaml is), if any. */
export function workspaceRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(dir, 'bench'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export async function benchCommand(ctx: Context, args: string[], opts: { dryRun?: boolean }): Promise<number> {
  const root = workspaceRoot();
  if (!root) throw new CliError('bench runs the harness of a freshtier source checkout, and none was found above the CLI', 'clone the freshtier repository and run `npx -y pnpm@10 bench` there');
  const command = ['npx', '-y', 'pnpm@10', 'bench', ...args];
  if (opts.dryRun) {
    ctx.emit({ cwd: root, command });
    ctx.say(`(cd ${root} && ${command.join(' ')})`);
    return 0;
  }
  ctx.note(`running ${command.join(' ')} in ${root}`);
  return new Promise<number>((resolvePromise, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ctx.env } });
    child.stdout.on('data', (d: Buffer) => ctx.io.stdout.write(d));
    child.stderr.on('data', (d: Buffer) => ctx.io.stderr.write(d));
    child.once('error', (e) => reject(new CliError(`could not start ${command[0]}: ${e.message}`, 'bench needs Node and npx on the PATH')));
    child.once('close', (code) => resolvePromise(code ?? 1));
  });
}
