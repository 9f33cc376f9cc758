/**
 * Bad-input cases for schema evolution (issue 17), run by bad-input.test.ts on the shared
 * fixture (table `id` Int64 key, `v` Int64, `s` Utf8; ids 0..19 flushed, 20..49 in the WAL
 * of a "crashed" writer).
 *
 * A change is checked at the boundary (zod: the shape, unknown keys, a type that is not an
 * Arrow DataType) and then against the table's schema (`SCHEMA_CHANGE_REFUSED`) before the
 * one conditional commit: a refused change leaves every stored object as it was. A handle
 * older than the table's schema is `SCHEMA_CHANGED`, also for a second change.
 */
import { Table } from '@freshtier/core';
import { ShardWriter, evolveSchema } from '@freshtier/writer';
import { Float32, Int32, Int64, Utf8 } from 'apache-arrow';
import type { InputCase } from './bad-input-cases.js';

const fail = (p: () => Promise<unknown>) => Promise.resolve().then(p).then(() => undefined, (e: unknown) => e);
const change = (c: unknown) => (f: { table: Table }) => fail(() => evolveSchema(f.table, c as never));

export const SCHEMA_INPUTS: InputCase[] = [
  { name: 'schema change: null', expected: { code: 'INVALID_OPTIONS', message: /schema change/ }, act: change(null) },
  { name: 'schema change: unknown kind', expected: { code: 'INVALID_OPTIONS', message: /kind/ }, act: change({ kind: 'teleport-column', name: 'v' }) },
  { name: 'schema change: a type given as text', expected: { code: 'INVALID_OPTIONS', message: /type/ }, act: change({ kind: 'add-column', name: 'x', type: 'int64' }) },
  { name: 'schema change: an unknown key', expected: { code: 'INVALID_OPTIONS', message: /extra|unrecognized/i }, act: change({ kind: 'rename-column', name: 'v', to: 'w', extra: 1 }) },
  { name: 'schema change: narrowing Int64 to Int32', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /widen-column v/ }, act: change({ kind: 'widen-column', name: 'v', type: new Int32() }) },
  { name: 'schema change: Utf8 to Int64', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /widen-column s/ }, act: change({ kind: 'widen-column', name: 's', type: new Int64() }) },
  { name: 'schema change: dropping the key', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /drop-column id/ }, act: change({ kind: 'drop-column', name: 'id' }) },
  { name: 'schema change: a non-null column without a default', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /default/ }, act: change({ kind: 'add-column', name: 'x', type: new Int64(), nullable: false }) },
  { name: 'schema change: a reserved _ft_ name', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /_ft_/ }, act: change({ kind: 'add-column', name: '_ft_x', type: new Int64() }) },
  { name: 'schema change: renaming onto a taken name', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /rename-column v/ }, act: change({ kind: 'rename-column', name: 'v', to: 's' }) },
  { name: 'schema change: a default beyond Int32', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /2147483648/ }, act: change({ kind: 'add-column', name: 'x', type: new Int32(), default: 2 ** 31 }) },
  { name: 'schema change: a float32 default that is no float32', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /0\.1/ }, act: change({ kind: 'add-column', name: 'x', type: new Float32(), default: 0.1 }) },
  { name: 'schema change: a text default for an integer column', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /add-column x/ }, act: change({ kind: 'add-column', name: 'x', type: new Int64(), default: '12' }) },
  { name: 'schema change: unknown column', expected: { code: 'SCHEMA_CHANGE_REFUSED', message: /nope/ }, act: change({ kind: 'make-nullable', name: 'nope' }) },
  {
    name: 'schema change through a stale handle', expected: { code: 'SCHEMA_CHANGED', message: /schema version 0.*now version 1/ },
    act: async (f, mark) => {
      await evolveSchema(f.table, { kind: 'add-column', name: 'note', type: new Utf8() });
      await mark();
      expect2(await fail(() => ShardWriter.open(f.table, { shard: 0 })), 'SCHEMA_CHANGED');
      return fail(() => evolveSchema(f.table, { kind: 'drop-column', name: 's' }));
    },
  },
];

function expect2(e: unknown, code: string): void {
  if ((e as { code?: unknown })?.code !== code) throw new Error(`expected ${code}, got ${String(e)}`);
}
