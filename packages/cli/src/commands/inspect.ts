/**
 * `freshtier inspect <uri>`: what is stored — schema, base versions, per shard its
 * manifest version, writer epoch, generations, sizes and WAL backlog, and tags.
 * Reads manifests and object listings only, never data files.
 */
import { baseCoverage, layout, parseWalPosition, type BaseManifest, type Table, type Versioned } from '@freshtier/core';
import { tags as listTags, versions as listVersions } from '@freshtier/writer';
import { ShardTail } from '@freshtier/scanner';
import { formatTableVersion } from './maintenance.js';
import type { Context } from '../context.js';
import { formatBytes } from '../progress.js';
import { schemaReport, shownDefault, type SchemaFieldReport } from '../schema-report.js';
import { openTable } from '../table-uri.js';

export interface InspectOptions {
  versions: number;
  /** Skip reading the WAL: `unflushedRows` is then left out. */
  committed?: boolean;
}

export interface ShardReport {
  shard: number;
  manifestVersion: number;
  epoch: number;
  nextGeneration: number;
  committedAt: string;
  note: string;
  compactedThrough: number;
  flushed: { count: number; generations: number[]; uncompacted: number[]; rows: number; bytes: number };
  wal: { entries: number; bytes: number; replayAfter: number; backlogEntries: number; backlogBytes: number; unflushedRows?: number };
}

export interface InspectReport {
  uri: string;
  formatVersion: number;
  createdAt: string;
  /** The current schema version (0: `_table.json`'s schema, never altered). */
  schemaVersion: number;
  /** The current columns, each with its stable field id (docs/format.md "Schema versions"). */
  fields: SchemaFieldReport[];
  primaryKey: string[];
  shardCount: number;
  base: { version: number; files: number; rows: number; bytes: number; compacted: Record<string, number>; excluded?: unknown; committedAt: string; note: string };
  /** Newest first: each manifest commit and the table version (`base:shard0,shard1,…`) it made. */
  versions: { tableVersion: string; baseVersion: number; shardVersions: number[]; commit: string; committedAt: string; note: string }[];
  shards: ShardReport[];
  tags: { name: string; tableVersion: string; baseVersion: number; shardVersions: number[]; createdAt: string }[];
  totals: { bytes: number; rowsInBase: number; rowsInFlushedGenerations: number; walBacklogEntries: number };
}

export async function inspect(ctx: Context, uri: string, opts: InspectOptions): Promise<void> {
  const opened = await openTable(uri, ctx.cwd, { forRepair: true });
  try {
    const report = await collect(opened.table, opts.versions, opts.committed !== true);
    ctx.emit(report);
    if (!ctx.json) ctx.say(render(report));
  } finally {
    opened.close();
  }
}

/** Gathers the report (exported for tests and scripts); `tail`: count the rows acked in the WAL but not flushed. */
export async function collect(table: Table, versionCount: number, tail = false): Promise<InspectReport> {
  const { store } = table;
  const base = await table.baseManifests.latest();
  // every manifest commit makes a table version (base version + one version per shard)
  const versions = (await listVersions(table)).slice(-versionCount).reverse().map((v) => ({
    tableVersion: formatTableVersion(v), baseVersion: v.baseVersion, shardVersions: [...v.shardVersions],
    commit: v.manifest === 'base' ? `base v${v.version}` : `shard ${v.shard} v${v.version}`, committedAt: v.committedAt, note: v.note,
  }));
  const shards = await Promise.all(Array.from({ length: table.shardCount }, async (_, shard): Promise<ShardReport> => {
    const [{ version, doc }, wal] = await Promise.all([table.shardManifests(shard).latest(), store.list(layout.walDir(shard))]);
    const coverage = baseCoverage(base.doc, shard);
    const compactedThrough = coverage.compacted;
    const entries = wal.map((m) => ({ position: parseWalPosition(m.key, table.walSuffix), size: m.size })).filter((e) => e.position !== undefined);
    const backlog = entries.filter((e) => e.position! > doc.replayAfter);
    const unflushedRows = tail ? await unflushedRowsOf(table, shard, base) : undefined;
    return {
      shard, manifestVersion: version, epoch: doc.epoch, nextGeneration: doc.nextGeneration, committedAt: doc.committedAt, note: doc.note, compactedThrough,
      flushed: {
        count: doc.flushed.length,
        generations: doc.flushed.map((f) => f.generation),
        uncompacted: doc.flushed.filter((f) => !coverage.inBase(f.generation)).map((f) => f.generation), // what `compact` would merge
        rows: doc.flushed.reduce((n, f) => n + f.file.rows, 0),
        bytes: doc.flushed.reduce((n, f) => n + f.file.bytes, 0),
      },
      wal: {
        entries: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0), replayAfter: doc.replayAfter,
        backlogEntries: backlog.length, backlogBytes: backlog.reduce((n, e) => n + e.size, 0),
        ...(unflushedRows !== undefined ? { unflushedRows } : {}),
      },
    };
  }));
  const tags = (await listTags(table)).map((t) => {
    const shardVersions = Array.from({ length: table.shardCount }, (_, s) => t.shardVersions[String(s)] ?? 0);
    return { name: t.name, tableVersion: formatTableVersion({ baseVersion: t.baseVersion, shardVersions }), baseVersion: t.baseVersion, shardVersions, createdAt: t.createdAt };
  });
  const baseRows = base.doc.files.reduce((n, f) => n + f.rows, 0);
  const baseBytes = base.doc.files.reduce((n, f) => n + f.bytes, 0);
  const excluded = (base.doc as { excluded?: unknown }).excluded;
  const schema = schemaReport(table);
  return {
    uri: store.uri,
    formatVersion: table.doc.formatVersion,
    createdAt: table.doc.createdAt,
    schemaVersion: schema.schemaVersion,
    fields: schema.fields,
    primaryKey: [...table.primaryKey],
    shardCount: table.shardCount,
    base: {
      version: base.version, files: base.doc.files.length, rows: baseRows, bytes: baseBytes, compacted: base.doc.compacted,
      ...(excluded !== undefined ? { excluded } : {}), committedAt: base.doc.committedAt, note: base.doc.note,
    },
    versions,
    shards,
    tags,
    totals: {
      bytes: baseBytes + shards.reduce((n, s) => n + s.flushed.bytes + s.wal.bytes, 0),
      rowsInBase: baseRows,
      rowsInFlushedGenerations: shards.reduce((n, s) => n + s.flushed.rows, 0),
      walBacklogEntries: shards.reduce((n, s) => n + s.wal.backlogEntries, 0),
    },
  };
}

