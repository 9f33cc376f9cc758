/**
 * Flushing in a worker thread (`flushInWorker`, the default): the files are the
 * same bytes as an in-process flush; worker failures fail the flush (which
 * retries) and never lose data; a worker that cannot start falls back to the
 * writer's thread; failpoints stay on the writer's thread. Also the built `dist/`
 * path: a plain `node` (no tsx) starts `flush-worker.js`.
 */
import { MemoryStore, armFailpoint, disarmAllFailpoints, failpointStats, keyIndexPathFor, type ObjectStore } from '@freshtier/core';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardWriter } from '../src/index.js';
import { preparePut } from '../src/shard/batches.js';
import { flushJob } from '../src/flush/flush-job.js';
import { FlushWorkerPool, sharedFlushPool } from '../src/flush/flush-pool.js';
import { MemtableSlot } from '../src/shard/memtable-slot.js';
import { keysBatch, makeTable, rowsBatch } from './support/fixtures.js';

afterEach(() => disarmAllFailpoints());

/** The flushed files of every generation, by generation. */
async function flushedFiles(store: ObjectStore, writer: ShardWriter): Promise<Map<number, { parquet: Buffer; keys: Buffer | undefined }>> {
  const out = new Map<number, { parquet: Buffer; keys: Buffer | undefined }>();
  for (const g of writer.manifest.doc.flushed) {
    const keys = g.file.keyIndexPath ? Buffer.from(await store.get(g.file.keyIndexPath)) : undefined;
    out.set(g.generation, { parquet: Buffer.from(await store.get(g.file.path)), keys });
  }
  return out;
}

async function workload(flushInWorker: boolean, appendOnly = false) {
  const store = new MemoryStore();
  const table = await makeTable(store, { appendOnly });
  const writer = await ShardWriter.open(table, { shard: 0, flushInWorker, autoFlush: false, rowGroupSize: 50 });
  for (let g = 0; g < 3; g++) {
    for (let i = 0; i < 5; i++) await writer.put(rowsBatch(Array.from({ length: 40 }, (_, r) => (r * 7 + i * 13 + g) % 90), i % 2 ? [...Array(40)].map((_, r) => (r % 3 ? r : null)) : g));
    if (!appendOnly) await writer.delete(keysBatch([g, g + 10, 1000 + g]));
    await writer.flush();
  }
  const files = await flushedFiles(store, writer);
  await writer.close();
  return files;
}

describe('flushInWorker', () => {
  it('writes byte-identical files to an in-process flush (keyed and append-only)', async () => {
    expect(await sharedFlushPool().ready()).toBe(true); // (a flush while the worker still starts runs in-process)
    for (const appendOnly of [false, true]) {
      const before = sharedFlushPool().completed;
      const [inWorker, inProcess] = await Promise.all([workload(true, appendOnly), workload(false, appendOnly)]);
      expect(sharedFlushPool().completed - before).toBe(3); // the worker really encoded the three generations
      expect([...inWorker.keys()]).toEqual([...inProcess.keys()]);
      for (const [g, f] of inProcess) {
        expect(inWorker.get(g)!.parquet.equals(f.parquet), `generation ${g} data file`).toBe(true);
        expect(inWorker.get(g)!.keys?.equals(f.keys!) ?? f.keys === undefined, `generation ${g} key index`).toBe(true);
      }
    }
  });

  it('failpoints stay on the writer thread: a throw after the data file is retried, publishing complete files only', async () => {
    const store = new MemoryStore();
    const table = await makeTable(store);
    const writer = await ShardWriter.open(table, { shard: 0, autoFlush: false, flushRetry: { initialDelayMs: 0, maxAttempts: 3 } });
    await writer.put(rowsBatch([1, 2, 3], 5));
    armFailpoint('flush:after-parquet', 'throw', { times: 1 });
    await writer.flush();
    expect(failpointStats('flush:after-parquet')).toEqual({ hits: 2, fired: 1 });
    const [g] = writer.manifest.doc.flushed;
    expect(await store.head(keyIndexPathFor(g.file.path))).toBeDefined();
    const parquets = (await store.list('shards/0/')).filter((m) => m.key.endsWith('data.parquet'));
    expect(parquets).toHaveLength(2); // the failed attempt's orphan and the published file
    await writer.close();
  });
});

