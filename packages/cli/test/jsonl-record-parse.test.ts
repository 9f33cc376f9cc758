/**
 * JSON Lines rows are parsed member by member into their columns (no `Map` and no set per
 * row; issue 15, JSONL append speed). The reader must still read exactly what the whole-line
 * parse read: the same values, and the same refusals — a key twice in one line, a key that
 * is not a column, a line that leaves out columns the policy requires — whatever the batch
 * size (duplicate and missing-column checks are stamped per line, never per row of a batch,
 * whose numbers repeat from one batch to the next).
 */
import { rmSync } from 'node:fs';
import { Field, Float64, Int64, Schema, Utf8 } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonLine, type JsonValue } from '../src/json-line.js';
import { readJsonl } from '../src/jsonl-input.js';
import type { InputTarget } from '../src/text-input.js';
import { tempDir, write } from './support.js';

const dir = tempDir('freshtier-jsonl-record-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = new Schema([new Field('id', new Int64(), false), new Field('s', new Utf8(), true), new Field('f', new Float64(), true)]);
const COLUMNS = ['id', 's', 'f'];

async function read(text: string, batchRows: number, allowMissing: boolean): Promise<unknown[][] | string> {
  const target: InputTarget = { schema, skipped: ['ignored'], primaryKey: ['id'], policy: { allowMissing, upsert: true } };
  const path = write(dir, `r-${Math.random().toString(36).slice(2)}.jsonl`, text);
  try {
    const rows: unknown[][] = [];
    for await (const b of readJsonl(path, { batchRows, target })) {
      for (let r = 0; r < b.numRows; r++) rows.push(COLUMNS.map((c) => b.getChild(c)!.get(r)));
    }
    return rows;
  } catch (e) {
    return (e as Error).message;
  }
}

/** What the whole-line parse says of each line: its row, or the kind of refusal. */
function model(lines: string[], allowMissing: boolean): unknown[][] | RegExp {
  const rows: unknown[][] = [];
  for (const [i, line] of lines.entries()) {
    let m: Map<string, JsonValue>;
    try {
      m = parseJsonLine(line) as Map<string, JsonValue>;
    } catch {
      return new RegExp(`line ${i + 1}: not valid JSON .*appears twice`);
    }
    const unknown = [...m.keys()].find((k) => !COLUMNS.includes(k) && k !== 'ignored');
    if (unknown) return new RegExp(`line ${i + 1}: key "${unknown}" is not a column`);
    if (!m.has('id') || (!allowMissing && COLUMNS.some((c) => !m.has(c)))) return new RegExp(`line ${i + 1}: no value for column`);
    rows.push([BigInt((m.get('id') as { text: string }).text), m.get('s') ?? null, m.has('f') && m.get('f') !== null ? Number((m.get('f') as { text: string }).text) : null]);
  }
  return rows;
}

const member = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => `"id":${v}`),
  fc.constantFrom('"s":"x"', '"s":null', '"s":"é\\n"', '"f":1.5', '"f":-0', '"f":null', '"ignored":[1,{"a":2}]', '"nope":1'),
);
const line = fc.array(member, { minLength: 0, maxLength: 5 }).map((ms) => `{${ms.join(',')}}`);

describe('JSON Lines rows parsed member by member', () => {
  it('property (seeded): values and refusals equal the whole-line parse, for any batch size', async () => {
    await fc.assert(fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (lines, batchRows, allowMissing) => {
      const expected = model(lines, allowMissing);
      const got = await read(lines.join('\n') + '\n', batchRows, allowMissing);
      if (expected instanceof RegExp) expect(got).toMatch(expected);
      else expect(got).toEqual(expected);
    }), { seed: 1515, numRuns: 300 });
  });

  it('a full row in every line of many batches is never taken for a repeated key', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `{"id":${i},"s":"v${i}","f":${i}.5}`);
    const got = await read(lines.join('\n'), 3, false);
    expect(got).toEqual(lines.map((_, i) => [BigInt(i), `v${i}`, i + 0.5]));
  });

  it('a line that is JSON but not an object, and one that is not JSON, are refused naming the line', async () => {
    expect(await read('{"id":1,"s":"a","f":1}\n[1,2]\n', 2, false)).toMatch(/line 2: expected a JSON object, got/);
    expect(await read('{"id":1,"s":"a","f":1}\n{"id":2,\n', 2, false)).toMatch(/line 2: not valid JSON/);
  });
});
