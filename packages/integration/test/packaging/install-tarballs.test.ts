/**
 * Regression (issue 15): a user outside this repository had no way in — `pnpm -r build` found
 * no build script, the tarballs carried no README or LICENSE, and nothing said which tarballs to
 * install. This test runs the README's "Install outside this repository" commands as written (but for
 * the tarball directory and `pnpm install`, which the workspace has done): build, pack the five
 * packages with pnpm, `npm install` the tarballs (and apache-arrow, the peer dependency) into
 * an empty project, then run the README's "Use" snippet with plain `node` and
 * type-check it against the installed type declarations; the CLI's bin runs too.
 *
 * Third-party dependencies come from the npm registry (or npm's cache). If the registry cannot
 * be reached the tests are skipped with that reason; every other failure fails them.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGES, ROOT, exec, inDir, networkProblem, readmeCommand, readmeUseSnippet, tarEntries, tarFile } from './packaging-support.js';

describe('install the packed packages outside the repository', () => {
  const work = mkdtempSync(join(tmpdir(), 'freshtier-packaging-'));
  const project = join(work, 'project');
  let tarballs: string[] = [];
  let offline: string | undefined;
  let installArgs: string[] = [];

  beforeAll(async () => {
    const [build, pack, install] = [readmeCommand('-r', 'build'), readmeCommand('pack'), readmeCommand('npm', 'install')];
    await exec(build[0], build.slice(1), ROOT, 240_000); // a no-op when dist/ is up to date
    const dest = join(work, 'tarballs');
    await exec(pack[0], inDir(pack.slice(1), dest), ROOT, 120_000);
    tarballs = readdirSync(dest).filter((f) => f.endsWith('.tgz')).map((f) => join(dest, f));
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'outside', private: true, type: 'module' }));
    installArgs = inDir(install.slice(1), dest);
    const installed = await exec('npm', [...installArgs, '--no-audit', '--no-fund', '--prefer-offline'], project, 180_000, false);
    if (installed.code !== 0) {
      offline = networkProblem(installed.output);
      if (!offline) throw new Error(`npm install failed:\n${installed.output}`);
      console.warn(`packaging tests skipped: ${offline}`);
    }
  }, 480_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs five tarballs, each with README.md, LICENSE, built code and no workspace: ranges', async () => {
    expect(tarballs.map((t) => t.split('/').pop()).sort()).toEqual(PACKAGES.map((p) => `freshtier-${p}-0.1.0.tgz`).sort());
    // the README installs every tarball it packs, and apache-arrow, the peer dependency
    expect([...installArgs].sort()).toEqual(['install', 'apache-arrow@21', ...tarballs].sort());
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    for (const tarball of tarballs) {
      const entries = await tarEntries(tarball);
      expect(entries, tarball).toEqual(expect.arrayContaining(['package/README.md', 'package/LICENSE', 'package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts']));
      expect(entries.filter((e) => /tsbuildinfo|\/test\//.test(e)), tarball).toEqual([]);
      expect(await tarFile(tarball, 'package/LICENSE')).toBe(license);
      const manifest = JSON.parse(await tarFile(tarball, 'package/package.json'));
      expect(JSON.stringify(manifest), tarball).not.toContain('workspace:');
      expect(manifest.license).toBe('Apache-2.0');
      expect(manifest.peerDependencies['apache-arrow']).toBeDefined();
    }
  });

  it('runs the README "Use" snippet with plain node', async (ctx) => {
    if (offline) ctx.skip(offline);
    writeFileSync(join(project, 'use.mjs'), readmeUseSnippet());
    const run = await exec('node', ['use.mjs'], project, 60_000);
    expect(run.output.trim()).toBe("[ 'ada', 'cy' ]");
    expect(existsSync(join(project, 'data/users/_table.json'))).toBe(true);
    // close() flushed the memtable: a generation directory with its Parquet file
    const shard = readdirSync(join(project, 'data/users/shards/0'));
    expect(shard.some((d) => d.startsWith('gen-'))).toBe(true);
  }, 90_000);

  it('type-checks the README "Use" snippet against the installed declarations', (ctx) => {
    if (offline) ctx.skip(offline);
    const file = join(project, 'use.ts');
    writeFileSync(file, readmeUseSnippet());
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
    });
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([]);
    // the declarations came from the installed tarballs, not from this repository
    const core = program.getSourceFiles().find((f) => f.fileName.includes('@freshtier/core/'));
    expect(core?.fileName.startsWith(project)).toBe(true);
  }, 60_000);

  it('installs the freshtier command', async (ctx) => {
    if (offline) ctx.skip(offline);
    const help = await exec(join(project, 'node_modules/.bin/freshtier'), ['--help'], project, 30_000);
    expect(help.output).toContain('Usage: freshtier');
  }, 60_000);
});
