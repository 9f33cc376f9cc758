/**
 * Validation at the boundary: every options object and every stored document is
 * parsed with zod; failures become typed errors that name each bad field.
 */
import { z } from 'zod';
import { CorruptEntryError, InvalidOptionsError } from './errors.js';

type Issue = { path: string; message: string };

function issuesOf(error: z.ZodError, schema?: z.ZodType): Issue[] {
  return error.issues.flatMap((i): Issue[] => {
    const at = i.path.map(String);
    // one issue per unknown key, at the key's own path, so the message names it
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: [...at, k].join('.'), message: unknownKeyMessage(knownKeysAt(schema, at)) }));
    return [{ path: at.join('.'), message: i.message }];
  });
}

function unknownKeyMessage(known: readonly string[] | undefined): string {
  const list = known && known.length ? ` (known: ${known.join(', ')})` : '';
  return `unknown option${list}; unknown options are refused, not ignored: check the spelling`;
}

/** The keys of the object schema at `path` inside `schema` (through defaults and optionals), if any. */
function knownKeysAt(schema: z.ZodType | undefined, path: readonly string[]): string[] | undefined {
  let s: unknown = schema;
  for (let depth = 0; s && depth <= path.length; ) {
    const def = (s as { _zod?: { def?: { shape?: Record<string, unknown>; innerType?: unknown } } })._zod?.def;
    if (def?.innerType) s = def.innerType; // default, prefault, optional, nullable …
    else if (def?.shape && depth === path.length) return Object.keys(def.shape);
    else if (def?.shape) s = def.shape[path[depth++]];
    else return undefined;
  }
  return undefined;
}

/**
 * Throws `InvalidOptionsError` naming every key of `input` not in `known` (for
 * options checked by hand rather than by a zod `strictObject`). Non-objects pass:
 * the caller's own checks report them.
 *
 * @example
 * ```ts
 * const options = { colums: ['id'] };
 * assertKnownKeys(options, ['columns'], 'get options'); // throws, naming "colums"
 * ```
 */
export function assertKnownKeys(input: unknown, known: readonly string[], what: string): void {
  if (input === null || typeof input !== 'object') return;
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length) throw new InvalidOptionsError(what, unknown.map((k) => ({ path: k, message: unknownKeyMessage(known) })));
}

/**
 * Parses caller options; throws `InvalidOptionsError` naming each bad field.
 *
 * @example
 * ```ts
 * const input: unknown = { name: 'nightly' }; // a caller's options, any shape
 * const tag = parseOptions(tagDocSchema, input, 'tag document'); // InvalidOptionsError: formatVersion, …
 * ```
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new InvalidOptionsError(what, issuesOf(r.error, schema), r.error);
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
