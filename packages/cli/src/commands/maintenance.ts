/**
 * Base-table maintenance over `@freshtier/writer` (docs/base-table.md):
 * `compact` (flushed generations → base files), `gc` (delete what no retained
 * version, tag or snapshot needs), `tag` (name the current version) and
 * `rollback` (make an old version current, in one commit).
 */
import { compact, gc, rollback, tag, versions, type CompactionResult, type TableVersion } from '@freshtier/writer';
import type { Table } from '@freshtier/core';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { formatBytes } from '../progress.js';
import { openTable } from '../table-uri.js';

/** "1h" → 3,600,000 ms. Units: ms, s, m, h, d, w. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(text);
  if (!m) throw new UsageError(`bad duration "${text}"`, 'write a number and a unit: 30s, 15m, 1h, 7d (units ms, s, m, h, d, w)');
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[m[2].toLowerCase() as 'ms']!;
  return Math.round(Number(m[1]) * unit);
}

/** GC's retention when `--older-than` is not given: deletion cannot be undone, so keep a day. */
export const DEFAULT_GC_RETENTION = '24h';

const TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A table version as the CLI prints and reads it: `<base>:<shard0>,<shard1>,…`, e.g. `3:8,5`. */
export function formatTableVersion(v: TableVersion): string {
  return `${v.baseVersion}:${v.shardVersions.join(',')}`;
}

export async function compactCommand(ctx: Context, uri: string, opts: { shard?: number }): Promise<void> {
  const opened = await openTable(uri, ctx.cwd);
  try {
    const { table } = opened;
    if (opts.shard !== undefined && opts.shard >= table.shardCount) throw new UsageError(`--shard ${opts.shard} does not exist`, `the table has shards 0..${table.shardCount - 1}`);
    const shards = opts.shard !== undefined ? [opts.shard] : Array.from({ length: table.shardCount }, (_, s) => s);
    const results: CompactionResult[] = [];
    for (const shard of shards) {
      const bar = ctx.progress();
      let started = false;
      let result: CompactionResult;
      try {
        result = await compact(table, {
          shard,
          onProgress: (p) => {
            if (p.filesToRead === 0) return;
            if (!started) bar.start(`compacting shard ${shard} (generations ${p.generations.join(', ')})`, p.filesToRead, 'items');
            started = true;
            bar.update(p.filesRead, `files read · ${p.rowsMerged.toLocaleString('en-US')} rows merged · ${formatBytes(p.bytesWritten)} written · ${p.phase}`);
          },
        });
      } finally {
        bar.stop();
      }
      results.push(result);
      ctx.say(result.committed
        ? `shard ${shard}: compacted generations ${result.generations.join(', ')} into base version ${result.baseVersion}: ${result.rowsRead.toLocaleString('en-US')} rows read, ${result.rowsWritten.toLocaleString('en-US')} written to ${result.filesWritten.length} file(s) (${formatBytes(result.bytesWritten)}), ${result.filesRewritten.length} base file(s) replaced`
        : `shard ${shard}: nothing to compact (base version ${result.baseVersion}, compacted through generation ${result.compactedThrough})`);
    }
    ctx.emit({ uri, results });
  } finally {
    opened.close();
  }
}

export async function gcCommand(ctx: Context, uri: string, opts: { olderThan?: string; dryRun?: boolean }): Promise<void> {
  const olderThan = parseDuration(opts.olderThan ?? DEFAULT_GC_RETENTION);
  const opened = await openTable(uri, ctx.cwd);
  const bar = ctx.progress();
  try {
    bar.start(opts.dryRun ? 'gc: finding garbage (dry run)' : 'gc: finding and deleting garbage', 1, 'items');
    const report = await gc(opened.table, { olderThan, dryRun: opts.dryRun === true });
    bar.stop();
    ctx.emit({ uri, olderThanMs: olderThan, ...report });
    const d = report.deleted;
    ctx.say(`${report.dryRun ? 'gc dry run: would delete' : 'gc: deleted'} ${report.objects} object(s), ${formatBytes(report.bytes)} ` +
      `(${d.manifests.length} manifests, ${d.baseFiles.length} base files, ${d.generationFiles.length} generation files, ${d.walEntries.length} WAL entries); ` +
      `kept everything current within ${opts.olderThan ?? DEFAULT_GC_RETENTION}, every tag and the newest version`);
    if (report.dryRun) for (const path of [...d.manifests, ...d.baseFiles, ...d.generationFiles, ...d.walEntries]) ctx.say(`  ${path}`);
  } finally {
    bar.stop();
    opened.close();
  }
}

