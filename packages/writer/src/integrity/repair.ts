/**
 * `repair`: the one explicit way to act on damage `verify` found (DESIGN.md invariant
 * 13). A dry run unless `apply` is set; every plan says exactly what it would drop.
 *
 * 1. Verify the newest version (verify.ts).
 * 2. Plan one action per damaged object (or per damaged generation):
 *    - WAL entry: set it aside, naming the rows lost (repair-wal.ts);
 *    - flushed generation data file or key index: rebuild from its WAL entries when
 *      they are all still stored (repair-files.ts); nothing is lost;
 *    - base key index: rebuild from the base data file; nothing is lost;
 *    - base data file: rebuild from the inputs of the compaction that wrote it, while GC
 *      has kept them (repair-base-file.ts); nothing is lost;
 *    - tag: delete it (the name is lost; its version is untouched);
 *    - anything else (manifests, `_table.json`, base files whose inputs GC collected,
 *      generations whose WAL was collected): no action; restore from a backup, or roll back.
 * 3. With `apply`: per shard that needs it, claim the shard's next epoch (this fences a
 *    live writer of that shard: run repair with the writers stopped), run the actions,
 *    then verify again and report what remains.
 */
import { randomUUID } from 'node:crypto';
import { describeDamagedEntry, isFreshtierError, isSchemaAncestor, layout, parseOptions, type BaseFile, type FlushedGeneration, type Table } from '@freshtier/core';
import { z } from 'zod';
import { deleteTag } from '../maintenance/versions.js';
import { claimEpoch, type ShardHead } from '../shard/fencing.js';
import { baseFileRebuild } from './repair-base-file.js';
import { generationFromWal, rebuildBaseKeyIndex, replaceGeneration } from './repair-files.js';
import { damagedAtRest, lostRowsOf, setAsideWalEntry, type LostRows } from './repair-wal.js';
import { verify, type DamagedObject } from './verify.js';

/**
 * One planned (or applied) repair.
 *
 * @example
 * ```ts
 * const report = await repair(table); // a dry run
 * for (const a of report.actions) console.log(a.action, a.path, a.description);
 * ```
 */
export interface RepairAction {
  readonly path: string;
  readonly action: 'set-aside-wal-entry' | 'rebuild-generation' | 'rebuild-key-index' | 'rebuild-base-file' | 'delete-tag' | 'none';
  readonly shard?: number;
  /** What the action does and what it loses; for `none`, why nothing can be done here and what to do instead. */
  readonly description: string;
  /** For a WAL entry: the rows setting it aside drops. */
  readonly lost?: LostRows;
  readonly applied: boolean;
}

/**
 * What `repair` planned and did.
 *
 * @example
 * ```ts
 * const report: RepairReport = await repair(table, { apply: true });
 * if (report.remaining.length) process.exitCode = 1;
 * ```
 */
export interface RepairReport {
  readonly applied: boolean;
  readonly actions: readonly RepairAction[];
  /** Damage left after the repair (after applying: found by a second verify). */
  readonly remaining: readonly DamagedObject[];
}

/**
 * Options of {@link repair}.
 *
 * @example
 * ```ts
 * const opts: RepairOptions = { apply: true, shard: 0 };
 * ```
 */
export interface RepairOptions {
  /** Act; without it, only plan (a dry run). */
  readonly apply?: boolean;
  /** Only repair objects of this shard (tags and table-wide objects are always planned). */
  readonly shard?: number;
}

const optionsSchema = z.strictObject({ apply: z.boolean().optional(), shard: z.number().int().nonnegative().optional() });

interface Planned extends Omit<RepairAction, 'applied'> {
  run?(epoch: number, head: ShardHead): Promise<void>;
}

/**
 * Plans the repair of every damaged object of the newest version and, with `apply`,
 * carries it out (see the module doc).
 *
 * @example
 * ```ts
 * const plan = await repair(table);                 // dry run: what would be done and lost
 * const done = await repair(table, { apply: true }); // do it
 * ```
 */
