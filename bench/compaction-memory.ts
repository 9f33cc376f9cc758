/**
 * Compaction memory: peak RSS and rows/s of one `compact` of a large shard, each
 * compaction in a fresh child process (`process.resourceUsage().maxRSS`), so the
 * figure is the compaction's own peak, not the set-up's.
 *
 * Set-up (once per size, in a child): a table (id Int64 key, v Int32, f Float64, s Utf8;
 * 1 shard, LocalStore in a temporary directory) gets ROWS rows by bulk `ingest`s of
 * 1 M rows (one generation each). Two workloads are then compacted, each on its own copy:
 * - `load`: those generations into an empty base (ROWS rows merged);
 * - `update`: after the load is compacted, 10% of the keys, spread uniformly, are
 *   ingested again (one generation) and compacted: every base file is rewritten.
 *
 * With BEFORE=<dir> (a copy of the repository at an older commit, with its node_modules
 * links), each compaction runs twice, with that code and with this one, in the same
 * run: compare the ratios. The set-up uses BEFORE's code when given (same format).
 * With IN_MEMORY=1 instead, the "before" is this build's in-memory merge (see
 * `compactInMemoryChild`), on the same seed.
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/compaction-memory.ts
 * Environment: ROWS (comma list, default 1000000), BEFORE or IN_MEMORY (optional),
 * FILE_ROWS (max rows per base file, default 1,000,000), WORKLOADS (default load,update).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const CHUNK = 1_000_000;

type Figures = { peak: Record<string, number>; seconds: number; cpuSeconds: number; rowsRead: number; rowsWritten: number; maxRssMiB: number; startRssMiB: number; filesRewritten: number; filesWritten: number };

/** Runs this script as a child in `root`'s copy of the repository; returns its last stdout line as JSON. */
function child(root: string, args: string[]): unknown {
  const script = path.join(root, 'bench', 'compaction-memory.ts');
  const out = execFileSync(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}


/** Child `setup <dir> <rows> <load|update>`: ingests the rows (and for `update`, compacts, then ingests 10% again). */
async function setup(dir: string, rows: number, kind: string): Promise<void> {
  const { LocalStore, Table } = await import('@freshtier/core');
  const { ShardWriter, compact } = await import('@freshtier/writer');
  // imported here, in the child: the parent that measures stays free of Arrow
  const { versionedBatch, versionedSchema } = await import('./src/data.js');
  const table = await Table.create(new LocalStore(dir), { schema: versionedSchema, primaryKey: ['id'] });
  const writer = await ShardWriter.open(table, { shard: 0, durability: 'none', autoFlush: false });
  for (let at = 0; at < rows; at += CHUNK) {
    const ids = BigInt64Array.from({ length: Math.min(CHUNK, rows - at) }, (_, j) => BigInt(at + j));
    await writer.ingest([versionedBatch(ids, 0)]);
  }
  if (kind === 'update') {
    await compact(table, { shard: 0, maxFileRows: Number(process.env.FILE_ROWS ?? 1_000_000) });
    // every tenth key: spread over the whole key space, so every base file holds some
    const ids = BigInt64Array.from({ length: Math.floor(rows / 10) }, (_, j) => BigInt(j * 10 + 3));
    await writer.ingest([versionedBatch(ids, 1)]);
  }
  await writer.close();
  console.log(JSON.stringify({ ok: true }));
}

/** Child `compact <dir>`: one compaction of shard 0, its figures. */
async function compactChild(dir: string): Promise<void> {
  const { LocalStore, Table } = await import('@freshtier/core');
  const { compact } = await import('@freshtier/writer');
  const table = await Table.open(new LocalStore(dir));
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  // where the memory is, sampled (the peak RSS itself is the kernel's figure)
  const peak = { heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k] / 2 ** 20);
  }, 20);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await compact(table, { shard: 0, maxFileRows: Number(process.env.FILE_ROWS ?? 1_000_000) });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sample);
  const f: Figures = { peak, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rowsRead: r.rowsRead, rowsWritten: r.rowsWritten, maxRssMiB: process.resourceUsage().maxRSS / 1024, startRssMiB, filesRewritten: r.filesRewritten.length, filesWritten: r.filesWritten.length };
  console.log(JSON.stringify(f));
}