export async function tagCommand(ctx: Context, uri: string, name: string): Promise<void> {
  if (!TAG_NAME.test(name)) throw new UsageError(`bad tag name "${name}"`, 'use letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 128 characters)');
  const opened = await openTable(uri, ctx.cwd);
  try {
    const doc = await tag(opened.table, name);
    const version = { baseVersion: doc.baseVersion, shardVersions: Object.keys(doc.shardVersions).sort((a, b) => Number(a) - Number(b)).map((s) => doc.shardVersions[s]) };
    ctx.emit({ uri, tag: doc });
    ctx.say(`tagged table version ${formatTableVersion(version)} (base:shards) of ${opened.table.store.uri} as "${name}"; gc keeps it`);
  } finally {
    opened.close();
  }
}

/**
 * `rollback <uri> <target>`: a tag name, a table version `3:8,5` (as `inspect`
 * prints them), or a base version number `3` / `v3` (the table as it was right
 * after base version 3 was committed).
 */
export async function resolveTarget(table: Table, target: string): Promise<string | TableVersion> {
  const explicit = /^v?(\d+):(\d+(?:,\d+)*)$/.exec(target);
  if (explicit) return { baseVersion: Number(explicit[1]), shardVersions: explicit[2].split(',').map(Number) };
  const base = /^v?(\d+)$/.exec(target);
  if (base) {
    const n = Number(base[1]);
    const found = (await versions(table)).find((v) => v.manifest === 'base' && v.version === n);
    if (!found) throw new UsageError(`base version ${n} is not stored`, 'list versions with `freshtier inspect <uri>` (gc may have pruned old ones; tag versions you want to keep)');
    return { baseVersion: found.baseVersion, shardVersions: found.shardVersions };
  }
  if (TAG_NAME.test(target)) return target;
  throw new UsageError(`"${target}" is neither a version nor a tag name`, 'pass a tag (`freshtier tags <uri>` lists them), a table version like 3:8,5, or a base version like 3 (see `freshtier inspect`)');
}

export async function rollbackCommand(ctx: Context, uri: string, target: string): Promise<void> {
  const opened = await openTable(uri, ctx.cwd);
  const bar = ctx.progress();
  try {
    const { table } = opened;
    const ref = await resolveTarget(table, target);
    if (typeof ref !== 'string' && ref.shardVersions.length !== table.shardCount) {
      throw new UsageError(`table version ${target} names ${ref.shardVersions.length} shard version(s), the table has ${table.shardCount} shards`, 'copy a version from `freshtier inspect <uri>`');
    }
    bar.start('rollback', table.shardCount + 1, 'items');
    let steps = 0;
    const result = await rollback(table, ref, {
      onStep: (s) => {
        if (s.step === 'generation-raised' || s.step === 'committed') bar.update(++steps, s.step);
      },
    });
    bar.stop();
    ctx.emit({ uri, requested: target, ...result });
    ctx.say(`rolled ${table.store.uri} back to ${typeof ref === 'string' ? `tag "${ref}" (table version ${formatTableVersion(result.target)})` : `table version ${formatTableVersion(result.target)}`} with base version ${result.baseVersion}`);
    const excluded = Object.entries(result.excluded).map(([s, r]) => `shard ${s}: generations ${r.above + 1}..${r.below - 1}`);
    if (excluded.length) ctx.say(`  excluded: ${excluded.join('; ')}`);
    ctx.note('writers that were open on this table are fenced (ShardFencedError): reopen them to write on top of the rolled-back version');
  } finally {
    bar.stop();
    opened.close();
  }
}
