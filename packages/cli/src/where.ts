/**
 * `--where`: a small SQL-like expression language compiled into the scanner's
 * filter API (`col`, `and`, `or`, `not`), checked against the table schema.
 *
 * ```
 * expr      := or
 * or        := and ( OR and )*
 * and       := unary ( AND unary )*
 * unary     := NOT unary | '(' expr ')' | predicate
 * predicate := column op literal                      op: = == != <> < <= > >=
 *            | column [NOT] IN '(' literal, … ')'
 *            | column IS [NOT] NULL
 *            | column [NOT] BETWEEN literal AND literal
 *            | boolColumn                             (same as boolColumn = true)
 * literal   := 123 | -4.5 | 'text' (quote '' inside) | true | false | x'00ff'
 * column    := name | "any name" | `any name`
 * ```
 * Keywords are case-insensitive. Dates and timestamps compare with quoted
 * ISO-8601 text (`ts >= '2024-05-01T00:00:00Z'`), parsed exactly to the column's unit
 * by the rules of input cells (iso-time.ts: a zone-less text is refused on a column with
 * a time zone, a fraction finer than the unit is refused), or with an integer, which
 * means what it means in an input cell: epoch milliseconds (temporal-values.ts; refused
 * where the column cannot hold it exactly). Null semantics are SQL's: a
 * comparison with null is unknown and the row is left out.
 */
import { and, col, not, or, type CompareOp, type Filter, type FilterValue } from '@freshtier/scanner';
import { Type, type DataType, type Schema } from 'apache-arrow';
import { UsageError } from './errors.js';
import { TemporalError, temporalConverter } from './temporal-values.js';
import { IsoTimeError, parseDate, parseInstant, type TimeUnitCode } from './iso-time.js';

