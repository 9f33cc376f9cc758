import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the
// `freshtier-src` export condition), so a test run never depends on a stale build.
export default defineConfig({
  resolve: { conditions: ['freshtier-src'] },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
