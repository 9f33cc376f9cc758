/**
 * Key lookups in stored key indexes that read only what they need. For a blocked
 * `FTK3` index (format/key-index-blocks.ts) the header and directory are read once
 * (one ranged read of {@link HEAD_BYTES}, a second only for a larger directory) and
 * cached with the first blocks that came in the same read; then a lookup of k keys reads
 * only the <= k blocks whose key range holds one of them, with ranged reads that merge
 * blocks closer than {@link MERGE_GAP} bytes (one `getRanges` call per index where the
 * store has it), and caches each block. Older `FTK2`/`FTKZ` indexes, which cannot be read in parts, are
 * fetched whole and cached whole, as before.
 *
 * Every byte is verified before use: the directory by the header CRC, each block by its
 * own CRC, and a block's bytes must lie inside the object its header describes.
 */
import { CorruptEntryError } from '../errors.js';
import { fenceAtOrBefore, readBlock, readDirectory, withinLast, type BlockDirectory } from '../format/key-block-directory.js';
import { entryAt, findInBlock, type BlockView } from '../format/key-block-view.js';
import { FTK3_HEADER, isBlockedKeyIndex, readHeader } from '../format/key-index-blocks.js';
import { decodeKeyIndex, findKey, type KeyIndex } from '../format/key-index.js';
import type { ByteLru } from './byte-lru.js';
import { checkIndexIdentity, checkWholeIndex } from './index-identity.js';

/** Bytes of the first ranged read of an index: the header and, usually, the whole directory. */
export const HEAD_BYTES = 64 << 10;
/** Blocks closer than this are fetched by one ranged read (one request beats two small ones). */
export const MERGE_GAP = 1 << 10;
/** Largest single ranged read of blocks. */
const MAX_RANGE = 1 << 20;
/** Ranged reads in flight per index when the store reads one range per request (S3 and local disks both gain from a few in parallel). */
export const PARALLEL = 8;

/**
 * A key's entry in one file's index.
 *
 * @example
 * ```ts
 * const hit: KeyEntry = { row: 12, firstBatch: 0, tombstone: false };
 * ```
 */
export interface KeyEntry {
  readonly row: number;
  readonly firstBatch: number;
  readonly tombstone: boolean;
}

/** What is cached per index object: a whole decoded index, or the directory of a blocked one. */
export type CachedIndex = { kind: 'full'; index: KeyIndex } | { kind: 'blocked'; dir: BlockDirectory; prefix: Uint8Array } | { kind: 'block'; view: BlockView; bytes: number };

/**
 * What the lookups need from their reader: ranged and whole reads that count bytes,
 * the shared cache, and whether the table's indexes all carry checksums.
 */
