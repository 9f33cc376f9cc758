export * from './errors.js'; export * from './object-store.js';
