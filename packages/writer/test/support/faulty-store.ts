/**
 * The fault-injecting store moved to `reliability/src/faulty-store.ts`, shared by the
 * reliability suite and these tests (it depends on `@freshtier/core` only).
 */
export * from '../../../../reliability/src/faulty-store.js';
