/**
 * S3 requests of a table's life, on the loopback s3rver: on S3 the number of
 * requests, not bytes, is usually the bill, so this counts them per phase.
 *
 * 1. write: open a durable ShardWriter (default memtable limits), PRODUCERS
 *    concurrent producers put 1,000-row batches of fresh ids, then close (the
 *    final flush);
 * 2. scan: a cold LsmScanner (no memtables) reads every row back;
 * 3. point reads: 10 `containsPks` calls of 100 keys each.
 * Prints S3Store.stats (PUT/GET/HEAD/LIST/DELETE, retries) per phase, rows/s, and
 * the store calls by object kind (WAL entry, manifest, `_latest` hint, …), which
 * is what says where a count comes from.
 *
 * Run from the repo root: `node --conditions=freshtier-src --import tsx packages/s3-store/bench/s3-requests.ts [rows]`
 * Environment: PRODUCERS (default 4). Loopback latency is far below S3's
 * (~10–30 ms per PUT), so rows/s here is CPU-bound; the counts carry over.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Table, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { LsmScanner, ShardWriter, rangeBatch, schema } from '../../integration/test/s3/e2e-support.js'; // the writer and scanner, as the end-to-end tests use them
import { S3RVER_CREDENTIALS } from '../test/s3-server.js';
import { S3Store, type S3RequestStats } from '../src/index.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1_000;
const PRODUCERS = Number(process.env.PRODUCERS ?? 4);

/** What kind of object a key is, for the per-kind tally. */
function kindOf(key: string): string {
  if (key.includes('/wal/')) return 'wal entry';
  if (key.endsWith('_manifests/_latest')) return 'manifest hint';
  if (key.includes('_manifests/')) return key.startsWith('base/') ? 'base manifest' : 'shard manifest';
  if (/\/gen-[^/]+\/data\.parquet$/.test(key)) return 'generation data';
  if (key.includes('/gen-')) return 'generation key index';
  return key;
}

/** An ObjectStore that tallies calls by operation and object kind, then forwards them. */
class TallyStore implements ObjectStore {
  readonly tally = new Map<string, number>();
  /** Bytes written per object kind. */
  readonly written = new Map<string, number>();
  constructor(private readonly inner: ObjectStore) {}
  get uri(): string {
    return this.inner.uri;
  }
  private note(op: string, key: string): void {
    const k = `${op} ${kindOf(key)}`;
    this.tally.set(k, (this.tally.get(k) ?? 0) + 1);
  }
  get(key: string): Promise<Uint8Array> {
    this.note('get', key);
    return this.inner.get(key);
  }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    this.note('getRange', key);
    return this.inner.getRange(key, offset, length);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    this.note('head', key);
    return this.inner.head(key);
  }
  private wrote(key: string, data: Uint8Array): void {
    this.written.set(kindOf(key), (this.written.get(kindOf(key)) ?? 0) + data.byteLength);
  }
  put(key: string, data: Uint8Array): Promise<void> {
    this.note('put', key);
    this.wrote(key, data);
    return this.inner.put(key, data);
  }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    this.note('putIfAbsent', key);
    this.wrote(key, data);
    return this.inner.putIfAbsent(key, data);
  }
  list(prefix: string): Promise<ObjectMeta[]> {
    this.note('list', prefix);
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    this.note('delete', key);
    return this.inner.delete(key);
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const requests = (s: S3RequestStats) => `PUT ${fmt(s.put)}  GET ${fmt(s.get)}  HEAD ${fmt(s.head)}  LIST ${fmt(s.list)}  DELETE ${fmt(s.delete)}  (retries ${s.retries})`;

function report(phase: string, seconds: number, count: number, s3: S3Store, tally: TallyStore, extra = '', unit = 'rows'): void {
  console.log(`${phase}: ${seconds.toFixed(2)} s, ${fmt(count / seconds)} ${unit}/s${extra}`);
  console.log(`  S3 requests: ${requests(s3.stats)}`);
  console.log(`  store calls: ${[...tally.tally].sort().map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}`);
  if (tally.written.size) console.log(`  MiB written: ${[...tally.written].sort().map(([k, n]) => `${k} ${(n / 2 ** 20).toFixed(1)}`).join(', ')}`);
  s3.resetStats();
  tally.tally.clear();
  tally.written.clear();
}

/** Starts s3rver in a child process (see s3rver-process.mjs for why) with one bucket. */
async function startServer(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'freshtier-s3-bench-'));
  // execArgv: [] — the server runs without tsx and without the source conditions.
  const child = fork(fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url)), [directory], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number }));
    child.once('exit', (code) => reject(new Error(`s3rver process exited (${code})`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', credentials: { ...S3RVER_CREDENTIALS }, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: 'bench' }));
  client.destroy();
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
    await rm(directory, { recursive: true, force: true });
  };
  return { endpoint, stop };
}

const server = await startServer();
try {
  const s3 = new S3Store({ endpoint: server.endpoint, region: 'us-east-1', credentials: { ...S3RVER_CREDENTIALS }, bucket: 'bench', prefix: 'tables/t' });
  const store = new TallyStore(s3);
  const table = await Table.create(store, { schema, primaryKey: ['id'] });
  s3.resetStats();
  store.tally.clear();
  store.written.clear();
  console.log(`${fmt(ROWS)} rows, ${fmt(BATCH)}-row batches, ${PRODUCERS} producers, durable, default memtable limits; s3rver on loopback`);

  let started = performance.now();
  let flushes = 0;
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', onEvent: (e) => void (e.type === 'flush-committed' && flushes++) });
  let next = 0;
  await Promise.all(Array.from({ length: PRODUCERS }, async () => {
    for (let lo = next; lo < ROWS; lo = next) {
      next = Math.min(lo + BATCH, ROWS);
      await writer.put(rangeBatch(lo, next, lo / BATCH));
    }
  }));
  const putSeconds = (performance.now() - started) / 1000;
  const dataEntries = (store.tally.get('putIfAbsent wal entry') ?? 1) - 1; // minus the open's fence entry
  await writer.close();
  report('write (open + puts + close)', (performance.now() - started) / 1000, ROWS, s3, store,
    `; puts alone ${fmt(ROWS / putSeconds)} rows/s; ${dataEntries} WAL data entries (${(Math.ceil(ROWS / BATCH) / dataEntries).toFixed(1)} batches each), ${flushes} flush commits`);
  // From the writer's cached manifest (no request). Objects above 16 MiB go up in parts (PUT-class requests).
  console.log(`  generations: ${writer.manifest.doc.flushed.map((f) => `${fmt(f.file.rows)} rows, ${(f.file.bytes / 2 ** 20).toFixed(1)} MiB`).join('; ')}`);

  started = performance.now();
  let scanned = 0;
  for await (const batch of new LsmScanner(table).scan()) scanned += batch.numRows;
  if (scanned !== ROWS) throw new Error(`scan returned ${scanned} rows, expected ${ROWS}`);
  report('scan (cold scanner, every row)', (performance.now() - started) / 1000, scanned, s3, store);

  // Point reads: each call collects its sources (manifests) anew, so requests per call matter.
  const lookups = new LsmScanner(table);
  const keys = (i: number) => Array.from({ length: 100 }, (_, k) => ({ id: BigInt((i * 7_919 + k * 104_729) % (2 * ROWS)) }));
  started = performance.now();
  for (let i = 0; i < 10; i++) await lookups.containsPks(keys(i));
  report('10 × containsPks(100 keys)', (performance.now() - started) / 1000, 1_000, s3, store, '', 'keys');
  s3.close();
} finally {
  await server.stop();
}
