/**
 * Reading the table layout back: what a key is (layout.ts builds the names, this
 * recognises exactly those). Maintenance classifies every listed key here and
 * leaves alone what it does not recognise: a file a person put under the root,
 * another tool's object, a name of a layout this build does not know
 * (DESIGN.md invariant 16: GC deletes only names of the layout it created).
 */

/**
 * The role of a file inside a data-file pair: the Parquet data or its key index.
 *
 * @example
 * ```ts
 * const key = 'base/data/0b6f2a.parquet';
 * const role: DataFileRole = layout.parse(key)?.kind === 'base-data' ? 'data' : 'key-index';
 * ```
 */
export type DataFileRole = 'data' | 'key-index';

/**
 * What a key of the table layout is.
 * `epoch` of a generation or ingest file is the epoch of the writer that wrote it;
 * undefined for names written before the epoch was part of them.
 *
 * @example
 * ```ts
 * const k: ParsedKey = { kind: 'generation-file', shard: 0, generation: 7, epoch: 3, role: 'data', dir: 'shards/0/gen-7-e3-1a2b3c4d/' };
 * ```
 */
export type ParsedKey =
  | { readonly kind: 'table-doc' }
  | { readonly kind: 'manifest'; readonly shard: number | undefined; readonly version: number }
  | { readonly kind: 'manifest-hint'; readonly shard: number | undefined }
  | { readonly kind: 'wal-entry'; readonly shard: number; readonly position: number }
  | { readonly kind: 'wal-quarantine'; readonly shard: number; readonly position: number; readonly epoch: number }
  | { readonly kind: 'base-data'; readonly role: DataFileRole }
  | { readonly kind: 'generation-file'; readonly shard: number; readonly generation: number; readonly epoch: number | undefined; readonly role: DataFileRole; readonly dir: string }
  | { readonly kind: 'ingest-file'; readonly shard: number; readonly epoch: number | undefined; readonly role: DataFileRole; readonly dir: string }
  | { readonly kind: 'tag'; readonly name: string };

/**
 * The kinds of {@link ParsedKey}.
 *
 * @example
 * ```ts
 * const deletable: LayoutKind[] = ['base-data', 'generation-file', 'ingest-file'];
 * ```
 */
export type LayoutKind = ParsedKey['kind'];

const N = '(0|[1-9][0-9]{0,14})'; // a number as layout.ts writes it (no sign, no leading zero), at most 15 digits: always a safe integer
const V20 = '([0-9]{20})'; // pad20
const HEX8 = '[0-9a-f]{8}';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// key indexes are `.keys.ftk`; `.keys.arrow` is their name in tables written before (still read, still collected)
const FILE = '(data\\.parquet|data\\.keys\\.ftk|data\\.keys\\.arrow)';

type Build = (m: RegExpExecArray) => ParsedKey | undefined;

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
};
const role = (file: string): DataFileRole => (file === 'data.parquet' ? 'data' : 'key-index');
const dirOf = (m: RegExpExecArray) => m[0].slice(0, m[0].lastIndexOf('/') + 1);

/** Every name the engine writes, with how to read it (anchored: the whole key must match). */
const PATTERNS: readonly [RegExp, Build][] = [
  [/^_table\.json$/, () => ({ kind: 'table-doc' })],
  [new RegExp(`^base/_manifests/v${V20}\\.json$`), (m) => some(num(m[1]), (version) => ({ kind: 'manifest', shard: undefined, version }))],
  [new RegExp(`^shards/${N}/_manifests/v${V20}\\.json$`), (m) => some(num(m[2]), (version) => ({ kind: 'manifest', shard: num(m[1])!, version }))],
  [/^base\/_manifests\/_latest$/, () => ({ kind: 'manifest-hint', shard: undefined })],
  [new RegExp(`^shards/${N}/_manifests/_latest$`), (m) => ({ kind: 'manifest-hint', shard: num(m[1])! })],
  [new RegExp(`^shards/${N}/wal/${V20}\\.(ftw|arrow)$`), (m) => some(num(m[2]), (position) => ({ kind: 'wal-entry', shard: num(m[1])!, position }))],
  [new RegExp(`^shards/${N}/wal-quarantine/${V20}-by-epoch-${N}\\.(ftw|arrow)$`), (m) => some(num(m[2]), (position) => ({ kind: 'wal-quarantine', shard: num(m[1])!, position, epoch: num(m[3])! }))],
  [new RegExp(`^base/data/${UUID}\\.(parquet|keys\\.ftk|keys\\.arrow)$`), (m) => ({ kind: 'base-data', role: m[1] === 'parquet' ? 'data' : 'key-index' })],
  [new RegExp(`^shards/${N}/gen-${N}-e${N}-${HEX8}/${FILE}$`), (m) => ({ kind: 'generation-file', shard: num(m[1])!, generation: num(m[2])!, epoch: num(m[3])!, role: role(m[4]), dir: dirOf(m) })],
  [new RegExp(`^shards/${N}/gen-${N}-${HEX8}/${FILE}$`), (m) => ({ kind: 'generation-file', shard: num(m[1])!, generation: num(m[2])!, epoch: undefined, role: role(m[3]), dir: dirOf(m) })],
  [new RegExp(`^shards/${N}/ingest-e${N}-${UUID}/${FILE}$`), (m) => ({ kind: 'ingest-file', shard: num(m[1])!, epoch: num(m[2])!, role: role(m[3]), dir: dirOf(m) })],
  [new RegExp(`^shards/${N}/ingest-${UUID}/${FILE}$`), (m) => ({ kind: 'ingest-file', shard: num(m[1])!, epoch: undefined, role: role(m[2]), dir: dirOf(m) })],
  [/^_tags\/([^/]+)\.json$/, (m) => ({ kind: 'tag', name: m[1] })],
];

function some<T>(n: number | undefined, f: (n: number) => T): T | undefined {
  return n === undefined ? undefined : f(n);
}

/**
 * What `key` is in the table layout, or undefined if freshtier never writes that name
 * (so no maintenance command may delete it). Available as `layout.parse`.
 *
 * @example
 * ```ts
 * layout.parse('shards/0/gen-7-e3-1a2b3c4d/data.parquet'); // { kind: 'generation-file', shard: 0, generation: 7, epoch: 3, … }
 * layout.parse('base/data/notes.txt');                     // undefined
 * ```
 */
export function parseKey(key: string): ParsedKey | undefined {
  for (const [pattern, build] of PATTERNS) {
    const m = pattern.exec(key);
    if (m) return build(m);
  }
  return undefined;
}
