/**
 * S3Store against a real S3 HTTP server (patched s3rver on loopback): the shared
 * ObjectStore contract, including the cross-process putIfAbsent race.
 *
 * Each contract test gets a fresh bucket and a non-empty prefix, so the prefix
 * mapping is exercised by every operation. The cross-process race runs one worker
 * process per payload (test/fixtures/race-worker.ts), each with its own S3Store and
 * HTTP connections to the same server, reused across rounds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PutIfAbsentResult } from '@freshtier/core';
import { afterAll, beforeAll } from 'vitest';
import { runStoreContract, type RaceRound } from '../../core/test/store-contract.js';
import { S3Store } from '../src/index.js';
import { startS3Server, type S3TestServer, type ServerStoreOptions } from './s3-server.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const workerPath = fileURLToPath(new URL('./fixtures/race-worker.ts', import.meta.url));

interface Reply { type: string; result?: PutIfAbsentResult; message?: string }
interface Worker { child: ChildProcess; stderr: () => string }

/** Resolves with the child's next IPC message; rejects if it exits first (with its stderr). */
function nextMessage(w: Worker): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`race worker exited (${code}): ${w.stderr()}`));
    w.child.once('exit', onExit);
    w.child.once('message', (m: Reply) => {
      w.child.off('exit', onExit);
      resolve(m);
    });
  });
}

/** Starts a worker the way the CLI would run TypeScript: Node with tsx, resolving workspace sources. */
function startWorker(options: object): { worker: Worker; ready: Promise<Reply> } {
  const child = spawn(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', workerPath, JSON.stringify(options)], {
    cwd: repoRoot, // `--import tsx` resolves from here
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const worker = { child, stderr: () => err };
  return { worker, ready: nextMessage(worker) };
}

async function runRound(workers: Worker[], { key, payloads }: RaceRound): Promise<PutIfAbsentResult[]> {
  // a moment all workers wait for, then create at once; exactly one must win however the starts interleave
  const startAt = Date.now() + 50;
  return Promise.all(payloads.map(async (payload, i) => {
    const reply = nextMessage(workers[i]);
    workers[i].child.send({ key, payload, startAt });
    const m = await reply;
    if (m.type !== 'result') throw new Error(`race worker ${i}: ${m.message}`);
    return m.result!;
  }));
}

/** Runs the rounds in separate processes racing `putIfAbsent` on the same bucket and prefix as `store`. */
async function processRace(store: S3Store, server: ServerStoreOptions, rounds: RaceRound[]): Promise<PutIfAbsentResult[][]> {
  const n = Math.max(...rounds.map((r) => r.payloads.length));
  const started = Array.from({ length: n }, () => startWorker({ ...server, bucket: store.bucket, prefix: store.prefix }));
  const workers = started.map((s) => s.worker);
  try {
    await Promise.all(started.map((s) => s.ready));
    const results: PutIfAbsentResult[][] = [];
    for (const round of rounds) results.push(await runRound(workers, round));
    return results;
  } finally {
    for (const w of workers) if (w.child.connected) w.child.disconnect();
  }
}

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

runStoreContract(
  'S3Store',
  async () => {
    const store = new S3Store({ ...server.storeOptions, bucket: await server.newBucket(), prefix: 'tables/t1' });
    return { store, cleanup: async () => store.close() };
  },
  { processRace: (store, rounds) => processRace(store as S3Store, server.storeOptions, rounds) },
);
