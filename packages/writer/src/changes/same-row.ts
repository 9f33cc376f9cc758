/**
 * Whether two rows of the same schema hold the same values, column by column — the test
 * the change feed uses to tell an update from a rewrite of identical values. Values are
 * compared exactly: `Object.is` for numbers (so -0 differs from 0 and NaN equals NaN, as
 * keys do), bytes for binary, element by element for lists and structs.
 */
import type { RecordBatch } from 'apache-arrow';

/**
 * True when row `i` of `a` and row `j` of `b` are equal in every column.
 *
 * @example
 * ```ts
 * if (!sameRow(before, 3, after, 0)) emit('update_before', 'update_after');
 * ```
 */
export function sameRow(a: RecordBatch, i: number, b: RecordBatch, j: number): boolean {
  for (let c = 0; c < a.numCols; c++) {
    if (!sameValue(a.getChildAt(c)!.get(i), b.getChildAt(c)!.get(j))) return false;
  }
  return true;
}

function sameValue(x: unknown, y: unknown): boolean {
  if (Object.is(x, y)) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  const xs = toEntries(x);
  const ys = toEntries(y);
  return xs.length === ys.length && xs.every(([k, v], n) => k === ys[n][0] && sameValue(v, ys[n][1]));
}

/** Lists (Vectors, arrays) by position, structs and maps by key. */
function toEntries(v: object): [string, unknown][] {
  if (Symbol.iterator in v && !(v instanceof Map)) return [...(v as Iterable<unknown>)].map((e, n) => [String(n), e]);
  const json = (v as { toJSON?: () => unknown }).toJSON?.() ?? v;
  return Object.entries(json as Record<string, unknown>);
}
