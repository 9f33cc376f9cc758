/**
 * Validation at the boundary: every options object and every stored document is
 * parsed with zod; failures become typed errors that name each bad field.
 */
import { z } from 'zod';
import { CorruptEntryError, InvalidOptionsError } from './errors.js';

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * Parses caller options; throws `InvalidOptionsError` naming each bad field.
 *
 * @example
 * ```ts
 * const opts = parseOptions(writerOptionsSchema, input, 'ShardWriter options');
 * ```
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new InvalidOptionsError(what, issuesOf(r.error), r.error);
  return r.data;
}

/** Parses a stored document; throws `CorruptEntryError` naming the object and fields. */
export function parseStored<S extends z.ZodType>(schema: S, input: unknown, path: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const list = issuesOf(r.error).map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    throw new CorruptEntryError(path, `invalid document (${list})`, r.error);
  }
  return r.data;
}

/** Parses JSON bytes; throws `CorruptEntryError` naming the object. */
export function parseJsonBytes(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CorruptEntryError(path, 'not valid JSON', e);
  }
}

/** JSON bytes of a document (pretty, so manifests are readable with `cat`). */
export function jsonBytes(doc: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc, null, 1) + '\n');
}
