/**
 * Reading many ranges of one open file (`LocalStore.getRanges`): ranges closer than
 * {@link SPAN_GAP} are read by one positional read and cut apart, because on a local
 * disk another read call costs more than copying a few KiB of page cache. Each range is
 * clipped at the end of the file as `getRange` clips it.
 */
import type { FileHandle } from 'node:fs/promises';

/** Ranges less than this many bytes apart are read by one call. */
export const SPAN_GAP = 64 << 10;
/** Largest span read by one call. */
const MAX_SPAN = 8 << 20;

/**
 * The bytes of each `[offset, length]` range of `fh`, in the order given.
 *
 * @example
 * ```ts
 * const [a, b] = await readRanges(fh, [[0, 100], [4096, 200]]);
 * ```
 */
export async function readRanges(fh: FileHandle, ranges: readonly (readonly [number, number])[]): Promise<Uint8Array[]> {
  const size = (await fh.stat()).size;
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a][0] - ranges[b][0]);
  const spans: { start: number; end: number; members: number[] }[] = [];
  for (const i of order) {
    const start = Math.min(ranges[i][0], size);
    const end = Math.min(ranges[i][0] + ranges[i][1], size);
    const cur = spans[spans.length - 1];
    if (cur && start - cur.end <= SPAN_GAP && Math.max(end, cur.end) - cur.start <= MAX_SPAN) {
      cur.end = Math.max(cur.end, end);
      cur.members.push(i);
    } else spans.push({ start, end, members: [i] });
  }
  const out: Uint8Array[] = new Array(ranges.length);
  await Promise.all(spans.map(async (span) => {
    const buf = await readSpan(fh, span.start, span.end);
    for (const i of span.members) {
      const start = Math.min(ranges[i][0], size) - span.start;
      out[i] = buf.subarray(start, Math.min(start + ranges[i][1], buf.length));
    }
  }));
  return out;
}

async function readSpan(fh: FileHandle, start: number, end: number): Promise<Uint8Array> {
  const buf = new Uint8Array(end - start);
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
    if (bytesRead === 0) break; // the file shrank under us (edited by hand): what was read
    done += bytesRead;
  }
  return done === buf.length ? buf : buf.subarray(0, done);
}