/** Rows (puts and tombstones, before dedup) acked in the shard's WAL and not yet flushed, as a remote reader rebuilds them. */
async function unflushedRowsOf(table: Table, shard: number, base: Versioned<BaseManifest>): Promise<number> {
  const tail = new ShardTail(table, shard);
  await tail.refresh(base); // the base version the report reads, read before this shard's manifest
  return tail.rowCount;
}

/** Generation numbers as compact ranges: [1,2,3,5] → "1-3, 5". */
export function ranges(gens: number[]): string {
  if (gens.length === 0) return '-';
  const out: string[] = [];
  let start = gens[0];
  let prev = gens[0];
  for (const g of [...gens.slice(1), NaN]) {
    if (g === prev + 1) { prev = g; continue; }
    out.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = prev = g;
  }
  return out.join(', ');
}

function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => '  ' + r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `version 2; field ids id=1, name=2, score=4; defaults score=1.5` (defaults as `scan` prints them). */
function schemaLine(r: InspectReport): string {
  const defaults = r.fields.filter((f) => f.defaultText !== undefined).map((f) => `${f.name}=${shownDefault(f)}`);
  return `version ${r.schemaVersion}; field ids ${r.fields.map((f) => `${f.name}=${f.id}`).join(', ')}${defaults.length ? `; defaults ${defaults.join(', ')}` : ''}`;
}

function render(r: InspectReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines: string[] = [];
  lines.push(`table ${r.uri}  (format ${r.formatVersion}, created ${r.createdAt})`);
  lines.push(`  columns:     ${r.fields.map((f) => `${f.name} ${f.type}${f.nullable ? '' : ' not null'}`).join(', ')}`);
  lines.push(`  schema:      ${schemaLine(r)}`);
  lines.push(`  primary key: ${r.primaryKey.length ? r.primaryKey.join(', ') : '(none: append-only)'}`);
  lines.push(`  shards:      ${r.shardCount}`);
  lines.push(`  total:       ${formatBytes(r.totals.bytes)} stored; ${n(r.totals.rowsInBase)} rows in base files, ${n(r.totals.rowsInFlushedGenerations)} in flushed generations (a key may be in several)`);
  lines.push('');
  const compacted = Object.entries(r.base.compacted).map(([s, g]) => `shard ${s} ≤ gen ${g}`).join(', ') || 'nothing yet';
  lines.push(`base table: version ${r.base.version}, ${n(r.base.files)} file${r.base.files === 1 ? '' : 's'}, ${n(r.base.rows)} rows, ${formatBytes(r.base.bytes)}; compacted: ${compacted}`);
  if (r.base.excluded !== undefined) lines.push(`  excluded by rollback: ${Object.entries(r.base.excluded as Record<string, { above: number; below: number }[]>).map(([s, rs]) => `shard ${s}: ${rs.map((x) => `generations ${x.above + 1}..${x.below - 1}`).join(', ')}`).join('; ')}`);
  if (r.versions.length) {
    lines.push(`table versions (newest first; roll back with \`freshtier rollback <uri> <base:shards>\`):`);
    lines.push(grid(['base:shards', 'commit', 'committed', 'note'], r.versions.map((v) => [v.tableVersion, v.commit, v.committedAt, v.note])));
  } else {
    lines.push('table versions: none committed yet');
  }
  lines.push('');
  lines.push('shards:');
  lines.push(grid(
    ['shard', 'version', 'epoch', 'next gen', 'flushed gens', 'uncompacted', 'rows', 'size', 'WAL', 'WAL backlog'],
    r.shards.map((s) => [
      String(s.shard), `v${s.manifestVersion}`, String(s.epoch), String(s.nextGeneration), ranges(s.flushed.generations), ranges(s.flushed.uncompacted),
      n(s.flushed.rows), formatBytes(s.flushed.bytes), `${n(s.wal.entries)} (${formatBytes(s.wal.bytes)})`,
      s.wal.backlogEntries ? `${n(s.wal.backlogEntries)} entries, ${formatBytes(s.wal.backlogBytes)}${s.wal.unflushedRows !== undefined ? `, ${n(s.wal.unflushedRows)} rows` : ''}` : 'none',
    ]),
  ));
  if (r.totals.walBacklogEntries > 0) lines.push('  (a WAL backlog is data acknowledged but not yet flushed: its writer is live, or crashed and replays it when reopened)');
  lines.push('');
  if (r.tags.length) {
    lines.push('tags:');
    lines.push(grid(['name', 'base:shards', 'created'], r.tags.map((t) => [t.name, t.tableVersion, t.createdAt])));
  } else {
    lines.push('tags: none');
  }
  return lines.join('\n');
}
