/**
 * Builds the `freshtier` program as one bundle: `dist/bundle/freshtier.js` (the `bin` of
 * package.json) and `dist/bundle/flush-worker.js` (the writer's flush worker, which the
 * writer starts from beside its own code), with shared chunks beside them.
 *
 * Why: loading the program as ~300 separate ES modules (freshtier's packages, apache-arrow,
 * zod, commander) took 0.5 s before any command ran (`freshtier --help`: 0.6 s; bundled,
 * 0.3 s), which was a third of a 100,000-row `append`. See docs/decisions.md "The CLI
 * ships bundled".
 *
 * What is in it: the CLI and every freshtier package, built from their TypeScript sources
 * (the `freshtier-src` condition, so the bundle does not depend on `tsc`'s output), and
 * their third-party dependencies. The S3 store and the AWS SDK are a separate chunk loaded
 * only for `s3://` tables. `parquet-wasm` stays an import (it loads its `.wasm` file from
 * its own directory), so it is a runtime dependency of the CLI package.
 *
 * The third-party code inside the bundle travels with its licences: `THIRD-PARTY-NOTICES.txt`
 * beside it holds each bundled package's name, version, licence and licence files, and the
 * build fails on a package whose licence is not on {@link LICENSES}.
 *
 * Run: node packages/cli/scripts/bundle.mjs [outdir] (default packages/cli/dist/bundle).
 */
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = fileURLToPath(new URL('../', import.meta.url));
const outdir = resolve(process.argv[2] ?? join(cli, 'dist/bundle'));

/** CommonJS dependencies bundled into ES modules call `require` for Node's built-ins. */
const REQUIRE = "import { createRequire as __freshtierCreateRequire } from 'node:module'; const require = __freshtierCreateRequire(import.meta.url);";

/** Licences the bundle may carry (SPDX ids as packages declare them). */
const LICENSES = new Set(['MIT', 'Apache-2.0', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD']);

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [
    { in: join(cli, 'src/bin.ts'), out: 'freshtier' },
    { in: join(cli, '../writer/src/flush/flush-worker.ts'), out: 'flush-worker' },
  ],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['freshtier-src'],
  external: ['parquet-wasm'],
  banner: { js: REQUIRE },
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
  legalComments: 'linked',
  metafile: true,
  // smaller text parses faster at every start (about 30 ms); names are kept, so stack traces stay readable
  minifyWhitespace: true,
  minifySyntax: true,
});
chmodSync(join(outdir, 'freshtier.js'), 0o755);
writeFileSync(join(outdir, 'THIRD-PARTY-NOTICES.txt'), notices(Object.keys(result.metafile.inputs)));

/** The package a bundled file belongs to: the nearest package.json above it with a name. */
function packageOf(file) {
  for (let dir = dirname(resolve(file)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (pkg.name) return { dir, name: pkg.name, version: pkg.version, license: typeof pkg.license === 'string' ? pkg.license : pkg.license?.type };
  }
  return undefined;
}

/** The notices of every third-party package with code in the bundle (freshtier's own packages excluded). */
function notices(inputs) {
  const packages = new Map();
  for (const input of inputs) {
    const pkg = packageOf(input);
    if (pkg && !pkg.name.startsWith('@freshtier/')) packages.set(`${pkg.name}@${pkg.version}`, pkg);
  }
  const refused = [...packages.values()].filter((p) => !LICENSES.has(p.license));
  if (refused.length) throw new Error(`bundle.mjs: licence not on the allow-list: ${refused.map((p) => `${p.name}@${p.version} (${p.license})`).join(', ')}`);
  const parts = [...packages.keys()].sort().map((id) => {
    const p = packages.get(id);
    const files = readdirSync(p.dir).filter((f) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(f)).sort();
    const texts = files.map((f) => `--- ${f} ---\n${readFileSync(join(p.dir, f), 'utf8').trim()}`);
    const none = `(the package ships no licence file; its package.json declares ${p.license}${p.license === 'Apache-2.0' ? ', whose text is the LICENSE file of this package' : ''})`;
    return `=== ${id} (${p.license}) ===\n${texts.length ? texts.join('\n\n') : none}`;
  });
  return `The freshtier program (dist/bundle) includes code of these packages, under these licences.\n\n${parts.join('\n\n')}\n`;
}
