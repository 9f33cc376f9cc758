#!/usr/bin/env node
/** The `freshtier` executable. */
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`freshtier: unexpected failure: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
