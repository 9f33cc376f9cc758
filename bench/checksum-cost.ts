/**
 * What the integrity checksums (issue 12, docs/format.md) cost on flush and on scan,
 * measured in one process run. The bar: under 5% of flush and scan throughput.
 *
 * Flush (median of `--reps`): a fresh table (1 shard, LocalStore in a temporary directory),
 * a `ShardWriter` with default options and `--durability` (default `durable`: the WAL
 * entries, and their CRC-32, are part of the work), `--rows` rows of the peer bench's
 * schema (bench/src/data.ts: id Int64 key, qty Int32, price Float64, label Utf8; 10,000-row
 * batches, 10% rewrites) put concurrently, then `flush()`. Timed: every put until its
 * promise resolved, plus the flush. Then, untimed, every object written (and every checked
 * object read) during that section is read back from disk, and core's `crc32` is timed over
 * exactly the bytes its checksum covers (data files whole, key-index body, WAL entry, sealed
 * documents). cost % = crc time / flush time; also shown against the process's CPU time (all
 * threads: the flush worker encodes in parallel, a durable put waits on fsync), which moves
 * less than wall time when other processes compete for the cores.
 *
 * Scan (median of `--scan-reps`): a fresh `LsmScanner` (cold key-index cache) per repetition,
 * full scan of the latest state of the last flush's table; then crc32 over the checked
 * bytes of every object the scan read. cost % = crc time / scan time.
 *
 * Before/after, same run, without engine switches:
 * - scan of the table vs scan of an "unchecked twin" (a copy whose manifest entries omit the
 *   data-file checksum, so `FileReader.dataFile` reads them as pre-issue-12 files); the two
 *   are alternated, and a control pairs the table with a plain copy of itself (the noise floor);
 * - `FileReader.dataFile` (fetch + size + CRC check) vs `store.get` of the same data files,
 *   on an in-memory copy of the table (no disk noise; a real fetch only adds to both).
 * Both report the median of pair-by-pair changes. They are differences of wall-clock times
 * and move by tens of percent on a busy machine: the crc-time cost above is the steadier figure.
 *
 * Run from the repository root:
 *   node --conditions=freshtier-src --import tsx bench/checksum-cost.ts [--rows N] [--reps N] [--scan-reps N] [--durability durable|none]
 * Writes bench/results/checksum-cost.json (or `--out FILE`).
 */
import { FileReader, LocalStore, Table, emptyStats, type DataFile } from '@freshtier/core';
import { ShardWriter } from '@freshtier/writer';
import type { RecordBatch } from 'apache-arrow';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RecordingStore, bytesByKind, coveredObjects, crcMillis, medianOf, pairedChange, timed, type Covered } from './checksum-cost-parts.js';
import { memoryCopy, pair, writeUncheckedTwin } from './checksum-cost-tables.js';
import { batchStream, benchSchema } from './src/data.js';
import { machineInfo } from './src/report.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    reps: { type: 'string', default: '3' },
    'scan-reps': { type: 'string', default: '5' },
    durability: { type: 'string', default: 'durable' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'checksum-cost.json') },
  },
});
const ROWS = Number(args.rows);
const REPS = Number(args.reps);
const SCAN_REPS = Number(args['scan-reps']);
const DURABILITY = args.durability as 'durable' | 'none';
if (!(ROWS > 0 && REPS > 0 && SCAN_REPS > 0) || !['durable', 'none'].includes(DURABILITY)) {
  throw new Error('usage: --rows N --reps N --scan-reps N --durability durable|none (positive integers)');
}
const CRC_PASSES = 5;
/** Passes of the `FileReader.dataFile` vs `store.get` comparison: each is tens of milliseconds. */
const READ_PASSES = 21;
const loadAtStart = loadavg();

/** One measured phase: the operation's time and the crc time of the bytes it checksummed. */
interface Phase {
  name: string;
  rows: number;
  ms: number;
  /** Median process CPU time (all threads) of the runs. */
  cpuMs: number;
  crcMs: number;
  checkedBytes: number;
  byKind: Record<string, number>;
  objects: number;
  samplesMs: number[];
  /** crc time / time of each repetition, in %. */
  costSamples: number[];
}