/**
 * Child `compact-in-memory <dir>`: the merge of before this change, still in this build for
 * repair (compaction-merge.ts `readRun`/`mergeRuns`, base-files.ts `splitPoints`/`writeBaseFile`):
 * every input decoded, merged, then written; every base file of the shard rewritten (as the
 * uniform update does anyway); not committed. For a same-seed comparison when BEFORE's code
 * cannot open this build's tables.
 */
async function compactInMemoryChild(dir: string): Promise<void> {
  const { FileReader, LocalStore, Table, baseCoverage, emptyStats, mergePolicyOf } = await import('@freshtier/core');
  const { mergeRuns, readRun } = await import('../packages/writer/src/maintenance/compaction-merge.js');
  const { splitPoints, writeBaseFile } = await import('../packages/writer/src/maintenance/base-files.js');
  const table = await Table.open(new LocalStore(dir));
  const startRssMiB = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const reader = new FileReader(table, emptyStats(), 64 << 20);
  const base = await table.baseManifests.latest();
  const coverage = baseCoverage(base.doc, 0);
  const gens = (await table.shardManifests(0).latest()).doc.flushed.filter((g) => !coverage.inBase(g.generation)).sort((a, b) => a.generation - b.generation);
  const runs = [];
  for (const f of base.doc.files) runs.push(await readRun(table, reader, f, 'base', 0));
  for (const [i, g] of gens.entries()) runs.push(await readRun(table, reader, g.file, 'flushed', i + 1));
  const merged = mergeRuns(runs, true, mergePolicyOf(table), table);
  const shape = { maxFileRows: Number(process.env.FILE_ROWS ?? 1_000_000), rowGroupSize: 65_536, compression: 'snappy' as const };
  let start = 0;
  let files = 0;
  for (const end of splitPoints(merged, [], shape.maxFileRows)) {
    await writeBaseFile(table, 0, merged, start, end, shape);
    files++;
    start = end;
  }
  const cpu = process.cpuUsage(cpu0);
  const rowsRead = runs.reduce((n, r) => n + r.rows, 0);
  const f: Figures = { peak: {}, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, rowsRead, rowsWritten: merged.count, maxRssMiB: process.resourceUsage().maxRSS / 1024, startRssMiB, filesRewritten: base.doc.files.length, filesWritten: files };
  console.log(JSON.stringify(f));
}

function line(label: string, f: Figures): string {
  const rate = Math.round(f.rowsRead / f.seconds).toLocaleString();
  return `  ${label.padEnd(7)} peak RSS ${f.maxRssMiB.toFixed(0).padStart(5)} MiB (${f.startRssMiB.toFixed(0)} at start), ${f.seconds.toFixed(2)} s (CPU ${f.cpuSeconds.toFixed(2)} s), ${rate} rows merged/s, ${f.rowsWritten.toLocaleString()} rows in ${f.filesWritten} file(s), ${f.filesRewritten} rewritten; sampled peaks MiB: ${Object.entries(f.peak).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`;
}

async function main(): Promise<void> {
  const sizes = (process.env.ROWS ?? '1000000').split(',').map(Number);
  const before = process.env.BEFORE ? path.resolve(process.env.BEFORE) : undefined;
  const workloads = (process.env.WORKLOADS ?? 'load,update').split(',');
  console.log(`compaction memory bench: ${sizes.map((n) => n.toLocaleString()).join(', ')} rows per shard; workloads ${workloads.join(', ')}${before ? `; before = ${before}` : ''}`);
  for (const rows of sizes) {
    for (const kind of workloads) {
      const dir = mkdtempSync(path.join(tmpdir(), 'freshtier-compaction-memory-'));
      try {
        child(before ?? ROOT, ['setup', path.join(dir, 'seed'), String(rows), kind]);
        console.log(`\n[${kind}, ${rows.toLocaleString()} rows]`);
        const variants = before ? [['before', before, 'compact'], ['after', ROOT, 'compact']] as const
          : process.env.IN_MEMORY ? [['in-mem', ROOT, 'compact-in-memory'], ['stream', ROOT, 'compact']] as const : [['now', ROOT, 'compact']] as const;
        for (const [label, root, mode] of variants) {
          const copy = path.join(dir, label);
          cpSync(path.join(dir, 'seed'), copy, { recursive: true });
          console.log(line(label, child(root, [mode, copy]) as Figures));
          rmSync(copy, { recursive: true, force: true });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'setup') await setup(rest[0], Number(rest[1]), rest[2]);
else if (mode === 'compact') await compactChild(rest[0]);
else if (mode === 'compact-in-memory') await compactInMemoryChild(rest[0]);
else await main();