describe('FlushWorkerPool', () => {
  async function frozenJob() {
    const table = await makeTable(new MemoryStore());
    const slot = MemtableSlot.active(0, 1, true);
    const p = preparePut(table, 0, rowsBatch([3, 1, 2], 1));
    slot.apply(p, slot.reserve(p), 0);
    slot.seal();
    return flushJob(slot.memtable, table.schema, {});
  }

  it('encodes in a worker once one is ready; before that, jobs are left to the caller', async () => {
    const pool = new FlushWorkerPool(1, 100);
    try {
      const early = await frozenJob();
      const lengths = early.transfer.map((b) => b.byteLength);
      expect(await pool.run(early.job, early.transfer)).toBeUndefined(); // starting: encode in-process rather than wait
      expect(early.transfer.map((b) => b.byteLength)).toEqual(lengths); // nothing was transferred (detached)
      expect(await pool.ready()).toBe(true);
      const { job, transfer } = await frozenJob();
      const files = await pool.run(job, transfer);
      expect(files).toMatchObject({ rows: 3 });
      expect(files!.parquet.byteLength).toBeGreaterThan(0);
      expect(pool.completed).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a job that may wait for the start is encoded by the worker being started', async () => {
    const pool = new FlushWorkerPool(1, 100);
    try {
      const { job, transfer } = await frozenJob();
      expect(await pool.run(job, transfer, true)).toMatchObject({ rows: 3 });
      expect(pool.completed).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a job that fails in the worker rejects with its error; the worker serves the next job', async () => {
    const pool = new FlushWorkerPool(1, 100);
    try {
      await pool.ready();
      const bad = await frozenJob();
      bad.job.image.batches[0].fields[0] = 99; // a column the schema does not have
      await expect(pool.run(bad.job, bad.transfer)).rejects.toThrow(/flush worker: .*/);
      const good = await frozenJob();
      expect(await pool.run(good.job, good.transfer)).toMatchObject({ rows: 3 });
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies mid-job rejects that job; a new worker takes the next', async () => {
    const pool = new FlushWorkerPool(1, 100);
    await pool.ready();
    const { job, transfer } = await frozenJob();
    const pending = pool.run(job, transfer);
    await pool.close();
    await expect(pending).rejects.toThrow(/exited/);
    await pool.ready();
    const again = await frozenJob();
    expect(await pool.run(again.job, again.transfer)).toMatchObject({ rows: 3 });
    await pool.close();
  });

  it('when no worker can start, jobs resolve undefined (the caller encodes in-process) with one warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const pool = new FlushWorkerPool(1, 100, () => ({ script: new URL('./no-such-worker.js', import.meta.url), eval: false, execArgv: undefined }));
      expect(await pool.ready()).toBe(false);
      for (let i = 0; i < 2; i++) {
        const { job, transfer } = await frozenJob();
        expect(await pool.run(job, transfer)).toBeUndefined();
      }
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => /flush worker threads cannot start/.test(w))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

const here = path.dirname(fileURLToPath(import.meta.url));
const distOf = (pkg: string) => path.join(here, '../..', pkg, 'dist');
/** dist/ is a build product: test it only when every source file has a build output at least as new. */
function distIsFresh(): boolean {
  return ['core', 'scanner', 'writer'].every((pkg) => {
    const src = path.join(here, '../..', pkg, 'src');
    // recursive: the sources sit in folders per concern (writer: shard/, flush/, maintenance/)
    return (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).every((f) => {
      const built = path.join(distOf(pkg), f.replace(/\.ts$/, '.js'));
      return existsSync(built) && statSync(built).mtimeMs >= statSync(path.join(src, f)).mtimeMs;
    });
  });
}

describe('from the built dist/', () => {
  it.skipIf(!distIsFresh())('a plain node process flushes through flush-worker.js', async () => {
    const script = `
      import { MemoryStore, Table } from ${JSON.stringify(path.join(distOf('core'), 'index.js'))};
      import { ShardWriter } from ${JSON.stringify(path.join(distOf('writer'), 'index.js'))};
      import { sharedFlushPool } from ${JSON.stringify(path.join(distOf('writer'), 'flush', 'flush-pool.js'))};
      import { tableFromArrays } from 'apache-arrow';
      process.on('warning', (w) => { console.error(w.message); process.exit(3); });
      const schema = tableFromArrays({ id: new BigInt64Array([1n]), v: new Int32Array([1]) }).schema;
      const table = await Table.create(new MemoryStore(), { schema, primaryKey: ['id'] });
      const w = await ShardWriter.open(table, { shard: 0 });
      await w.put(tableFromArrays({ id: BigInt64Array.from([3n, 1n, 2n]), v: new Int32Array([3, 1, 2]) }).batches[0]);
      if (!(await sharedFlushPool().ready())) process.exit(4);
      await w.close();
      console.log(JSON.stringify({ rows: w.manifest.doc.flushed[0].file.rows, completed: sharedFlushPool().completed }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: path.join(here, '..') });
    expect(JSON.parse(stdout)).toEqual({ rows: 3, completed: 1 });
  }, 30_000);
});
