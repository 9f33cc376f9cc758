/**
 * The flush worker thread's entry point (started by `flush-pool.ts`): encodes
 * generations sent as `FlushJob`s and sends the file bytes back, transferred.
 * It only encodes: uploads, failpoints and commits stay on the writer's thread.
 *
 * Protocol: `{ type: 'ready' }` once loaded (a worker that fails before it is ready
 * could not start, and the pool falls back to encoding in-process); per request
 * `{ id, job }`, one reply `{ type: 'done', id, files }` or `{ type: 'failed', id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { runFlushJob, type FlushJob } from './flush-job.js';

if (!parentPort) throw new Error('flush-worker.ts runs as a worker thread (see flush-pool.ts)');
const port = parentPort;

port.on('message', (msg: { id: number; job: FlushJob }) => {
  try {
    const files = runFlushJob(msg.job);
    const transfer = [files.parquet, files.keyIndex].filter((b): b is Uint8Array => b !== undefined && ownsBuffer(b)).map((b) => b.buffer as ArrayBuffer);
    port.postMessage({ type: 'done', id: msg.id, files }, transfer);
  } catch (e) {
    const error = e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { name: 'Error', message: String(e) };
    port.postMessage({ type: 'failed', id: msg.id, error });
  }
});
port.postMessage({ type: 'ready' });

/** Only a view of its whole buffer may be transferred (anything else would detach bytes it does not own). */
function ownsBuffer(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer);
}