/** One repetition: its time, and the crc time and size of what its checksums covered (bytes are not kept). */
interface Run {
  ms: number;
  cpuMs: number;
  crcMs: number;
  byKind: Record<string, number>;
  objects: number;
}

const runOf = (ms: number, cpuMs: number, parts: Covered[]): Run => ({ ms, cpuMs, crcMs: crcMillis(parts, CRC_PASSES), byKind: bytesByKind(parts), objects: parts.length });

/** Medians over the repetitions; sizes from the last one (every repetition writes and reads the same data). */
const phaseOf = (name: string, rows: number, runs: Run[]): Phase => {
  const { byKind, objects } = runs[runs.length - 1];
  return {
    name, rows, ms: medianOf(runs.map((r) => r.ms)), cpuMs: medianOf(runs.map((r) => r.cpuMs)), crcMs: medianOf(runs.map((r) => r.crcMs)),
    checkedBytes: Object.values(byKind).reduce((a, b) => a + b, 0), byKind, objects, samplesMs: runs.map((r) => Math.round(r.ms)),
    costSamples: runs.map((r) => Math.round((r.crcMs / r.ms) * 10_000) / 100),
  };
};

/** One flush repetition in a fresh directory, pushed onto `dirs` at once (the caller removes them). */
async function flushOnce(batches: RecordBatch[], dirs: string[]): Promise<Run> {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshtier-checksum-bench-'));
  dirs.push(dir);
  const store = new RecordingStore(new LocalStore(dir));
  const table = await Table.create(store, { schema: benchSchema, primaryKey: ['id'], shards: 1 });
  const writer = await ShardWriter.open(table, { shard: 0, durability: DURABILITY });
  store.start();
  const { ms, cpuMs } = await timed(async () => {
    await Promise.all(batches.map((b) => writer.put(b)));
    await writer.flush();
  });
  const { written, read } = store.stop();
  await writer.close();
  return runOf(ms, cpuMs, await coveredObjects(dir, [...new Set([...written, ...read])]));
}

/** The data-file entries the latest manifests name. */
async function dataFilesOf(table: Table): Promise<DataFile[]> {
  const base = (await table.baseManifests.latest()).doc.files;
  const flushed = (await table.shardManifests(0).latest()).doc.flushed.map((g) => g.file);
  return [...base, ...flushed];
}

/**
 * `FileReader.dataFile` (get + size and CRC check) vs a plain `store.get` of the same files,
 * alternated, on an in-memory copy of the table: medians of per-pass totals, and the median
 * pair-by-pair difference (`addedMs`) and relative change.
 */
async function readerVsGet(dir: string, passes: number): Promise<{ files: number; bytes: number; checkedMs: number; rawMs: number; addedMs: number; change: number; crcMs: number }> {
  const table = await Table.open(await memoryCopy(dir));
  const files = await dataFilesOf(table);
  const reader = new FileReader(table, emptyStats(), 0);
  const checked: number[] = [];
  const raw: number[] = [];
  const getAll = async () => raw.push((await timed(async () => { for (const f of files) await table.store.get(f.path); })).ms);
  const readAll = async () => checked.push((await timed(async () => { for (const f of files) await reader.dataFile(f); })).ms);
  await getAll(); // warm-up: page cache and code, not counted
  raw.pop();
  for (let i = 0; i < passes; i++) {
    if (i % 2) await readAll().then(getAll);
    else await getAll().then(readAll);
  }
  const parts = await coveredObjects(dir, files.map((f) => f.path));
  return { files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0), checkedMs: medianOf(checked), rawMs: medianOf(raw), addedMs: medianOf(checked.map((c, i) => c - raw[i])), change: pairedChange(checked, raw), crcMs: crcMillis(parts, CRC_PASSES) };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (n: number) => fmt(n / 2 ** 20, 1);
