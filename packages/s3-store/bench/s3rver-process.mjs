/**
 * The patched s3rver in a process of its own, for the request-count bench.
 *
 * Plain JavaScript, started without tsx on purpose: under tsx's require hook (Node
 * 20), s3rver's dependency `generator-function` resolves its `module-sync` export
 * to an ES module namespace instead of a function, and s3rver's constructor throws
 * "getGeneratorFunction is not a function". A separate process also keeps the
 * server's CPU off the bench's event loop.
 *
 * Usage (with an IPC channel): node s3rver-process.mjs <directory>
 * Sends `{ port }` once listening; closes and exits when the parent disconnects.
 */
import S3rver from 's3rver';

const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] });
const { port } = await s3rver.run();
process.send({ port });
process.on('disconnect', () => void s3rver.close().then(() => process.exit(0)));
