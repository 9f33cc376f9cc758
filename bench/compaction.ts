/**
 * Compaction: write amplification and throughput of a day-like workload.
 *
 * A table of KEYS rows (id Int64 key, v Int32, f Float64, s Utf8; 1 shard,
 * LocalStore in a temporary directory) is loaded with one bulk `ingest` and
 * compacted. Then, ROUNDS times: 10% of the keys are updated by durable `put`s of
 * 1,000-row batches, the writer flushes, and the shard is compacted. Two update
 * patterns:
 * - `uniform`: the 10% are spread over the whole key space (every base file is touched);
 * - `clustered`: the 10% are one contiguous id range (recent data), so base files
 *   outside it are not rewritten.
 *
 * Measured:
 * - write amplification = bytes the store was asked to write (WAL, generation
 *   files, base files, key indexes, manifests) / Arrow bytes handed to the writer;
 *   overall and for the update rounds alone (steady state);
 * - compaction throughput = rows merged per second of `compact` (rows read from
 *   rewritten base files and generations), and rows written per second.
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/compaction.ts
 * Environment: KEYS (default 200,000), ROUNDS (10), FILE_ROWS (max rows per base file, 50,000).
 */
import { LocalStore, Table, batchByteSize, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';
import { ShardWriter, compact } from '@freshtier/writer';
import { versionedBatch, versionedSchema } from './src/data.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const KEYS = Number(process.env.KEYS ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const FILE_ROWS = Number(process.env.FILE_ROWS ?? 50_000);
const BATCH = 1_000;


/** Counts bytes written per kind of object. */
class CountingStore implements ObjectStore {
  readonly written = new Map<string, number>();
  constructor(private readonly inner: ObjectStore) {}
  get uri(): string {
    return this.inner.uri;
  }
  get(key: string): Promise<Uint8Array> {
    return this.inner.get(key);
  }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.getRange(key, offset, length);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    return this.inner.head(key);
  }
  list(prefix: string): Promise<ObjectMeta[]> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  put(key: string, data: Uint8Array): Promise<void> {
    this.count(key, data);
    return this.inner.put(key, data);
  }
  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    this.count(key, data);
    return this.inner.putIfAbsent(key, data);
  }
  total(): number {
    let n = 0;
    for (const v of this.written.values()) n += v;
    return n;
  }
  private count(key: string, data: Uint8Array): void {
    const kind = key.includes('/wal/') ? 'wal' : key.startsWith('base/data/') ? (/\.keys\.(ftk|arrow)$/.test(key) ? 'base keys' : 'base data')
      : /\/(gen|ingest)-/.test(key) ? 'generations' : 'manifests';
    this.written.set(kind, (this.written.get(kind) ?? 0) + data.byteLength);
  }
}


/** The ids updated in a round: 10% of the keys, uniformly spread or one contiguous range. */
function roundIds(round: number, pattern: 'uniform' | 'clustered'): BigInt64Array {
  const n = Math.floor(KEYS / 10);
  if (pattern === 'clustered') {
    const start = Math.floor(((round * 0.37) % 0.9) * KEYS);
    return BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i));
  }
  const picked = new Set<number>();
  let seed = round * 7919 + 1;
  while (picked.size < n) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    picked.add(seed % KEYS);
  }
  return BigInt64Array.from([...picked].sort((a, b) => a - b), BigInt);
}

interface Figures {
  ingested: number;
  written: number;
  steadyIngested: number;
  steadyWritten: number;
  compactSeconds: number;
  rowsMerged: number;
  rowsWritten: number;
  filesRewritten: number;
  filesKept: number;
  byKind: Map<string, number>;
}

async function run(pattern: 'uniform' | 'clustered'): Promise<Figures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshtier-compaction-bench-'));
  try {
    const store = new CountingStore(new LocalStore(dir));
    const table = await Table.create(store, { schema: versionedSchema, primaryKey: ['id'] });
    const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable', autoFlush: false, maxMemtableRows: 10_000_000 });
    const f: Figures = { ingested: 0, written: 0, steadyIngested: 0, steadyWritten: 0, compactSeconds: 0, rowsMerged: 0, rowsWritten: 0, filesRewritten: 0, filesKept: 0, byKind: store.written };
    const load = Array.from({ length: Math.ceil(KEYS / 100_000) }, (_, i) => versionedBatch(BigInt64Array.from({ length: Math.min(100_000, KEYS - i * 100_000) }, (_, j) => BigInt(i * 100_000 + j)), 0));
    f.ingested += load.reduce((n, b) => n + batchByteSize(b), 0);
    await writer.ingest(load);
    await timedCompact(table, f);
    const before = { ingested: f.ingested, written: store.total() };
    for (let round = 1; round <= ROUNDS; round++) {
      const ids = roundIds(round, pattern);
      const puts: Promise<void>[] = [];
      for (let i = 0; i < ids.length; i += BATCH) {
        const b = versionedBatch(ids.subarray(i, i + BATCH), round);
        f.ingested += batchByteSize(b);
        puts.push(writer.put(b));
      }
      await Promise.all(puts);
      await writer.flush();
      await timedCompact(table, f);
    }
    await writer.close();
    f.written = store.total();
    f.steadyIngested = f.ingested - before.ingested;
    f.steadyWritten = f.written - before.written;
    return f;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function timedCompact(table: Table, f: Figures): Promise<void> {
  const t0 = performance.now();
  const r = await compact(table, { shard: 0, maxFileRows: FILE_ROWS });
  f.compactSeconds += (performance.now() - t0) / 1000;
  f.rowsMerged += r.rowsRead;
  f.rowsWritten += r.rowsWritten;
  f.filesRewritten += r.filesRewritten.length;
  const { doc } = await table.baseManifests.latest();
  f.filesKept += doc.files.length - r.filesWritten.length;
}

const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(`compaction bench: ${KEYS.toLocaleString()} keys, ${ROUNDS} rounds of 10% updates, base files of <= ${FILE_ROWS.toLocaleString()} rows, LocalStore`);
for (const pattern of ['uniform', 'clustered'] as const) {
  const f = await run(pattern);
  const kinds = [...f.byKind].map(([k, v]) => `${k} ${mb(v)} MB`).join(', ');
  console.log(`\n[${pattern}]`);
  console.log(`  write amplification: ${(f.written / f.ingested).toFixed(2)}x overall (${mb(f.written)} MB written / ${mb(f.ingested)} MB ingested), ${(f.steadyWritten / f.steadyIngested).toFixed(2)}x in the update rounds`);
  console.log(`  written by kind: ${kinds}`);
  console.log(`  compaction: ${Math.round(f.rowsMerged / f.compactSeconds).toLocaleString()} rows merged/s, ${Math.round(f.rowsWritten / f.compactSeconds).toLocaleString()} rows written/s (${f.compactSeconds.toFixed(2)} s in ${ROUNDS + 1} compactions)`);
  console.log(`  base files rewritten ${f.filesRewritten}, left untouched ${f.filesKept} (summed over compactions)`);
}