const pct = (a: number, b: number) => `${fmt((a / b) * 100, 2)}%`;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${fmt(n, 1)}`;
const signedPct = (n: number) => `${n >= 0 ? '+' : ''}${fmt(n * 100, 1)}%`;

/** The warm-up, then `REPS` measured flushes; every table directory is pushed onto `dirs`. */
async function measureFlush(dirs: string[]): Promise<Phase> {
  const batches = [...batchStream({ rows: ROWS, batchRows: 10_000, updateFraction: 0.1, seed: 7 })];
  // warm-up, discarded: starts the flush worker and compiles the hot paths
  await flushOnce(batches.slice(0, Math.max(1, Math.ceil(batches.length / 10))), dirs);
  const runs: Run[] = [];
  for (let i = 0; i < REPS; i++) {
    const run = await flushOnce(batches, dirs);
    runs.push(run);
    console.log(`  flush ${i + 1}: ${fmt(run.ms)} ms, crc ${fmt(run.crcMs, 1)} ms`);
  }
  return phaseOf(`flush (put + flush, ${DURABILITY})`, ROWS, runs);
}

type Timing = { ms: number; cpuMs: number };

/**
 * Scan before/after: the table vs its unchecked twin, pair by pair; and, as the noise floor,
 * the table vs a plain copy of itself (`control`: any change there is the machine's noise).
 */
interface ScanAB {
  stripped: number;
  checked: Timing[];
  unchecked: Timing[];
  control: { checked: Timing[]; unchecked: Timing[] };
  bytesRead: number;
}

/** `SCAN_REPS` pairs of cold scans of `dir` and of `copy`, in alternating order. */
async function controlScans(dir: string, copy: string): Promise<ScanAB['control']> {
  await cp(dir, copy, { recursive: true });
  const out: ScanAB['control'] = { checked: [], unchecked: [] };
  for (let i = 0; i < SCAN_REPS; i++) {
    const [a, b] = i % 2 ? (await pair(copy, dir)).reverse() : await pair(dir, copy);
    out.checked.push(a);
    out.unchecked.push(b);
  }
  return out;
}

/** `SCAN_REPS` cold scans of `dir`, each paired with one of its unchecked twin (order alternating). */
async function measureScan(dir: string, twin: string): Promise<{ scan: Phase; ab: ScanAB }> {
  const stripped = await writeUncheckedTwin(dir, twin);
  await pair(dir, twin); // warm-up, discarded: the first scan of a process runs cold code
  const runs: Run[] = [];
  const ab: ScanAB = { stripped, checked: [], unchecked: [], control: { checked: [], unchecked: [] }, bytesRead: 0 };
  let rows = 0;
  for (let i = 0; i < SCAN_REPS; i++) {
    // alternate which copy goes first, so neither always pays for the other's garbage
    const [s, u] = i % 2 ? (await pair(twin, dir)).reverse() : await pair(dir, twin);
    ab.checked.push(s);
    ab.unchecked.push(u);
    runs.push(runOf(s.ms, s.cpuMs, await coveredObjects(dir, s.read)));
    ({ rows, bytesRead: ab.bytesRead } = s);
    console.log(`  scan ${i + 1}: ${fmt(s.ms)} ms (unchecked twin ${fmt(u.ms)} ms), crc ${fmt(runs[i].crcMs, 1)} ms`);
  }
  return { scan: phaseOf('scan (cold, full, latest state)', rows, runs), ab };
}

async function main(): Promise<void> {
  console.log(`checksum cost: ${fmt(ROWS)} rows, durability ${DURABILITY}, flush x${REPS}, scan x${SCAN_REPS}; load average at start ${loads(loadAtStart)} (${machineInfo().cores} cores)`);
  const dirs: string[] = [];
  try {
    const flush = await measureFlush(dirs);
    const dir = dirs[dirs.length - 1];
    dirs.push(`${dir}-unchecked`);
    const { scan, ab } = await measureScan(dir, `${dir}-unchecked`);
    dirs.push(`${dir}-copy`);
    ab.control = await controlScans(dir, `${dir}-copy`);
    const direct = await readerVsGet(dir, READ_PASSES);
    printReport(flush, scan, ab, direct);
    await writeResult(resultOf(flush, scan, ab, direct));
  } finally {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

type Direct = Awaited<ReturnType<typeof readerVsGet>>;
const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
const round1 = (n: number) => Math.round(n * 10) / 10;
const percent = (a: number, b: number) => Math.round((a / b) * 10_000) / 100;
const changes = (ab: Pick<ScanAB, 'checked' | 'unchecked'>, key: 'ms' | 'cpuMs') => pairedChange(ab.checked.map((r) => r[key]), ab.unchecked.map((r) => r[key]));

function printReport(flush: Phase, scan: Phase, ab: ScanAB, direct: Direct): void {
  console.log();
  console.table([flush, scan].map((p) => ({
    phase: p.name, rows: fmt(p.rows), 'time ms': fmt(p.ms), 'rows/s': fmt(p.rows / (p.ms / 1000)),
    'checked MiB': mib(p.checkedBytes), 'crc ms': fmt(p.crcMs, 1), 'cost %': pct(p.crcMs, p.ms), 'CPU ms': fmt(p.cpuMs), 'cost % of CPU': pct(p.crcMs, p.cpuMs),
  })));
  for (const p of [flush, scan]) {
    const kinds = Object.entries(p.byKind).map(([k, v]) => `${k} ${mib(v)} MiB`).join(', ');
    console.log(`  ${p.name}: ${p.objects} checked objects (${kinds}); crc32 at ${fmt(p.checkedBytes / 1e6 / p.crcMs, 2)} GB/s; per repetition: ${p.samplesMs.join(', ')} ms, cost ${p.costSamples.join(', ')} %`);
  }
  const med = (key: 'checked' | 'unchecked') => fmt(medianOf(ab[key].map((r) => r.ms)));
  console.log(`\nbefore/after, same run (medians):`);
  console.log(`  scan, data files checked vs unchecked twin (${ab.stripped} entries without checksum): ${med('checked')} ms vs ${med('unchecked')} ms; median paired change ${signedPct(changes(ab, 'ms'))} wall, ${signedPct(changes(ab, 'cpuMs'))} CPU time`);
  console.log(`  control, the same scan of the table vs a plain copy of it (the noise floor): median paired change ${signedPct(changes(ab.control, 'ms'))} wall, ${signedPct(changes(ab.control, 'cpuMs'))} CPU time`);
  console.log(`  FileReader.dataFile vs store.get (MemoryStore copy), ${direct.files} data files, ${mib(direct.bytes)} MiB, ${READ_PASSES} pairs: median paired change ${signed(direct.addedMs)} ms (${signedPct(direct.change)}) = ${pct(direct.addedMs, scan.ms)} of the scan's time (crc32 of those bytes alone: ${fmt(direct.crcMs, 1)} ms)`);
  console.log(`\nload average: start ${loads(loadAtStart)}, end ${loads(loadavg())}`);
}

