/**
 * Dependency policy (in the spirit of hyparquet's "no dependencies" test): every
 * packages/<name>/package.json is checked against DESIGN.md —
 * - third-party runtime dependencies only from an allow-list per package;
 * - apache-arrow is a PEER dependency of every package (one shared range), never a runtime one;
 * - workspace dependencies point one way: core <- scanner <- writer, s3-store -> core,
 *   core depends on no workspace package, no cycles;
 * - `@freshtier/integration` (cross-package tests) may depend on every package, nothing may
 *   depend on it, and it is private (never published);
 * - every version is an exact pin (no ^, ~, ranges, tags), except `workspace:*` and the peer range.
 * The policy is a pure function, also run on bad manifests below so the test is known to bite.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  dir: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bundledDependencies?: string[];
  bundleDependencies?: string[];
}

/** Third-party runtime dependencies each package may have. */
const THIRD_PARTY: Record<string, string[]> = {
  '@freshtier/core': ['parquet-wasm', 'zod'],
  '@freshtier/scanner': [],
  '@freshtier/writer': ['zod'],
  '@freshtier/s3-store': ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'zod'],
  // parquet-wasm: the CLI's bundled program (scripts/bundle.mjs) imports it directly, as it loads its .wasm from its own directory
  '@freshtier/cli': ['zod', 'commander', 'parquet-wasm'],
  '@freshtier/integration': [],
};

/** Workspace packages each package may depend on (any dependency field). */
const WORKSPACE: Record<string, string[]> = {
  '@freshtier/core': [],
  '@freshtier/scanner': ['@freshtier/core'],
  '@freshtier/writer': ['@freshtier/core', '@freshtier/scanner'],
  '@freshtier/s3-store': ['@freshtier/core'],
  '@freshtier/cli': ['@freshtier/core', '@freshtier/scanner', '@freshtier/writer', '@freshtier/s3-store'],
  '@freshtier/integration': ['@freshtier/core', '@freshtier/scanner', '@freshtier/writer', '@freshtier/s3-store', '@freshtier/cli'],
};

/** Packages that hold tests only: private, never a dependency of another package (no allow-list names them). */
const TEST_ONLY = ['@freshtier/integration'];

const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const PEER_RANGE = /^>=(\d+) <(\d+)$/;

function violations(pkgs: Manifest[]): string[] {
  const out: string[] = [];
  const names = new Set(pkgs.map((p) => p.name));
  const graph = new Map<string, string[]>();
  const peerRanges = new Set<string>();

  for (const p of pkgs) {
    const where = `${p.dir}/package.json`;
    if (p.name !== `@freshtier/${p.dir}`) out.push(`${where}: name ${p.name} should be @freshtier/${p.dir}`);
    const allowedThirdParty = THIRD_PARTY[p.name];
    const allowedWorkspace = WORKSPACE[p.name];
    if (!allowedThirdParty || !allowedWorkspace) {
      out.push(`${where}: no dependency policy for ${p.name}; add it to dependency-policy.test.ts`);
      continue;
    }
    if (TEST_ONLY.includes(p.name) && p.private !== true) out.push(`${where}: ${p.name} holds tests only and must be "private": true`);
    const deps = p.dependencies ?? {};
    const dev = p.devDependencies ?? {};
    const peer = p.peerDependencies ?? {};

    for (const field of ['optionalDependencies', 'bundledDependencies', 'bundleDependencies'] as const) {
      const v = p[field];
      if (v && (Array.isArray(v) ? v.length : Object.keys(v).length)) out.push(`${where}: ${field} is not allowed`);
    }

    if ('apache-arrow' in deps) out.push(`${where}: apache-arrow must be a peer dependency, not a runtime dependency`);
    if (!('apache-arrow' in peer)) out.push(`${where}: apache-arrow must be a peer dependency`);
    for (const name of Object.keys(peer)) if (name !== 'apache-arrow') out.push(`${where}: unexpected peer dependency ${name}`);
    const range = peer['apache-arrow'];
    if (range !== undefined) {
      peerRanges.add(range);
      const m = PEER_RANGE.exec(range);
      if (!m) out.push(`${where}: peer range "${range}" should look like ">=19 <22"`);
      const devArrow = dev['apache-arrow'];
      if (m && devArrow && EXACT.test(devArrow)) {
        const major = Number(devArrow.split('.')[0]);
        if (major < Number(m[1]) || major >= Number(m[2])) out.push(`${where}: dev apache-arrow ${devArrow} is outside the peer range ${range}`);
      }
    }

    const workspaceDeps: string[] = [];
    for (const [field, map] of [['dependencies', deps], ['devDependencies', dev]] as const) {
      for (const [name, version] of Object.entries(map)) {
        const isWorkspace = name.startsWith('@freshtier/') || version.startsWith('workspace:');
        if (isWorkspace) {
          if (version !== 'workspace:*') out.push(`${where}: ${field}.${name} must be "workspace:*", found "${version}"`);
          if (!names.has(name)) out.push(`${where}: ${field}.${name} is not a workspace package`);
          if (!allowedWorkspace.includes(name)) out.push(`${where}: ${p.name} may not depend on ${name} (allowed: ${allowedWorkspace.join(', ') || 'none'})`);
          workspaceDeps.push(name);
        } else {
          if (!EXACT.test(version)) out.push(`${where}: ${field}.${name} must be an exact version, found "${version}"`);
          if (field === 'dependencies' && name !== 'apache-arrow' && !allowedThirdParty.includes(name)) out.push(`${where}: runtime dependency ${name} is not on the allow-list for ${p.name}`);
        }
      }
    }
    graph.set(p.name, workspaceDeps);
  }

  if (peerRanges.size > 1) out.push(`packages disagree on the apache-arrow peer range: ${[...peerRanges].join(' vs ')}`);

  // cycles, whatever the allow-lists say
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, trail: string[]) => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') {
      out.push(`workspace dependency cycle: ${[...trail.slice(trail.indexOf(n)), n].join(' -> ')}`);
      return;
    }
    state.set(n, 'visiting');
    for (const d of graph.get(n) ?? []) visit(d, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of graph.keys()) visit(n, []);
  return out;
}