export interface IndexIo {
  getRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** Several ranges of one object (the store's `getRanges`, else `getRange` each, a few at a time). */
  getRanges(path: string, ranges: readonly (readonly [number, number])[]): Promise<Uint8Array[]>;
  get(path: string): Promise<Uint8Array>;
  readonly cache: ByteLru<CachedIndex>;
  readonly checksummed: boolean;
  /** Called once per index object read from the store (a directory or a whole index). */
  counted(kind: 'index' | 'block', n: number): void;
}

/**
 * The entry of key `keys[c]` for every `c` of `cands` in the index at `path`
 * (`undefined`: not in this file).
 *
 * @example
 * ```ts
 * const hits = await lookupKeys(io, file.keyIndexPath!, keys, [0, 1, 2], inFlight);
 * ```
 */
export async function lookupKeys(io: IndexIo, path: string, keys: { bytes: Uint8Array; offsets: ArrayLike<number> }, cands: readonly number[], inFlight: Map<string, Promise<CachedIndex>>, file?: IndexOwner): Promise<(KeyEntry | undefined)[]> {
  const meta = await indexMeta(io, path, inFlight);
  if (file) checkOwner(file, meta);
  const { bytes, offsets } = keys;
  if (meta.kind !== 'blocked') return cands.map((c) => entryOf(meta.index, findKey(meta.index, bytes, offsets[c], offsets[c + 1])));
  let hint = 0; // candidates usually come in key order (the scanner sorts them once): gallop from the last block
  const blockOf = cands.map((c) => {
    const f = fenceAtOrBefore(meta.dir, bytes, offsets[c], offsets[c + 1], hint);
    hint = Math.max(f, 0);
    return withinLast(meta.dir, f, bytes, offsets[c], offsets[c + 1]);
  });
  const blocks = await loadBlocks(io, path, meta, [...new Set(blockOf.filter((b) => b >= 0))].sort((a, b) => a - b));
  return cands.map((c, j) => {
    if (blockOf[j] < 0) return undefined;
    const view = blocks.get(blockOf[j])!;
    const at = findInBlock(view, bytes, offsets[c], offsets[c + 1]);
    return at < 0 ? undefined : entryAt(view, at);
  });
}

/** The data file entry an index must match (index-identity.ts). */
export type IndexOwner = Parameters<typeof checkIndexIdentity>[0];

/** The index's key count and first and last key against its data file's entry: a few compares per lookup. */
function checkOwner(file: IndexOwner, meta: Exclude<CachedIndex, { kind: 'block' }>): void {
  if (meta.kind === 'full') return checkWholeIndex(file, meta.index);
  const d = meta.dir;
  const b = d.header.blockCount;
  checkIndexIdentity(file, d.header.keyCount, b ? [d.fenceBytes, d.fenceOffsets[0], d.fenceOffsets[1]] : undefined, b ? [d.lastBytes, d.lastOffsets[b - 1], d.lastOffsets[b]] : undefined);
}

function entryOf(index: KeyIndex, pos: number): KeyEntry | undefined {
  return pos < 0 ? undefined : { row: index.rows[pos], firstBatch: index.firstBatch[pos], tombstone: index.tombstone[pos] === 1 };
}

/** The cached directory or whole index of `path`, read once however many lookups ask at the same time. */
function indexMeta(io: IndexIo, path: string, inFlight: Map<string, Promise<CachedIndex>>): Promise<Exclude<CachedIndex, { kind: 'block' }>> {
  const hit = io.cache.get(path);
  if (hit && hit.kind !== 'block') return Promise.resolve(hit);
  let p = inFlight.get(path);
  if (!p) {
    p = readMeta(io, path).finally(() => inFlight.delete(path));
    inFlight.set(path, p);
  }
  return p as Promise<Exclude<CachedIndex, { kind: 'block' }>>;
}

async function readMeta(io: IndexIo, path: string): Promise<CachedIndex> {
  let head = await io.getRange(path, 0, HEAD_BYTES);
  io.counted('index', 1);
  const complete = head.length < HEAD_BYTES; // a clipped range: the object is all here
  if (!isBlockedKeyIndex(head)) {
    const index = decodeKeyIndex(complete ? head : await io.get(path), path, io.checksummed);
    const meta: CachedIndex = { kind: 'full', index };
    io.cache.set(path, meta, index.keyBytes.byteLength + index.count * 17 + 64);
    return meta;
  }
  const h = readHeader(head, path); // sizes bounded before the second read is sized by them
  const dirEnd = FTK3_HEADER + h.directoryBytes;
  if (head.length < dirEnd && !complete) head = concat(head, await io.getRange(path, head.length, dirEnd - head.length));
  const dir = readDirectory(head, path);
  const objectEnd = dir.blockStart[h.blockCount];
  if (complete && head.length !== objectEnd) throw new CorruptEntryError(path, `key index is ${head.length} bytes, its header says ${objectEnd} (cut short or extended)`);
  // the first read's bytes past the directory are the first blocks: kept, so no block is read twice
  const meta: CachedIndex = { kind: 'blocked', dir, prefix: head };
  io.cache.set(path, meta, dirBytes(dir) + head.length);
  return meta;
}

/** The blocks `need` (ascending), from the cache or read in merged ranges. */
async function loadBlocks(io: IndexIo, path: string, meta: { dir: BlockDirectory; prefix: Uint8Array }, need: number[]): Promise<Map<number, BlockView>> {
  const out = new Map<number, BlockView>();
  const missing: number[] = [];
  for (const b of need) {
    const hit = io.cache.get(`${path}#${b}`);
    if (hit?.kind === 'block') out.set(b, hit.view);
    else if (meta.dir.blockStart[b + 1] <= meta.prefix.length) keep(io, path, out, b, readBlock(meta.dir, b, meta.prefix, 0, path), 0); // the directory's entry holds (and is charged for) these bytes
    else missing.push(b);
  }
  const runs = mergeRanges(meta.dir, missing);
  const dir = meta.dir;
  const ranges = runs.map(([from, to]): [number, number] => [dir.blockStart[missing[from]], dir.blockStart[missing[to - 1] + 1] - dir.blockStart[missing[from]]]);
  const parts = ranges.length ? await io.getRanges(path, ranges) : [];
  runs.forEach(([from, to], r) => {
    const [offset, length] = ranges[r];
    const bytes = parts[r];
    if (bytes.length !== length) throw new CorruptEntryError(path, `key index cut short: ${bytes.length} of ${length} bytes at ${offset}, which its directory names`);
    io.counted('block', to - from);
    for (let m = from; m < to; m++) {
      const b = missing[m];
      // a copy per block, so a cached block never pins the whole range it came in
      const own = bytes.slice(dir.blockStart[b] - offset, dir.blockStart[b + 1] - offset);
      keep(io, path, out, b, readBlock(dir, b, own, dir.blockStart[b], path), own.byteLength);
    }
  });
  return out;
}

/** Keeps a verified block for this lookup and in the cache, charged its bytes (the view pins the range read). */
function keep(io: IndexIo, path: string, out: Map<number, BlockView>, b: number, view: BlockView, bytes: number): void {
  out.set(b, view);
  io.cache.set(`${path}#${b}`, { kind: 'block', view, bytes }, bytes + 96);
}

/** Runs of `blocks` (ascending) to read as one range each, as [from, to) indexes into `blocks`: gaps <= MERGE_GAP, length <= MAX_RANGE. */
function mergeRanges(dir: BlockDirectory, blocks: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let m = 0; m < blocks.length; m++) {
    const cur = out[out.length - 1];
    const b = blocks[m];
    if (cur && dir.blockStart[b] - dir.blockStart[blocks[cur[1] - 1] + 1] <= MERGE_GAP && dir.blockStart[b + 1] - dir.blockStart[blocks[cur[0]]] <= MAX_RANGE) cur[1] = m + 1;
    else out.push([m, m + 1]);
  }
  return out;
}

function dirBytes(dir: BlockDirectory): number {
  return dir.fenceBytes.byteLength + dir.lastBytes.byteLength + (dir.header.blockCount + 1) * 24 + 128;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
