/**
 * bench/peers holds LanceDB, DuckDB and SlateDB (and the Arrow 18 LanceDB insists on). It is not a
 * workspace package: the libraries, their tests and the demo never install it; the runner
 * does, with npm, the first time a run needs a peer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of bench/peers. */
export const PEERS_DIR = fileURLToPath(new URL('../../peers/', import.meta.url));

function wanted(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(PEERS_DIR, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  return pkg.devDependencies;
}

/** Peers whose installed version differs from bench/peers/package.json (or is missing). */
export function missingPeers(): string[] {
  return Object.entries(wanted())
    .filter(([name, version]) => {
      const manifest = join(PEERS_DIR, 'node_modules', name, 'package.json');
      return !existsSync(manifest) || (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version !== version;
    })
    .map(([name]) => name);
}

/**
 * Installs bench/peers from its package-lock with npm (pnpm would try to make it part of
 * the workspace). LanceDB declares `engines: node >= 22`; it runs on Node 20 here, so the
 * EBADENGINE warning is expected. A failed install does not stop the run: each peer that
 * is then missing fails (or, SlateDB, is skipped) on its own rows, with the reason.
 */
export function installPeers(log: (m: string) => void): void {
  const missing = missingPeers();
  if (missing.length === 0) return;
  log(`installing peers (${missing.join(', ')}) into ${PEERS_DIR} ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) log(`npm install in ${PEERS_DIR} failed (exit ${r.status}); run it by hand to see why`);
  const still = missingPeers();
  if (still.length) log(`peers still missing after npm install: ${still.join(', ')}; their rows will say so`);
}

/**
 * Imports a peer package from bench/peers/node_modules. Resolving with a require rooted
 * there yields the very file LanceDB itself requires, so the Arrow 18 classes we build
 * tables with are the ones its `instanceof` checks expect.
 */
export async function importPeer<T>(name: string): Promise<T> {
  const resolved = resolvePeer(name);
  const mod = (await import(pathToFileURL(resolved).href)) as T & { default?: T };
  // CommonJS packages arrive as a namespace whose `default` is module.exports.
  return (mod.default ?? mod) as T;
}

/**
 * The entry file of a peer package under bench/peers/node_modules. `require.resolve` finds
 * CommonJS and dual packages; an ESM-only package (exports with an `import` condition
 * only, as @slatedb/uniffi) is resolved from its package.json.
 */
function resolvePeer(name: string): string {
  const require = createRequire(join(PEERS_DIR, 'package.json'));
  try {
    return require.resolve(name);
  } catch {
    const dir = join(PEERS_DIR, 'node_modules', name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) throw new Error(`peer ${name} is not installed: run \`npm install --prefix bench/peers --no-audit --no-fund\` (the runner does it by itself)`);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown>; main?: string };
    const dot = pkg.exports?.['.'];
    const entry = typeof dot === 'string' ? dot : (dot as { import?: string; default?: string } | undefined)?.import ?? (dot as { default?: string } | undefined)?.default ?? pkg.main ?? 'index.js';
    return join(dir, entry);
  }
}
