/**
 * Hashing every object of a store, to prove a rejected input changed nothing: shared
 * with the reliability suite (`reliability/src/data.ts`), re-exported for writer tests.
 */
export { diffObjects, hashObjects } from '../../../../reliability/src/data.js';