export async function repair(table: Table, options: RepairOptions = {}): Promise<RepairReport> {
  const opts = parseOptions(optionsSchema, options, 'repair options');
  const found = await verify(table);
  const damaged = found.damaged.filter((d) => opts.shard === undefined || d.shard === undefined || d.shard === opts.shard);
  const plans = await planAll(table, damaged);
  if (!opts.apply) return { applied: false, actions: plans.map(({ run: _, ...a }) => ({ ...a, applied: false })), remaining: found.damaged };
  const actions = await applyAll(table, plans);
  return { applied: true, actions, remaining: (await verify(table)).damaged };
}

async function planAll(table: Table, damaged: readonly DamagedObject[]): Promise<Planned[]> {
  const plans: Planned[] = [];
  const generations = new Set<string>();
  const damagedPaths = new Set(damaged.map((d) => d.path));
  for (const d of damaged) {
    if (d.kind === 'key-index' && d.generation === undefined && (await baseDataFileDamaged(table, d.path, damagedPaths))) continue; // rebuilt with its data file
    if (d.generation !== undefined && d.shard !== undefined) {
      const id = `${d.shard}/${d.generation}`;
      if (generations.has(id)) continue; // its data file and key index: one rebuild
      generations.add(id);
    }
    plans.push(await planOne(table, d));
  }
  return plans;
}

/** Whether the base data file of this key index is damaged too (its rebuild writes a new index). */
async function baseDataFileDamaged(table: Table, keyIndexPath: string, damaged: ReadonlySet<string>): Promise<boolean> {
  const file = (await table.baseManifests.latest()).doc.files.find((f) => f.keyIndexPath === keyIndexPath);
  return file !== undefined && damaged.has(file.path);
}

async function planOne(table: Table, d: DamagedObject): Promise<Planned> {
  switch (d.kind) {
    case 'wal-entry': return planWalEntry(table, d);
    case 'data-file':
    case 'key-index': return d.generation !== undefined ? planGeneration(table, d) : planBaseFile(table, d);
    case 'tag': return planTag(table, d);
    default: return none(d, `restore ${d.path} from a backup (${d.kind === 'table' ? 'nothing in the table can be read without it' : 'a manifest version is the only record of its commit'})`);
  }
}

function none(d: DamagedObject, description: string): Planned {
  return { path: d.path, shard: d.shard, action: 'none', description };
}

async function planWalEntry(table: Table, d: DamagedObject): Promise<Planned> {
  const bytes = await damagedAtRest(table.store, d.path, d.shard!);
  if (!bytes) return none(d, 'it read back intact a second time (a bad read, not damage): run verify again');
  const parsed = layout.parse(d.path);
  if (parsed?.kind !== 'wal-entry') return none(d, 'not a WAL entry path');
  const { position } = parsed;
  const lost = lostRowsOf(table, bytes, d.path);
  return {
    path: d.path, shard: d.shard, action: 'set-aside-wal-entry', lost,
    description: `move it to shards/${d.shard}/wal-quarantine/ and fill its position with a repaired fence; ${describeDamagedEntry(bytes, 'unknown')}; ${describeKeys(lost)} LOST`,
    run: async (epoch) => void (await setAsideWalEntry(table, d.shard!, position, bytes, epoch)),
  };
}

function describeKeys(lost: LostRows): string {
  if (!lost.known) return 'its rows (unknown) are';
  const rows = lost.batches.reduce((n, b) => n + (b.rows ?? 0), 0);
  return lost.keysComplete ? `these ${rows} row(s) are` : `at least ${rows} row(s) (keys listed where they decode) are`;
}

async function planGeneration(table: Table, d: DamagedObject): Promise<Planned> {
  const head = await table.shardManifests(d.shard!).latest();
  const flushed = head.doc.flushed.find((f) => f.generation === d.generation);
  if (!flushed) return none(d, `generation ${d.generation} is no longer in the shard manifest: run verify again`);
  const lossy = rebuildLoss(table, flushed.file.schemaVersion ?? 0);
  if (lossy) return none(d, `${lossy}: restore ${d.path} from a backup`);
  const rebuilt = await generationFromWal(table, d.shard!, flushed).catch((e: unknown) => {
    // a WAL value the current schema cannot hold (a widening undone): no rebuild, never a silent change
    if (isFreshtierError(e, 'SCHEMA_MISMATCH')) return { reason: `its WAL batches do not fit the current schema (${(e as Error).message})` };
    throw e;
  });
  if ('reason' in rebuilt) return none(d, `${rebuilt.reason}: restore ${d.path} from a backup, or roll back to a version before generation ${d.generation}`);
  return {
    path: d.path, shard: d.shard, action: 'rebuild-generation',
    description: `rebuild generation ${d.generation} of shard ${d.shard} (${flushed.file.rows} rows) from its ${rebuilt.slot.memtable.batchCount} WAL batch(es) into a new directory and swap it into the shard manifest; nothing is lost`,
    run: async (epoch, shardHead) => void (await replaceGeneration(table, shardHead, epoch, flushed as FlushedGeneration, rebuilt.slot)),
  };
}

