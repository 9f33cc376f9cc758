/**
 * `verify` and `repair` over `@freshtier/writer` (DESIGN.md invariant 13, docs/format.md
 * "Integrity"): `verify` reads every object a table version needs and lists the damaged
 * ones with what they affect (exit 1 if any); `repair` plans what can be done about each
 * (a dry run) and does it with `--apply` — the one way damaged data is ever dropped.
 */
import { repair, verify, type RepairAction, type VerifyReport } from '@freshtier/writer';
import type { Context } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { formatBytes } from '../progress.js';
import { openTable } from '../table-uri.js';
import { formatTableVersion, resolveTarget } from './maintenance.js';

/**
 * `freshtier verify <uri> [--version v | --tag t]`: returns the exit code (1 when anything is damaged).
 *
 * @example
 * ```ts
 * const code = await verifyCommand(ctx, './t', { tag: 'nightly' });
 * ```
 */
export async function verifyCommand(ctx: Context, uri: string, opts: { version?: string; tag?: string }): Promise<number> {
  if (opts.version !== undefined && opts.tag !== undefined) throw new UsageError('--version and --tag both given', 'check one table version: pass only one of them');
  const opened = await openTable(uri, ctx.cwd, { forRepair: true });
  const bar = ctx.progress();
  try {
    const { table } = opened;
    const ref = opts.version !== undefined ? await resolveTarget(table, opts.version) : undefined;
    if (typeof ref === 'string') throw new UsageError(`--version ${opts.version} is not a version`, 'pass a table version like 3:8,5 or a base version like 3 (see `freshtier inspect`); a tag goes in --tag');
    let started = false;
    const report = await verify(table, {
      ...(ref ? { version: ref } : {}), ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
      onProgress: (p) => {
        if (!started) bar.start('verifying', p.total, 'items');
        started = true;
        bar.update(p.done, `objects · ${formatBytes(p.bytesRead)} read`);
      },
    });
    bar.stop();
    ctx.emit({ uri, ...report });
    sayVerify(ctx, table.store.uri, report);
    return report.ok ? EXIT.ok : EXIT.error;
  } finally {
    bar.stop();
    opened.close();
  }
}

function sayVerify(ctx: Context, uri: string, r: VerifyReport): void {
  const version = r.version ? `table version ${formatTableVersion(r.version)}` : 'the tagged version (its tag is damaged)';
  ctx.say(`verify ${uri}, ${version}: ${r.checked} object(s) checked, ${formatBytes(r.bytesRead)} read, ${r.damaged.length} damaged`);
  for (const d of r.damaged) {
    ctx.say(`  DAMAGED ${d.kind} ${d.path}: ${d.error}`);
    ctx.say(`    affects: ${d.affects}`);
  }
  if (!r.ok) ctx.say(`see what can be repaired: freshtier repair ${uri} (a dry run; --apply acts)`);
}

/**
 * `freshtier repair <uri> [--shard n] [--apply]`: returns the exit code (1 while damage remains:
 * after a dry run, whenever something is damaged).
 *
 * @example
 * ```ts
 * const code = await repairCommand(ctx, './t', { apply: true });
 * ```
 */
export async function repairCommand(ctx: Context, uri: string, opts: { shard?: number; apply?: boolean }): Promise<number> {
  const opened = await openTable(uri, ctx.cwd, { forRepair: true });
  try {
    const { table } = opened;
    if (opts.shard !== undefined && opts.shard >= table.shardCount) throw new UsageError(`--shard ${opts.shard} does not exist`, `the table has shards 0..${table.shardCount - 1}`);
    const report = await repair(table, { apply: opts.apply === true, ...(opts.shard !== undefined ? { shard: opts.shard } : {}) });
    ctx.emit({ uri, ...report });
    if (report.actions.length === 0) ctx.say(`repair ${table.store.uri}: nothing is damaged`);
    for (const a of report.actions) sayAction(ctx, a, report.applied);
    if (!report.applied && report.actions.some((a) => a.action !== 'none')) ctx.say(`this was a dry run: nothing changed. Run again with --apply to do it (stop the table's writers first: applying fences them)`);
    if (report.applied && report.remaining.length) ctx.say(`still damaged: ${report.remaining.map((d) => d.path).join(', ')}`);
    return report.remaining.length === 0 ? EXIT.ok : EXIT.error;
  } finally {
    opened.close();
  }
}

function sayAction(ctx: Context, a: RepairAction, applied: boolean): void {
  const verb = a.action === 'none' ? 'NO ACTION' : applied ? 'DONE' : 'WOULD';
  ctx.say(`${verb} ${a.action} ${a.path}: ${a.description}`);
  if (!a.lost) return;
  for (const b of a.lost.batches) ctx.say(`    lost batch: generation ${b.generation} batch ${b.batchIndex} (${b.op}${b.rows !== undefined ? `, ${b.rows} rows` : ''})`);
  const shown = a.lost.keys.slice(0, 20);
  if (shown.length) ctx.say(`    lost keys${a.lost.keysComplete ? '' : ' (those that decode)'}: ${shown.join(' ')}${a.lost.keys.length > shown.length ? ` … (${a.lost.keys.length} in all; --json lists every one)` : ''}`);
}
