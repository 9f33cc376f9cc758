import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CorruptEntryError, InvalidOptionsError } from '../src/errors.js';
import { jsonBytes, parseJsonBytes, parseOptions, parseStored } from '../src/validate.js';

const schema = z.object({ shard: z.number().int().min(0), nested: z.object({ name: z.string() }), mode: z.enum(['a', 'b']).default('a') });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('validate', () => {
  it('parseOptions returns the parsed value (defaults applied)', () => {
    expect(parseOptions(schema, { shard: 1, nested: { name: 'x' } }, 'opts')).toEqual({ shard: 1, nested: { name: 'x' }, mode: 'a' });
  });

  it('parseOptions throws InvalidOptionsError naming every bad field', () => {
    const e = thrown(() => parseOptions(schema, { shard: -1.5, nested: {}, mode: 'c' }, 'ShardWriter options'));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    const paths = new Set((e as InvalidOptionsError).issues.map((i) => i.path));
    expect([...paths].sort()).toEqual(['mode', 'nested.name', 'shard']);
    for (const p of paths) expect((e as Error).message).toContain(`${p}:`);
    expect((e as Error).message).toContain('ShardWriter options');
    expect((e as Error).cause).toBeInstanceOf(z.ZodError);
  });

  it('parseOptions names the root when the input is not an object', () => {
    const e = thrown(() => parseOptions(schema, 42, 'opts')) as InvalidOptionsError;
    expect(e.issues[0].path).toBe('');
    expect(e.message).toContain('(root):');
  });

  it('parseStored throws CorruptEntryError naming the object and the fields', () => {
    const e = thrown(() => parseStored(schema, { shard: 'x', nested: { name: 1 } }, 'shards/0/_manifests/v1.json'));
    expect(e).toBeInstanceOf(CorruptEntryError);
    expect((e as Error).message).toContain('shards/0/_manifests/v1.json');
    expect((e as Error).message).toContain('shard:');
    expect((e as Error).message).toContain('nested.name:');
  });

  it('parseJsonBytes / jsonBytes round-trip; bad JSON is a CorruptEntryError', () => {
    const doc = { a: 1, b: ['x', null], c: { d: 'é\u0000' } };
    const bytes = jsonBytes(doc);
    expect(new TextDecoder().decode(bytes).endsWith('\n')).toBe(true);
    expect(parseJsonBytes(bytes, 'p')).toEqual(doc);
    const e = thrown(() => parseJsonBytes(new TextEncoder().encode('{"a":'), 'some/path.json'));
    expect(e).toBeInstanceOf(CorruptEntryError);
    expect((e as Error).message).toContain('some/path.json');
  });
});