/**
 * Why rebuilding a generation written at schema version `version` at the table's current
 * schema would change its rows (undefined: it would not). Its WAL batches are projected onto
 * the current schema, which is exact along the line of changes that led to it, except for
 * columns dropped since: a rollback past the drop would find them empty.
 */
function rebuildLoss(table: Table, version: number): string | undefined {
  const ts = table.schemaState;
  if (version === ts.version) return undefined;
  if (!isSchemaAncestor(ts, version)) return `it was written at schema version ${version}, which a rollback undid: its rows may not fit the current schema`;
  const current = new Set(ts.fields.map((f) => f.id));
  const dropped = [...(ts.history.get(version) ?? new Map<string, number>())].filter(([, id]) => !current.has(id)).map(([name]) => name);
  return dropped.length ? `it was written at schema version ${version} with column(s) ${dropped.join(', ')} the current schema dropped: a rebuild at the current schema would lose them` : undefined;
}

async function planBaseFile(table: Table, d: DamagedObject): Promise<Planned> {
  const base = await table.baseManifests.latest();
  const file = base.doc.files.find((f) => f.path === d.path || f.keyIndexPath === d.path);
  if (!file) return none(d, `${d.path} is no longer in the newest base version: run verify again`);
  if (d.kind === 'data-file') return planBaseDataFile(table, d, file);
  return {
    path: d.path, shard: d.shard, action: 'rebuild-key-index',
    description: `rebuild the key index from ${file.path} (${file.rows} rows); nothing is lost`,
    run: () => rebuildBaseKeyIndex(table, file),
  };
}

async function planBaseDataFile(table: Table, d: DamagedObject, file: BaseFile): Promise<Planned> {
  const rebuild = await baseFileRebuild(table, file);
  if ('reason' in rebuild) return none(d, `${rebuild.reason}: restore ${d.path} from a backup, or roll back to a base version before the compaction that wrote it`);
  return {
    path: d.path, shard: d.shard, action: 'rebuild-base-file',
    description: `rebuild it (${rebuild.rows} rows) from the inputs of the compaction that wrote it — the base files it replaced and the generations it merged, still stored — as a new base file swapped in by one base commit; nothing is lost`,
    run: async () => void (await rebuild.write()),
  };
}

function planTag(table: Table, d: DamagedObject): Planned {
  const name = d.path.replace(/^_tags\//, '').replace(/\.json$/, '');
  return {
    path: d.path, action: 'delete-tag',
    description: `delete tag "${name}": its name is lost (the version it named is untouched and can be tagged again); or restore ${d.path} from a backup`,
    run: () => deleteTag(table, name),
  };
}

/** Step 3: one epoch per shard that needs one, actions in plan order. */
async function applyAll(table: Table, plans: readonly Planned[]): Promise<RepairAction[]> {
  const heads = new Map<number, ShardHead>();
  const out: RepairAction[] = [];
  for (const { run, ...action } of plans) {
    if (!run) {
      out.push({ ...action, applied: false });
      continue;
    }
    const fences = action.action === 'set-aside-wal-entry' || action.action === 'rebuild-generation'; // shard-manifest and WAL changes
    let head = fences ? heads.get(action.shard!) : undefined;
    if (fences && !head) {
      head = await claimEpoch(table, action.shard!, `repair-${randomUUID()}`);
      heads.set(action.shard!, head);
    }
    await run(head?.doc.epoch ?? -1, head!);
    if (head && action.action === 'rebuild-generation') heads.set(action.shard!, await table.shardManifests(action.shard!).latest());
    out.push({ ...action, applied: true });
  }
  return out;
}
