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
 * Run: node packages/cli/scripts/bundle.mjs [outdir] (default packages/cli/dist/bundle).
 */
import { chmodSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = fileURLToPath(new URL('../', import.meta.url));
const outdir = resolve(process.argv[2] ?? join(cli, 'dist/bundle'));

/** CommonJS dependencies bundled into ES modules call `require` for Node's built-ins. */
const REQUIRE = "import { createRequire as __freshtierCreateRequire } from 'node:module'; const require = __freshtierCreateRequire(import.meta.url);";

rmSync(outdir, { recursive: true, force: true });
await build({
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
  // smaller text parses faster at every start (about 30 ms); names are kept, so stack traces stay readable
  minifyWhitespace: true,
  minifySyntax: true,
});
chmodSync(join(outdir, 'freshtier.js'), 0o755);
