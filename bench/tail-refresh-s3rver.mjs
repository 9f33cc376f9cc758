/**
 * The S3 test server for `bench/tail-refresh.ts --s3`: s3rver on loopback (the project's
 * patched copy, as packages/s3-store/test/s3-server.ts starts it), in a plain-Node child
 * process. Plain Node because under tsx s3rver's dependency is-generator-function fails to
 * load; a process of its own also keeps the server off the measuring event loop.
 *
 * Prints one line, `<endpoint> <bucket>`, once listening; stops when stdin closes.
 *
 * @example
 * ```sh
 * node bench/tail-refresh-s3rver.mjs   # -> http://127.0.0.1:40123 bench
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../packages/s3-store/package.json', import.meta.url));
const S3rver = require('s3rver');
const directory = await mkdtemp(path.join(tmpdir(), 'freshtier-bench-s3rver-'));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'bench' }] });
const { port } = await server.run();
process.stdout.write(`http://127.0.0.1:${port} bench\n`);
process.stdin.on('end', async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
  process.exit(0);
});
process.stdin.resume();
