/**
 * Helpers of the packaging test: running commands, packing the packages as the README says,
 * reading tarballs, and the README's "Use" snippet.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../../../..');

/** The published packages (directory names under packages/). */
export const PACKAGES = ['core', 'scanner', 'writer', 's3-store', 'cli'] as const;

export interface Ran {
  readonly code: number;
  /** stdout then stderr. */
  readonly output: string;
}

/** Runs `cmd args` in `cwd`; throws on a non-zero exit unless `check` is false, and after `timeoutMs`. */
export function exec(cmd: string, args: readonly string[], cwd: string, timeoutMs: number, check = true): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(out).toString() + Buffer.concat(err).toString();
      const result = { code: code ?? -1, output };
      if (check && result.code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}:\n${output}`));
      else resolve(result);
    });
  });
}

/** Where the README's install steps put the tarballs (replaced by the test's own directory). */
export const README_TARBALL_DIR = '/tmp/freshtier';

/**
 * The commands of the README's "Install outside this repository" block, as argv lists
 * (continuation lines joined, `&&` split, quotes removed).
 */
export function readmeInstallCommands(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Install outside this repository'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```sh block under "## Install outside this repository"');
  return block[1].replace(/\\\n\s*/g, ' ').split(/\n|&&/).map((c) => c.replace(/#.*$/, '').trim()).filter(Boolean)
    .map((c) => c.match(/'[^']*'|"[^"]*"|\S+/g)!.map((w) => w.replace(/^(['"])(.*)\1$/, '$2')));
}

/** The README command whose words include all of `words`. */
export function readmeCommand(...words: string[]): string[] {
  const found = readmeInstallCommands().find((c) => words.every((w) => c.includes(w)));
  if (!found) throw new Error(`the README's install steps have no command with ${words.join(' ')}`);
  return found;
}

/** `argv` with the README's tarball directory replaced by `dir`. */
export function inDir(argv: readonly string[], dir: string): string[] {
  return argv.map((w) => w.replaceAll(README_TARBALL_DIR, dir));
}

export async function tarEntries(tarball: string): Promise<string[]> {
  return (await exec('tar', ['-tzf', tarball], ROOT, 30_000)).output.split('\n').filter(Boolean);
}

export async function tarFile(tarball: string, entry: string): Promise<string> {
  return (await exec('tar', ['-xzOf', tarball, entry], ROOT, 30_000)).output;
}

/** The README's "Use" code block, verbatim. */
export function readmeUseSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Use\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```ts block under "## Use"');
  return block[1];
}

/** Why the npm registry could not be reached, if `npmOutput` says so (undefined: another failure). */
export function networkProblem(npmOutput: string): string | undefined {
  const code = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b/.exec(npmOutput)?.[1];
  return code ? `the npm registry is unreachable (${code}); third-party dependencies cannot be installed` : undefined;
}
