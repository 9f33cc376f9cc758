/**
 * JSON text with exact integers. `JSON.stringify` cannot write a bigint, and turning
 * an int64 into a number rounds it above 2^53 while turning only the big ones into
 * strings gives one column two JSON types (DuckDB's `read_json` then types it JSON).
 * Here a bigint is always written as its exact digits, a JSON number of any size, so
 * an int64 or uint64 column is a column of JSON numbers whatever its values; the
 * CLI's own JSON Lines input (json-line.ts) reads them back exactly.
 */

/**
 * Like `JSON.stringify(value, null, indent)`, but a bigint (at any depth) is written
 * as an exact JSON number instead of throwing.
 *
 * @example
 * ```ts
 * exactJson({ id: 9223372036854775807n, n: 1 }); // '{"id":9223372036854775807,"n":1}'
 * ```
 */
export function exactJson(value: unknown, indent?: number): string {
  return write(value, indent ? ' '.repeat(indent) : '', '') ?? 'null';
}

/**
 * A finite number as text that reads back as the same number: `String(-0)` is "0",
 * which lost the sign of a float -0 (Parquet and Arrow exports keep it); "-0" is
 * valid JSON number text and reads back as -0.
 *
 * @example
 * ```ts
 * numberText(-0); // '-0'
 * ```
 */
export function numberText(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** One value as JSON text, or undefined where `JSON.stringify` leaves it out (undefined, functions). */
function write(value: unknown, step: string, at: string): string | undefined {
  const v = toJsonable(value);
  switch (typeof v) {
    case 'bigint': return v.toString();
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? numberText(v) : 'null';
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': case 'function': case 'symbol': return undefined;
  }
  if (v === null) return 'null';
  const inner = at + step;
  const open = step ? `\n${inner}` : '';
  const close = step ? `\n${at}` : '';
  const sep = step ? `,\n${inner}` : ',';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${open}${v.map((x) => write(x, step, inner) ?? 'null').join(sep)}${close}]`;
  }
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const text = write(x, step, inner);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${step ? ' ' : ''}${text}`);
  }
  return parts.length ? `{${open}${parts.join(sep)}${close}}` : '{}';
}

/** What `JSON.stringify` would serialize in place of `v` (its `toJSON()`, the primitive of a boxed value). */
function toJsonable(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON(): unknown }).toJSON();
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return v.valueOf();
  return v;
}