/** The JSON written to `--out`. */
function resultOf(flush: Phase, scan: Phase, ab: ScanAB, direct: Direct): object {
  const med = (key: 'checked' | 'unchecked') => Math.round(medianOf(ab[key].map((r) => r.ms)));
  return {
    command: `node --conditions=freshtier-src --import tsx bench/checksum-cost.ts ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100) },
    sizes: { rows: ROWS, flushReps: REPS, scanReps: SCAN_REPS, crcPasses: CRC_PASSES, readPasses: READ_PASSES, durability: DURABILITY },
    phases: [flush, scan].map((p) => ({
      ...p, ms: Math.round(p.ms), cpuMs: Math.round(p.cpuMs), crcMs: round1(p.crcMs), rowsPerSec: Math.round(p.rows / (p.ms / 1000)),
      costPercent: percent(p.crcMs, p.ms), costPercentOfCpu: percent(p.crcMs, p.cpuMs),
    })),
    beforeAfter: {
      scan: {
        checkedMs: med('checked'), uncheckedTwinMs: med('unchecked'), pairedChangePercent: round1(changes(ab, 'ms') * 100),
        pairedCpuChangePercent: round1(changes(ab, 'cpuMs') * 100),
        controlPairedChangePercent: round1(changes(ab.control, 'ms') * 100), controlPairedCpuChangePercent: round1(changes(ab.control, 'cpuMs') * 100), entriesWithoutChecksum: ab.stripped, bytesRead: ab.bytesRead,
      },
      dataFileRead: {
        files: direct.files, bytes: direct.bytes, fileReaderMs: round1(direct.checkedMs), storeGetMs: round1(direct.rawMs), pairedAddedMs: round1(direct.addedMs),
        pairedChangePercent: round1(direct.change * 100), crcMs: round1(direct.crcMs), addedPercentOfScan: percent(direct.addedMs, scan.ms),
      },
    },
  };
}

async function writeResult(result: object): Promise<void> {
  await mkdir(path.dirname(args.out), { recursive: true });
  await writeFile(args.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), args.out)}`);
}

await main();