type Tok =
  | { k: 'ident'; v: string; pos: number }
  | { k: 'kw'; v: string; pos: number }
  | { k: 'num'; v: string; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'hex'; v: string; pos: number }
  | { k: 'op'; v: string; pos: number }
  | { k: 'end'; v: ''; pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false', 'between']);
const OPS: Record<string, CompareOp> = { '=': 'eq', '==': 'eq', '!=': 'ne', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

function tokenize(src: string, fail: (pos: number, msg: string) => never): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) fail(start, `unterminated ${c === "'" ? 'string' : 'quoted name'}: add the closing ${c}`);
        if (src[i] === c) {
          if (src[i + 1] === c) { s += c; i += 2; continue; } // doubled quote = the quote itself
          i++;
          break;
        }
        s += src[i++];
      }
      out.push(c === "'" ? { k: 'str', v: s, pos: start } : { k: 'ident', v: s, pos: start });
      continue;
    }
    if ((c === 'x' || c === 'X') && src[i + 1] === "'") {
      const m = /^[xX]'([0-9a-fA-F]*)'/.exec(src.slice(i));
      if (!m || m[1].length % 2) fail(start, "bad hex literal: write bytes as x'00ff' (an even number of hex digits)");
      out.push({ k: 'hex', v: m[1], pos: start });
      i += m[0].length;
      continue;
    }
    const num = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i));
    const prev = out[out.length - 1];
    // a sign belongs to a number only where a value may start (not after a column name: `a -1` is an error anyway)
    const signAllowed = !prev || prev.k === 'op' || prev.k === 'kw';
    if (num && (/\d|\./.test(c) || signAllowed)) {
      out.push({ k: 'num', v: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    const op = /^(==|!=|<>|<=|>=|=|<|>|\(|\)|,)/.exec(src.slice(i));
    if (op) {
      out.push({ k: 'op', v: op[0], pos: start });
      i += op[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.$]*/.exec(src.slice(i));
    if (id) {
      const lower = id[0].toLowerCase();
      out.push(KEYWORDS.has(lower) ? { k: 'kw', v: lower, pos: start } : { k: 'ident', v: id[0], pos: start });
      i += id[0].length;
      continue;
    }
    fail(start, `unexpected character "${c}"`);
  }
  out.push({ k: 'end', v: '', pos: src.length });
  return out;
}

/**
 * Parses a `--where` expression into a scanner `Filter`. Throws a
 * {@link UsageError} that points at the offending spot.
 *
 * @example
 * ```ts
 * parseWhere("age > 30 and name = 'x'", table.schema); // and(col('age').gt(30), col('name').eq('x'))
 * ```
 */
export function parseWhere(src: string, schema: Schema): Filter {
  const fail = (pos: number, msg: string): never => {
    throw new UsageError(`bad --where: ${msg} (at column ${pos + 1})\n  ${src}\n  ${' '.repeat(pos)}^`,
      `write conditions like: age > 30 and (name = 'x' or name is null); columns: ${schema.fields.map((f) => f.name).join(', ')}`);
  };
  if (src.trim() === '') fail(0, 'the expression is empty');
  const toks = tokenize(src, fail);
  let p = 0;
  const peek = () => toks[p];
  const isKw = (v: string) => peek().k === 'kw' && peek().v === v;
  const isOp = (v: string) => peek().k === 'op' && peek().v === v;
  const expectOp = (v: string, what: string) => {
    if (!isOp(v)) fail(peek().pos, `expected "${v}" ${what}, found ${show(peek())}`);
    p++;
  };

  const orExpr = (): Filter => {
    const parts = [andExpr()];
    while (isKw('or')) { p++; parts.push(andExpr()); }
    return parts.length === 1 ? parts[0] : or(...parts);
  };
  const andExpr = (): Filter => {
    const parts = [unary()];
    while (isKw('and')) { p++; parts.push(unary()); }
    return parts.length === 1 ? parts[0] : and(...parts);
  };
  const unary = (): Filter => {
    if (isKw('not')) { p++; return not(unary()); }
    if (isOp('(')) {
      p++;
      const e = orExpr();
      expectOp(')', 'to close the parenthesis');
      return e;
    }
    return predicate();
  };
  const predicate = (): Filter => {
    const t = peek();
    if (t.k !== 'ident') fail(t.pos, `expected a column name, found ${show(t)}`);
    p++;
    const field = schema.fields.find((f) => f.name === t.v);
    if (!field) {
      const near = schema.fields.find((f) => f.name.toLowerCase() === t.v.toLowerCase());
      fail(t.pos, `unknown column "${t.v}"${near ? ` (did you mean "${near.name}"?)` : ''}; columns: ${schema.fields.map((f) => f.name).join(', ')}`);
    }
    const name = field!.name;
    const lit = () => literal(field!.type, name);
    if (isKw('is')) {
      p++;
      const neg = isKw('not') ? (p++, true) : false;
      if (!isKw('null')) fail(peek().pos, `expected NULL after IS${neg ? ' NOT' : ''}, found ${show(peek())}`);
      p++;
      return neg ? col(name).isNotNull() : col(name).isNull();
    }
    const negated = isKw('not') ? (p++, true) : false;
    if (isKw('in')) {
      p++;
      expectOp('(', 'after IN');
      const values = [lit()];
      while (isOp(',')) { p++; values.push(lit()); }
      expectOp(')', 'to close the IN list');
      const f = col(name).in(values);
      return negated ? not(f) : f;
    }
    if (isKw('between')) {
      p++;
      const lo = lit();
      if (!isKw('and')) fail(peek().pos, `expected AND in BETWEEN … AND …, found ${show(peek())}`);
      p++;
      const hi = lit();
      const f = and(col(name).ge(lo), col(name).le(hi));
      return negated ? not(f) : f;
    }
    if (negated) fail(peek().pos, `expected IN or BETWEEN after NOT, found ${show(peek())}`);
    const o = peek();
    // a bool column on its own is a predicate: `active`, `not active`
    if (field!.type.typeId === Type.Bool && !(o.k === 'op' && OPS[o.v])) return col(name).eq(true);
    if (o.k !== 'op' || !OPS[o.v]) fail(o.pos, `expected a comparison (=, !=, <, <=, >, >=, IN, IS NULL, BETWEEN) after "${name}", found ${show(o)}`);
    p++;
    const value = lit();
    return { kind: 'compare', column: name, op: OPS[o.v], value };
  };

  /** A literal, checked against the column type. */
  const literal = (type: DataType, column: string): FilterValue => {
    const t = peek();
    const wrong = (expected: string): never => fail(t.pos, `column "${column}" is ${String(type)}: compare it with ${expected}, found ${show(t)}`);
    if (t.k === 'kw' && t.v === 'null') fail(t.pos, `comparisons with NULL are never true; write "${column} is null" or "${column} is not null"`);
    p++;
    switch (type.typeId) {
      case Type.Int: {
        if (t.k !== 'num' || !/^[+-]?\d+$/.test(t.v)) return wrong('an integer');
        const big = (type as unknown as { bitWidth: number }).bitWidth === 64;
        return big ? BigInt(t.v) : Number(t.v);
      }
      case Type.Float:
        if (t.k !== 'num') return wrong('a number');
        return Number(t.v);
      case Type.Bool:
        if (t.k !== 'kw' || (t.v !== 'true' && t.v !== 'false')) return wrong('true or false');
        return t.v === 'true';
      case Type.Utf8: case Type.LargeUtf8:
        if (t.k !== 'str') return wrong("a quoted string like 'text'");
        return t.v;
      case Type.Binary: case Type.LargeBinary:
        if (t.k === 'hex') return new Uint8Array(Buffer.from(t.v, 'hex'));
        if (t.k === 'str') return new TextEncoder().encode(t.v);
        return wrong("bytes like x'00ff' or 'text'");
      case Type.Date: case Type.Timestamp: {
        if (t.k === 'str') return temporalLiteral(type, t.v, (msg) => fail(t.pos, msg));
        if (t.k === 'num' && /^[+-]?\d+$/.test(t.v)) return epochMillisLiteral(type, t.v, (msg) => fail(t.pos, msg));
        return wrong("a quoted ISO-8601 date like '2024-05-01T12:00:00Z'");
      }
      default:
        return wrong('nothing: --where does not support this column type');
    }
  };

  const result = orExpr();
  if (peek().k !== 'end') fail(peek().pos, `unexpected ${show(peek())}: join conditions with AND / OR`);
  return result;
}

/**
 * A quoted date/timestamp literal as the exact integer the column stores (a bigint in
 * the timestamp's unit, days for date32, milliseconds for date64): a `Date` cannot
 * carry micro- or nanoseconds. Same parser and rules as input cells (iso-time.ts).
 */
function temporalLiteral(type: DataType, text: string, fail: (msg: string) => never): bigint | number {
  try {
    if (type.typeId === Type.Date) {
      const days = parseDate(text);
      return (type as unknown as { unit: number }).unit === 0 ? Number(days) : days * 86_400_000n;
    }
    const { unit, timezone } = type as unknown as { unit: TimeUnitCode; timezone: string | null };
    return parseInstant(text, { unit, zoned: !!timezone });
  } catch (e) {
    if (e instanceof IsoTimeError) fail(`'${text}' is not a ${String(type)} value: ${e.reason}`);
    throw e;
  }
}

/** An integer literal as an input cell reads it: epoch milliseconds, converted exactly to what the column stores. */
function epochMillisLiteral(type: DataType, text: string, fail: (msg: string) => never): bigint | number {
  try {
    return temporalConverter(type)(text)!;
  } catch (e) {
    if (e instanceof TemporalError) fail(`${text} is not a ${String(type)} value: an integer here is epoch milliseconds, as in input cells, and it ${e.reason ?? 'does not convert'}`);
    throw e;
  }
}

function show(t: Tok): string {
  if (t.k === 'end') return 'the end of the expression';
  if (t.k === 'str') return `'${t.v}'`;
  return `"${t.v}"`;
}
