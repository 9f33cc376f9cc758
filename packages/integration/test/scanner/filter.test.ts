/**
 * Invariant 4 (filters after dedup), the filter API's semantics, primary-key pruning and
 * projection, over memtables and files of the real writer.
 */
import { LsmScanner, and, col, not, or, type ScanOptions } from '@freshtier/scanner';
import { describe, expect, it } from 'vitest';
import { agesById, rowsOf, user, usersBatch, usersSchema, usersTable } from '../../../scanner/test/support/data.js';
import { openWriter } from '../support/writers.js';

async function setup() {
  const table = await usersTable();
  const writer = await openWriter(table, 0, 10);
  return { table, writer, scanner: new LsmScanner(table, { writers: [writer] }) };
}

describe('filters apply after dedup', () => {
  it('an older version never resurfaces because the newest fails the filter', async () => {
    const { writer, scanner } = await setup();
    await writer.put(usersBatch([user(1, 40), user(2, 20), user(3, 50)]));
    await writer.flush();
    await writer.put(usersBatch([user(1, 20), user(2, 40)])); // 1 drops out, 2 enters
    await writer.delete(usersBatch([user(3)])); // 3's older version passes, but it is deleted
    const got = await scanner.scan({ filter: col('age').gt(30) }).toTable();
    expect(agesById(got)).toEqual(new Map([[2n, 40]]));
    await writer.flush();
    expect(agesById(await scanner.scan({ filter: col('age').gt(30) }).toTable())).toEqual(new Map([[2n, 40]]));
  });

  it('with a key predicate that prunes, newer versions still decide', async () => {
    const { writer, scanner } = await setup();
    await writer.put(usersBatch([user(5, 40)]));
    await writer.flush();
    await writer.put(usersBatch([user(5, 20)]));
    await writer.flush();
    expect((await scanner.scan({ filter: and(col('id').eq(5n), col('age').gt(30)) }).toTable()).numRows).toBe(0);
    expect(agesById(await scanner.scan({ filter: col('id').in([5n, 6n]) }).toTable())).toEqual(new Map([[5n, 20]]));
  });
});

describe('filter semantics', () => {
  async function people() {
    const { writer, scanner } = await setup();
    await writer.put(usersBatch([user(1, 10, 'ann'), user(2, null, 'bob'), user(3, 30, null), user(4, 40, 'dan'), user(5, 50, 'éva')]));
    return async (options: ScanOptions) => rowsOf(await scanner.scan(options).toTable()).map((r) => Number(r.id));
  }

  it('compares with three-valued logic for nulls', async () => {
    const ids = await people();
    expect(await ids({ filter: col('age').gt(20) })).toEqual([3, 4, 5]);
    expect(await ids({ filter: not(col('age').gt(20)) })).toEqual([1]); // null age stays unknown
    expect(await ids({ filter: col('age').isNull() })).toEqual([2]);
    expect(await ids({ filter: col('name').isNotNull() })).toEqual([1, 2, 4, 5]);
    expect(await ids({ filter: or(col('age').isNull(), col('age').le(10)) })).toEqual([1, 2]);
    expect(await ids({ filter: and(col('age').ge(30), col('age').ne(40)) })).toEqual([3, 5]);
    expect(await ids({ filter: col('age').gt(29.5) })).toEqual([3, 4, 5]);
  });

  it('handles strings (UTF-8 order), floats, 64-bit keys and in-lists', async () => {
    const ids = await people();
    expect(await ids({ filter: col('name').eq('bob') })).toEqual([2]);
    expect(await ids({ filter: col('name').ge('bz') })).toEqual([4, 5]);
    expect(await ids({ filter: col('name').in(['ann', 'éva', 'zed']) })).toEqual([1, 5]);
    expect(await ids({ filter: col('score').lt(15.5) })).toEqual([1, 3]);
    expect(await ids({ filter: col('id').in([2, 4n]) })).toEqual([2, 4]);
    expect(await ids({ filter: and(col('id').gt(1), col('id').le(3n)) })).toEqual([2, 3]);
    expect(await ids({ filter: col('age').in([10, 50]) })).toEqual([1, 5]);
  });

  it('applies limit after the filter', async () => {
    const ids = await people();
    expect(await ids({ filter: col('age').gt(0), limit: 2 })).toHaveLength(2);
    expect(await ids({ limit: 0 })).toEqual([]);
  });
});

describe('primary-key pruning', () => {
  it('reads only the generation files and row groups that can hold the key', async () => {
    const { writer, scanner } = await setup(); // rowGroupSize 10
    for (let g = 0; g < 6; g++) {
      await writer.put(usersBatch(Array.from({ length: 50 }, (_, i) => user(g * 100 + i, g))));
      await writer.flush();
    }
    scanner.resetStats();
    expect(agesById(await scanner.scan({ filter: col('id').eq(312n) }).toTable())).toEqual(new Map([[312n, 3]]));
    expect(scanner.stats.dataFileReads).toBe(1);
    expect(scanner.stats.rowGroupsRead).toBe(1);
    scanner.resetStats();
    const range = await scanner.scan({ filter: and(col('id').ge(405n), col('id').lt(415n)) }).toTable();
    expect([...agesById(range).keys()]).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(405 + i)));
    expect(scanner.stats.dataFileReads).toBe(1);
    expect(scanner.stats.rowGroupsRead).toBe(2);
    scanner.resetStats();
    expect((await scanner.scan({ filter: col('id').eq(999n) }).toTable()).numRows).toBe(0);
    expect(scanner.stats.dataFileReads).toBe(0);
  });
});

describe('projection and types', () => {
  it('returns the projected table columns in the order asked, with the table types and no system columns', async () => {
    const { writer, scanner } = await setup();
    await writer.put(usersBatch([user(1, 10)]));
    await writer.flush();
    await writer.put(usersBatch([user(2, 20)]));
    const t = await scanner.scan({ columns: ['age', 'id'] }).toTable();
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`)).toEqual(['age:Int32:true', 'id:Int64:false']);
    for (const b of t.batches) expect(b.schema.fields.map((f) => f.name)).toEqual(['age', 'id']);
    const all = await scanner.scan().toTable();
    expect(all.schema.fields.map((f) => String(f.type))).toEqual(usersSchema.fields.map((f) => String(f.type)));
    expect(all.schema.fields.some((f) => f.name.startsWith('_ft_'))).toBe(false);
  });
});
