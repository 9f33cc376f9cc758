/**
 * The benchmark runner: every workload through freshtier and its peers, each (system,
 * workload) in child processes of its own, then a table on stdout and
 * bench/results/latest.{json,svg}.
 *
 *   node --conditions=freshtier-src --import tsx src/run.ts [--quick] [--rows N]
 *        [--stream-rows N] [--only scan,replay] [--peers lancedb,duckdb]
 *        [--store-latency put=50,get=30|none] [--peer-stream-rows N] [--out DIR]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ADAPTERS, DEFAULT_PEERS, FRESHTIER_VARIANTS } from './adapters.js';
import { runIsolated } from './execute.js';
import { describeLatency, parseStoreLatency } from './latency-store.js';
import { PEERS_DIR, installPeers } from './peers/load.js';
import { DEFAULT_SIZES, QUICK_SIZES, WORKLOADS, type Sizes, type WorkloadId } from './peers/types.js';
import { addRatios, formatTable, machineInfo, toRow, toRows, workloadTitles, writeReport, type Report, type ReportRow } from './report.js';

/** Parsed command line. */
export interface RunOptions {
  sizes: Sizes;
  workloads: WorkloadId[];
  systems: string[];
  outDir: string;
}

/** Parses argv (without node and script). Throws on an unknown workload or system. */
export function parseRunArgs(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rows: { type: 'string' },
      'stream-rows': { type: 'string' },
      only: { type: 'string' },
      peers: { type: 'string' },
      'store-latency': { type: 'string' },
      'peer-stream-rows': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const sizes = { ...(values.quick ? QUICK_SIZES : DEFAULT_SIZES) };
  const int = (s: string) => {
    const n = Number(s.replace(/[_,]/g, ''));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive row count: ${s}`);
    return n;
  };
  // --rows sets every size; --stream-rows then overrides the two streams.
  if (values.rows) sizes.tableRows = sizes.streamRows = int(values.rows);
  if (values['stream-rows']) sizes.streamRows = int(values['stream-rows']);
  if (values['peer-stream-rows']) sizes.peerStreamRows = int(values['peer-stream-rows']);
  if (values['store-latency'] !== undefined) sizes.storeLatency = parseStoreLatency(values['store-latency']);
  const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const workloads = (list(values.only) ?? [...WORKLOADS]) as WorkloadId[];
  for (const w of workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w}; known: ${WORKLOADS.join(', ')}`);
  const peers = list(values.peers) ?? DEFAULT_PEERS;
  for (const p of peers) if (!DEFAULT_PEERS.includes(p)) throw new Error(`unknown peer ${p}; known: ${DEFAULT_PEERS.join(', ')}`);
  // freshtier behind the latency store runs right after freshtier, so its ratio is to a run made moments before.
  const variants = sizes.storeLatency ? FRESHTIER_VARIANTS : [];
  return { sizes, workloads, systems: ['freshtier', ...variants, ...peers], outDir: values.out ?? fileURLToPath(new URL('../results/', import.meta.url)) };
}

const log = (m: string) => process.stderr.write(`${m}\n`);

/** Runs the benchmark as parsed and writes its outputs; returns the report. */
export async function run(options: RunOptions, command: string): Promise<Report> {
  const { sizes, workloads, systems } = options;
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  if (systems.some((s) => ADAPTERS[s].needsPeers)) installPeers(log);
  const rows: ReportRow[] = [];
  for (const workload of workloads) {
    for (const system of systems) {
      if (!ADAPTERS[system].workloads[workload]) {
        log(`- ${workload} / ${system}: not implemented, skipped`);
        continue;
      }
      const dir = mkdtempSync(join(tmpdir(), `freshtier-bench-${system}-${workload}-`));
      log(`- ${workload} / ${system} ...`);
      try {
        const m = await runIsolated({ system, workload, dir, sizes });
        rows.push(...toRows(workload, system, m));
        log(`  ${m.rows.toLocaleString('en-US')} rows in ${m.seconds.toFixed(2)} s, peak RSS ${m.peakRssMiB} MiB${m.notes ? `\n  ${m.notes}` : ''}`);
      } catch (e) {
        const row = toRow(workload, system, e as Error);
        rows.push(row);
        log(row.skipped ? `  skipped: ${row.skipped}` : `  failed: ${(e as Error).message}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const report: Report = {
    startedAt,
    command,
    machine: { ...machineInfo(), loadAverageAtStart },
    peers: peerVersions(systems),
    sizes,
    workloads: workloadTitles(),
    results: addRatios(rows),
  };
  writeReport(report, systems, options.outDir);
  return report;
}

/** Installed versions of the selected peers' libraries (parquet-wasm: the workspace's copy). */
function peerVersions(systems: string[]): Record<string, string> {
  const version = (manifest: string) => (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  const out: Record<string, string> = {};
  const pkgs: Record<string, string> = { lancedb: '@lancedb/lancedb', duckdb: '@duckdb/node-api', slatedb: '@slatedb/uniffi' };
  for (const s of systems) {
    try {
      if (s === 'parquet-wasm') out[s] = version(fileURLToPath(new URL('../node_modules/parquet-wasm/package.json', import.meta.url)));
      else if (pkgs[s]) out[s] = version(join(PEERS_DIR, 'node_modules', pkgs[s], 'package.json'));
    } catch {
      out[s] = 'not installed';
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const options = parseRunArgs(argv);
  const report = await run(options, ['bench', ...argv].join(' '));
  const m = report.machine;
  console.log(`\nfreshtier bench — ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`);
  // The load before we started is other work; on a small machine it skews every figure.
  console.log(`load average before the run: ${m.loadAverageAtStart?.join(' ')} (1/5/15 min; ${m.cores} cores)`);
  console.log(`sizes: ${JSON.stringify(report.sizes)}`);
  if (report.sizes.storeLatency) console.log(`freshtier-latency: the write workloads on the local disk behind ${describeLatency(report.sizes.storeLatency)} per request; its ratio is to local freshtier`);
  console.log('');
  console.log(formatTable(report.results));
  console.log(`\nwrote ${join(options.outDir, 'latest.json')} and latest.svg`);
}
