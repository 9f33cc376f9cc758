import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the
// `freshtier-src` export condition), so a test run never depends on a stale build.
export default defineConfig({
  resolve: { conditions: ['freshtier-src'] },
  // vitest runs tests in vite's server (SSR) environment, which ignores `resolve.conditions`: without
  // this line workspace packages resolved to their (possibly stale) dist/ builds
  ssr: { resolve: { conditions: ['freshtier-src', 'node', 'development|production'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts', 'bench/test/**/*.test.ts', 'reliability/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
