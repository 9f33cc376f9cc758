/**
 * Regression: vitest resolved workspace packages (`@freshtier/core`, …) to their
 * `dist/` builds, not their sources — vite's server environment ignores
 * `resolve.conditions`, so the `freshtier-src` condition never applied there. A fix
 * in `src/` then did not change what the tests ran (found when a writer fix did not
 * change a fault plan's outcome). The root vitest.config.ts now sets
 * `ssr.resolve.conditions`; here a package imported by name must be the very module
 * its source path gives.
 */
import * as coreByName from '@freshtier/core';
import * as scannerByName from '@freshtier/scanner';
import * as writerByName from '@freshtier/writer';
import { describe, expect, it } from 'vitest';
import * as coreSrc from '../../packages/core/src/index.js';
import * as scannerSrc from '../../packages/scanner/src/index.js';
import * as writerSrc from '../../packages/writer/src/index.js';

describe('workspace packages resolve to their sources in tests', () => {
  it('core, scanner and writer by name are their src modules', () => {
    expect(coreByName.Table).toBe(coreSrc.Table);
    expect(coreByName.failpoint).toBe(coreSrc.failpoint);
    expect(scannerByName.LsmScanner).toBe(scannerSrc.LsmScanner);
    expect(writerByName.ShardWriter).toBe(writerSrc.ShardWriter);
  });
});