function readPackages(): Manifest[] {
  const dir = path.join(repoRoot, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'package.json')))
    .map((d) => ({ ...JSON.parse(readFileSync(path.join(dir, d.name, 'package.json'), 'utf8')), dir: d.name }));
}

describe('dependency policy', () => {
  const pkgs = readPackages();

  it('finds the workspace packages', () => {
    const names = pkgs.map((p) => p.name);
    for (const n of ['@freshtier/core', '@freshtier/scanner', '@freshtier/writer', '@freshtier/s3-store', '@freshtier/integration']) expect(names).toContain(n);
  });

  it('every packages/*/package.json follows the policy', () => {
    expect(violations(pkgs)).toEqual([]);
  });

  it('core depends on no workspace package and only on parquet-wasm and zod at runtime', () => {
    const core = pkgs.find((p) => p.name === '@freshtier/core')!;
    expect(Object.keys(core.dependencies ?? {}).sort()).toEqual(['parquet-wasm', 'zod']);
    expect(Object.keys(core.peerDependencies ?? {})).toEqual(['apache-arrow']);
  });
});

describe('the policy catches violations', () => {
  const ok = (): Manifest[] => [
    { name: '@freshtier/core', dir: 'core', dependencies: { 'parquet-wasm': '0.8.0', zod: '4.6.7' }, peerDependencies: { 'apache-arrow': '>=19 <22' }, devDependencies: { 'apache-arrow': '21.1.0' } },
    { name: '@freshtier/scanner', dir: 'scanner', dependencies: { '@freshtier/core': 'workspace:*' }, peerDependencies: { 'apache-arrow': '>=19 <22' } },
    { name: '@freshtier/writer', dir: 'writer', dependencies: { '@freshtier/core': 'workspace:*', '@freshtier/scanner': 'workspace:*', zod: '4.6.7' }, peerDependencies: { 'apache-arrow': '>=19 <22' } },
    { name: '@freshtier/s3-store', dir: 's3-store', dependencies: { '@freshtier/core': 'workspace:*', '@aws-sdk/client-s3': '3.1169.0', zod: '4.6.7' }, peerDependencies: { 'apache-arrow': '>=19 <22' } },
    { name: '@freshtier/integration', dir: 'integration', private: true, dependencies: { '@freshtier/core': 'workspace:*', '@freshtier/scanner': 'workspace:*', '@freshtier/writer': 'workspace:*' }, peerDependencies: { 'apache-arrow': '>=19 <22' } },
  ];
  const edit = (name: string, f: (m: Manifest) => void) => {
    const pkgs = ok();
    f(pkgs.find((p) => p.name === name)!);
    return violations(pkgs);
  };

  it('accepts the good fixture', () => {
    expect(violations(ok())).toEqual([]);
  });

  it.each([
    ['a caret range', '@freshtier/core', (m: Manifest) => (m.dependencies!.zod = '^4.6.7'), /exact version/],
    ['a tilde range', '@freshtier/s3-store', (m: Manifest) => (m.dependencies!['@aws-sdk/client-s3'] = '~3.1169.0'), /exact version/],
    ['a dist tag', '@freshtier/core', (m: Manifest) => (m.devDependencies!.vitest = 'latest'), /exact version/],
    ['a loose dev pin', '@freshtier/core', (m: Manifest) => (m.devDependencies!['apache-arrow'] = '>=21'), /exact version/],
    ['apache-arrow as a runtime dependency', '@freshtier/scanner', (m: Manifest) => (m.dependencies!['apache-arrow'] = '21.1.0'), /peer dependency, not a runtime/],
    ['no apache-arrow peer', '@freshtier/writer', (m: Manifest) => delete m.peerDependencies!['apache-arrow'], /must be a peer dependency/],
    ['a different peer range', '@freshtier/writer', (m: Manifest) => (m.peerDependencies!['apache-arrow'] = '>=20 <22'), /disagree/],
    ['an extra peer', '@freshtier/writer', (m: Manifest) => (m.peerDependencies!.react = '18.0.0'), /unexpected peer dependency react/],
    ['a dev arrow outside the peer range', '@freshtier/core', (m: Manifest) => (m.devDependencies!['apache-arrow'] = '22.0.0'), /outside the peer range/],
    ['an unlisted third-party runtime dependency', '@freshtier/scanner', (m: Manifest) => (m.dependencies!.lodash = '4.17.21'), /lodash is not on the allow-list/],
    ['zod in scanner', '@freshtier/scanner', (m: Manifest) => (m.dependencies!.zod = '4.6.7'), /zod is not on the allow-list/],
    ['core depending on the scanner', '@freshtier/core', (m: Manifest) => (m.dependencies!['@freshtier/scanner'] = 'workspace:*'), /may not depend on @freshtier\/scanner/],
    ['scanner depending on the writer', '@freshtier/scanner', (m: Manifest) => (m.devDependencies = { '@freshtier/writer': 'workspace:*' }), /may not depend on @freshtier\/writer/],
    ['s3-store depending on the writer', '@freshtier/s3-store', (m: Manifest) => (m.dependencies!['@freshtier/writer'] = 'workspace:*'), /may not depend on @freshtier\/writer/],
    ['a pinned workspace dependency', '@freshtier/writer', (m: Manifest) => (m.dependencies!['@freshtier/core'] = '0.1.0'), /must be "workspace:\*"/],
    ['workspace:^', '@freshtier/writer', (m: Manifest) => (m.dependencies!['@freshtier/core'] = 'workspace:^'), /must be "workspace:\*"/],
    ['optional dependencies', '@freshtier/core', (m: Manifest) => (m.optionalDependencies = { fsevents: '2.3.3' }), /optionalDependencies is not allowed/],
    ['a misnamed package', '@freshtier/core', (m: Manifest) => (m.dir = 'kore'), /should be @freshtier\/kore/],
    ['the writer depending on the integration tests', '@freshtier/writer', (m: Manifest) => (m.devDependencies = { '@freshtier/integration': 'workspace:*' }), /may not depend on @freshtier\/integration/],
    ['core depending on the integration tests', '@freshtier/core', (m: Manifest) => (m.dependencies!['@freshtier/integration'] = 'workspace:*'), /may not depend on @freshtier\/integration/],
    ['a published integration package', '@freshtier/integration', (m: Manifest) => delete m.private, /must be "private": true/],
    ['an integration package with a third-party runtime dependency', '@freshtier/integration', (m: Manifest) => (m.dependencies!.lodash = '4.17.21'), /lodash is not on the allow-list/],
  ])('%s', (_label, name, f, message) => {
    const v = edit(name, f);
    expect(v.some((x) => message.test(x)), v.join('\n')).toBe(true);
  });

  it('a package with no policy', () => {
    const v = violations([...ok(), { name: '@freshtier/new-thing', dir: 'new-thing' }]);
    expect(v.some((x) => /no dependency policy for @freshtier\/new-thing/.test(x))).toBe(true);
  });

  it('a cycle', () => {
    const pkgs = ok();
    pkgs[0].dependencies!['@freshtier/writer'] = 'workspace:*';
    expect(violations(pkgs).some((x) => /cycle: .*@freshtier\/core.*@freshtier\/writer|cycle: .*@freshtier\/writer.*@freshtier\/core/.test(x))).toBe(true);
  });
});
