/**
 * Property (issue 18, "Wrong reads: literals and keys outside a column's type"):
 * for every key type, random literals in and out of the type's range (numbers,
 * bigints, Dates, fractions, ±Infinity, NaN, ±2^31, 2^53±1, 2^63, 2^64 …) and
 * random predicates (eq, ne, lt, le, gt, ge, in, between):
 * - the pruned scan, the same filter wrapped so it cannot prune (`or(f, id is
 *   null)`: keys are never null, and pruning reads only top-level conjuncts), and
 *   a plain model evaluating the predicate exactly on the live keys agree;
 * - `get` and `containsPks` of the literals as keys agree with the model (a key
 *   the type cannot hold matches nothing);
 * - a literal of the wrong JS kind is a typed error in both.
 * Each table holds a flushed generation (row groups of 2) and memtable rows that
 * add keys, update flushed ones and delete one.
 */
import { InvalidOptionsError, SchemaMismatchError } from '@freshtier/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, col, or, type Filter, type FilterValue } from '@freshtier/scanner';
import { KEY_CASES, passes, signOf, validLiteral, type KeyCase, type Query } from '../support/exact-model.js';
import { flushedV, freshV, keyedTable, valuesOf, type KeyedTable } from '../support/key-types.js';

const EDGES: unknown[] = [
  0, -0, 1, -1, 0.1, -0.5, 1.5, Math.fround(0.1), 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40,
  2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 63, 2 ** 64, -(2 ** 63),
  Number.MAX_VALUE, 5e-324, Infinity, -Infinity, NaN,
  2n ** 31n, -(2n ** 31n) - 1n, 2n ** 53n + 1n, 2n ** 53n - 1n, 2n ** 63n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 63n) - 1n,
  2n ** 64n, 2n ** 64n - 1n, -1n, 0n,
];

/** Literals near a stored key: itself, as the other JS kind, ±1, ±½, and Dates for temporal keys. */
function near(c: KeyCase, s: unknown): unknown[] {
  if (c.kind === 'utf8') return [s, `${s as string}\u0000`, (s as string).slice(0, -1)];
  if (c.kind === 'float') return [s, Number(s) * (1 + 2 ** -30), Number.isFinite(s) ? BigInt(Math.trunc(s as number)) : 0n];
  const b = BigInt(s as number | bigint);
  const out: unknown[] = [s, b - 1n, b + 1n, Number(b) + 0.5, Number(b) - 0.5];
  if (c.perMs) {
    const ms = (b * c.perMs[1]) / c.perMs[0];
    if (ms > -8_640_000_000_000_000n && ms < 8_640_000_000_000_000n) out.push(new Date(Number(ms)), new Date(Number(ms) + 1), new Date(Number(ms) - 1));
  }
  return out;
}

function literal(c: KeyCase): fc.Arbitrary<unknown> {
  const wrong = fc.constantFrom<unknown>(c.kind === 'utf8' ? 5 : 'x', true, c.perMs ? new Date(Number.NaN) : new Date(0));
  const random = c.kind === 'utf8'
    ? fc.string({ unit: 'grapheme', maxLength: 3 })
    : fc.oneof(fc.double(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.integer(), fc.date({ noInvalidDate: true }));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...c.stored).chain((s) => fc.constantFrom(...near(c, s))) },
    { weight: 3, arbitrary: c.kind === 'utf8' ? fc.constantFrom('', 'a', 'é', '😀') : fc.constantFrom(...EDGES) },
    { weight: 3, arbitrary: random },
    { weight: 1, arbitrary: wrong },
  );
}

function query(c: KeyCase): fc.Arbitrary<Query> {
  const lit = literal(c);
  return fc.oneof(
    fc.record({ op: fc.constantFrom('eq' as const, 'ne' as const, 'lt' as const, 'le' as const, 'gt' as const, 'ge' as const), lits: fc.tuple(lit) }),
    fc.record({ op: fc.constant('in' as const), lits: fc.array(lit, { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constant('between' as const), lits: fc.tuple(lit, lit) }),
  );
}

function filterOf(q: Query): Filter {
  const id = col('id');
  const l = q.lits as FilterValue[];
  if (q.op === 'in') return id.in(l);
  if (q.op === 'between') return and(id.ge(l[0]), id.le(l[1]));
  return id[q.op](l[0]);
}

/** The table of a case: 2/3 of the keys flushed, the rest in the memtable, plus updates and a delete. */
async function build(c: KeyCase): Promise<{ t: KeyedTable; live: { key: unknown; v: number }[] }> {
  const cut = Math.ceil((c.stored.length * 2) / 3);
  const flushed = c.stored.slice(0, cut);
  const updated = flushed.filter((_, i) => i % 3 === 1);
  const fresh = [...c.stored.slice(cut), ...updated];
  const deleted = [flushed[flushed.length - 1]];
  const t = await keyedTable(c.type, flushed, fresh, deleted);
  const live = new Map<unknown, { key: unknown; v: number }>();
  flushed.forEach((key, i) => live.set(key, { key, v: flushedV(i) }));
  fresh.forEach((key, i) => live.set(key, { key, v: freshV(i) }));
  live.delete(deleted[0]);
  return { t, live: [...live.values()] };
}

async function check(c: KeyCase, t: KeyedTable, live: { key: unknown; v: number }[], q: Query): Promise<void> {
  const f = filterOf(q);
  const keys = q.lits.map((id) => ({ id }));
  if (!q.lits.every((l) => validLiteral(c, l))) {
    expect(() => t.scanner.scan({ filter: f })).toThrow(InvalidOptionsError);
    await expect(t.scanner.containsPks(keys)).rejects.toThrow(SchemaMismatchError);
    return;
  }
  const want = live.filter((r) => passes(c, q, r.key)).map((r) => r.v).sort((a, b) => a - b);
  expect(valuesOf(await t.scanner.scan({ filter: f }).toTable())).toEqual(want);
  expect(valuesOf(await t.scanner.scan({ filter: or(f, col('id').isNull()) }).toTable())).toEqual(want);
  const hits = q.lits.map((l) => live.find((r) => signOf(c, r.key, l) === 0));
  expect(await t.scanner.containsPks(keys)).toEqual(hits.map((h) => h !== undefined));
  const got = [...new Set(hits.filter((h) => h !== undefined).map((h) => h!.v))].sort((a, b) => a - b);
  expect(valuesOf(await t.scanner.get(keys))).toEqual(got);
}

describe('literals and keys of every key type compare exactly, in and out of range', () => {
  it.each(KEY_CASES.map((c) => [c.name, c] as const))('%s: pruned scan = unpruned scan = model; get and containsPks = model', async (_, c) => {
    const { t, live } = await build(c);
    await fc.assert(fc.asyncProperty(query(c), (q) => check(c, t, live, q)), { seed: 18, numRuns: 80 });
  });
});
