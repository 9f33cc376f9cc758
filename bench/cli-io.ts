/**
 * CLI input/output cost, measured on the real `freshtier` program (issue 15):
 * `append` of the same rows as CSV, JSON Lines and Parquet, and `scan --format parquet`
 * of a large table — wall time and peak RSS (`/usr/bin/time -v`) of each command.
 *
 * Run: node --conditions=freshtier-src --import tsx bench/cli-io.ts [appendRows] [scanRows]
 * (defaults 100,000 and 1,000,000; scanRows 0 skips the scan measurement; KEEP_BENCH_DIR=1 keeps the files;
 * FRESHTIER_BENCH_DIST=1 runs the built program, packages/cli/dist/bundle/freshtier.js (the package's bin), instead of the sources through tsx)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeParquetFile } from '@freshtier/core';
import { Bool, Field, Float64, Int32, Int64, RecordBatch, Schema, Struct, Table as ArrowTable, TimestampMillisecond, Utf8, makeData, vectorFromArray } from 'apache-arrow';

const root = fileURLToPath(new URL('../', import.meta.url));
const appendRows = Number(process.argv[2] ?? 100_000);
const scanRows = Number(process.argv[3] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'freshtier-cli-io-'));

/** The schema of the measured table (a users table of eight columns). */
const SCHEMA = {
  fields: [
    { name: 'id', type: 'int64', nullable: false }, { name: 'name', type: 'utf8' }, { name: 'age', type: 'int32' },
    { name: 'score', type: 'float64' }, { name: 'active', type: 'bool' }, { name: 'joined', type: 'timestamp[ms, UTC]' },
    { name: 'city', type: 'utf8' }, { name: 'note', type: 'utf8' },
  ],
  primaryKey: ['id'],
};
const CITIES = ['Paris', 'Lyon', 'Berlin', 'Oslo', 'Lima', 'Kyoto'];

interface Row { id: bigint; name: string; age: number; score: number; active: boolean; joined: number; city: string; note: string }
function row(i: number): Row {
  return {
    id: BigInt(i) * 7919n, name: `user-${i}`, age: 18 + (i % 70), score: (i % 1000) / 8, active: i % 3 === 0,
    joined: 1_700_000_000_000 + i * 1000, city: CITIES[i % CITIES.length], note: i % 5 === 0 ? 'has, a comma' : `note ${i % 97}`,
  };
}

function makeFiles(n: number): { csv: string; jsonl: string; parquet: string } {
  const csv: string[] = ['id,name,age,score,active,joined,city,note'];
  const jsonl: string[] = [];
  const cols = { id: new BigInt64Array(n), name: [] as string[], age: new Int32Array(n), score: new Float64Array(n), active: [] as boolean[], joined: [] as number[], city: [] as string[], note: [] as string[] };
  for (let i = 0; i < n; i++) {
    const r = row(i);
    const iso = new Date(r.joined).toISOString();
    csv.push(`${r.id},${r.name},${r.age},${r.score},${r.active},${iso},${r.city},${r.note.includes(',') ? `"${r.note}"` : r.note}`);
    jsonl.push(`{"id":${r.id},"name":"${r.name}","age":${r.age},"score":${r.score},"active":${r.active},"joined":"${iso}","city":"${r.city}","note":"${r.note}"}`);
    cols.id[i] = r.id; cols.name.push(r.name); cols.age[i] = r.age; cols.score[i] = r.score; cols.active.push(r.active);
    cols.joined.push(r.joined); cols.city.push(r.city); cols.note.push(r.note);
  }
  const paths = { csv: join(dir, 'rows.csv'), jsonl: join(dir, 'rows.jsonl'), parquet: join(dir, 'rows.parquet') };
  writeFileSync(paths.csv, csv.join('\n') + '\n');
  writeFileSync(paths.jsonl, jsonl.join('\n') + '\n');
  writeFileSync(paths.parquet, writeParquetFile(arrowTable(cols)));
  return paths;
}

function arrowTable(c: { id: BigInt64Array; name: string[]; age: Int32Array; score: Float64Array; active: boolean[]; joined: number[]; city: string[]; note: string[] }): ArrowTable {
  const fields = [
    new Field('id', new Int64(), false), new Field('name', new Utf8()), new Field('age', new Int32()), new Field('score', new Float64()),
    new Field('active', new Bool()), new Field('joined', new TimestampMillisecond('UTC')), new Field('city', new Utf8()), new Field('note', new Utf8()),
  ];
  const values: Record<string, unknown[] | ArrayLike<unknown>> = { ...c, joined: BigInt64Array.from(c.joined.map(BigInt)) };
  const children = fields.map((f) => (f.name === 'joined'
    ? makeData({ type: f.type as TimestampMillisecond, length: c.id.length, data: values.joined as BigInt64Array })
    : vectorFromArray(values[f.name] as unknown[], f.type).data[0]));
  const schema = new Schema(fields);
  return new ArrowTable([new RecordBatch(schema, makeData({ type: new Struct(fields), length: c.id.length, nullCount: 0, children }))]);
}

/** Runs the freshtier program under `/usr/bin/time -v`: seconds and peak RSS in MB. */
function measure(args: string[], shell?: string): { seconds: number; cpu: number; rssMb: number; code: number | null; stderr: string } {
  const program = process.env.FRESHTIER_BENCH_DIST ? ['packages/cli/dist/bundle/freshtier.js'] : ['--conditions=freshtier-src', '--import', 'tsx', 'packages/cli/src/bin.ts'];
  const cmd = ['node', ...program, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('/usr/bin/time', ['-v', 'sh', '-c', shell ? `${cmd} ${shell}` : cmd], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(r.stderr);
  const cpu = ['User', 'System'].reduce((sum, k) => sum + Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(r.stderr)?.[1] ?? NaN), 0);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  return { seconds, cpu, rssMb: rss ? Number(rss[1]) / 1024 : NaN, code: r.status, stderr: r.stderr.split('\n\tCommand being timed')[0] };
}

function report(what: string, m: ReturnType<typeof measure>): void {
  console.log(`${what.padEnd(44)} ${m.seconds.toFixed(2).padStart(7)} s wall ${m.cpu.toFixed(2).padStart(7)} s cpu ${m.rssMb.toFixed(0).padStart(6)} MB peak RSS${m.code === 0 ? '' : `  (exit ${m.code}: ${m.stderr.trim().slice(0, 300)})`}`);
}

try {
  writeFileSync(join(dir, 'schema.json'), JSON.stringify(SCHEMA));
  const files = makeFiles(appendRows);
  for (const [format, path] of Object.entries(files)) {
    const uri = join(dir, `t-${format}`);
    measure(['init', uri, '--schema', join(dir, 'schema.json')]);
    report(`append ${appendRows.toLocaleString('en-US')} rows (${format})`, measure(['append', uri, path, '--no-progress']));
  }
  if (scanRows > 0) {
    const big = makeFiles(scanRows);
    const uri = join(dir, 't-big');
    measure(['init', uri, '--schema', join(dir, 'schema.json')]);
    report(`append ${scanRows.toLocaleString('en-US')} rows (parquet)`, measure(['append', uri, big.parquet, '--no-progress']));
    report(`scan ${scanRows.toLocaleString('en-US')} rows --format parquet`, measure(['scan', uri, '--format', 'parquet', '--out', join(dir, 'out.parquet')]));
    report(`scan ${scanRows.toLocaleString('en-US')} rows --format csv > file`, measure(['scan', uri, '--format', 'csv'], `> '${join(dir, 'out.csv')}'`));
  }
} finally {
  if (process.env.KEEP_BENCH_DIR) console.log(`files kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
