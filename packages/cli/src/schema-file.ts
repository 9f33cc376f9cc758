/**
 * The schema file of `freshtier init --schema <file>`: either a small JSON
 * document or an Arrow IPC file (file or stream format, `.arrow`), whose schema
 * is taken as is.
 *
 * JSON format:
 * ```json
 * {
 *   "fields": [
 *     { "name": "id",    "type": "int64", "nullable": false },
 *     { "name": "name",  "type": "utf8" },
 *     { "name": "ts",    "type": "timestamp[ms, UTC]" }
 *   ],
 *   "primaryKey": ["id"]
 * }
 * ```
 * `nullable` defaults to true. `primaryKey` is optional (`--primary-key` wins);
 * without either the table is append-only. Types: see {@link TYPE_NAMES}.
 */
import { readFile } from 'node:fs/promises';
import {
  Binary, Bool, DateDay, DateMillisecond, Field, Float32, Float64, Int16, Int32, Int64, Int8, LargeBinary, LargeUtf8, Schema,
  TimeUnit, Timestamp, Uint16, Uint32, Uint64, Uint8, Utf8, tableFromIPC, type DataType,
} from 'apache-arrow';
import { UsageError } from './errors.js';

const SIMPLE: Record<string, () => DataType> = {
  int8: () => new Int8(), int16: () => new Int16(), int32: () => new Int32(), int64: () => new Int64(),
  uint8: () => new Uint8(), uint16: () => new Uint16(), uint32: () => new Uint32(), uint64: () => new Uint64(),
  float32: () => new Float32(), float64: () => new Float64(), float: () => new Float32(), double: () => new Float64(),
  bool: () => new Bool(), boolean: () => new Bool(),
  utf8: () => new Utf8(), string: () => new Utf8(), large_utf8: () => new LargeUtf8(),
  binary: () => new Binary(), large_binary: () => new LargeBinary(),
  date: () => new DateDay(), date32: () => new DateDay(), date64: () => new DateMillisecond(),
};

/** The type names the JSON schema format accepts (plus `timestamp[unit]` / `timestamp[unit, tz]`). */
export const TYPE_NAMES = [...Object.keys(SIMPLE), 'timestamp', 'timestamp[s|ms|us|ns]', 'timestamp[ms, UTC]'];

const UNITS: Record<string, TimeUnit> = { s: TimeUnit.SECOND, ms: TimeUnit.MILLISECOND, us: TimeUnit.MICROSECOND, ns: TimeUnit.NANOSECOND };

/** Parses a type name of the JSON schema format; undefined if unknown. */
export function parseTypeName(name: string): DataType | undefined {
  const t = name.trim().toLowerCase();
  if (SIMPLE[t]) return SIMPLE[t]();
  const m = /^timestamp(?:\[\s*(s|ms|us|ns)\s*(?:,\s*([^\]]+?)\s*)?\])?$/.exec(t);
  if (!m) return undefined;
  const tz = m[2] === undefined ? null : name.trim().match(/,\s*([^\]]+?)\s*\]$/)![1]; // keep the zone's case
  return new Timestamp(UNITS[m[1] ?? 'ms'], tz);
}

/** A parsed schema file. */
export interface SchemaFile {
  schema: Schema;
  /** From the JSON `primaryKey` field, if any. */
  primaryKey?: string[];
}

/**
 * Reads and validates a schema file; every problem is a {@link UsageError}
 * naming the file and the field at fault.
 */
export async function readSchemaFile(path: string): Promise<SchemaFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read schema file ${path}: ${(e as Error).message}`, 'pass --schema <file.json> (see "Schema files" in `freshtier init --help`)');
  }
  if (looksLikeArrow(bytes)) {
    try {
      const schema = tableFromIPC(bytes).schema;
      if (schema.fields.length === 0) throw new Error('it has no fields');
      return { schema };
    } catch (e) {
      throw new UsageError(`schema file ${path} is not a readable Arrow IPC file: ${(e as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new UsageError(`schema file ${path} is neither JSON nor an Arrow IPC file: ${(e as Error).message}`, SCHEMA_HINT);
  }
  return parseSchemaJson(json, path);
}

const SCHEMA_HINT = 'a schema file looks like {"fields":[{"name":"id","type":"int64","nullable":false},{"name":"name","type":"utf8"}]}';

/** Validates the JSON schema format. */
export function parseSchemaJson(json: unknown, where = 'schema'): SchemaFile {
  const bad = (path: string, msg: string) => new UsageError(`bad schema file ${where}: ${path}: ${msg}`, SCHEMA_HINT);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad('(root)', 'expected an object with "fields"');
  const doc = json as Record<string, unknown>;
  const unknownKeys = Object.keys(doc).filter((k) => k !== 'fields' && k !== 'primaryKey');
  if (unknownKeys.length) throw bad(unknownKeys[0], 'unknown key (allowed: fields, primaryKey)');
  if (!Array.isArray(doc.fields) || doc.fields.length === 0) throw bad('fields', 'expected a non-empty array of {name, type, nullable?}');
  const seen = new Set<string>();
  const fields = doc.fields.map((f: unknown, i: number) => {
    const at = `fields[${i}]`;
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw bad(at, 'expected an object {name, type, nullable?}');
    const { name, type, nullable, ...rest } = f as Record<string, unknown>;
    if (Object.keys(rest).length) throw bad(`${at}.${Object.keys(rest)[0]}`, 'unknown key (allowed: name, type, nullable)');
    if (typeof name !== 'string' || name === '') throw bad(`${at}.name`, 'expected a non-empty string');
    if (seen.has(name)) throw bad(`${at}.name`, `"${name}" is named twice`);
    seen.add(name);
    if (typeof type !== 'string') throw bad(`${at}.type`, `expected a type name (${TYPE_NAMES.join(', ')})`);
    const dt = parseTypeName(type);
    if (!dt) throw bad(`${at}.type`, `unknown type "${type}" (use one of ${TYPE_NAMES.join(', ')})`);
    if (nullable !== undefined && typeof nullable !== 'boolean') throw bad(`${at}.nullable`, 'expected true or false');
    return new Field(name, dt, nullable ?? true);
  });
  let primaryKey: string[] | undefined;
  if (doc.primaryKey !== undefined) {
    if (!Array.isArray(doc.primaryKey) || !doc.primaryKey.every((k) => typeof k === 'string' && k !== '')) throw bad('primaryKey', 'expected an array of column names');
    primaryKey = doc.primaryKey as string[];
  }
  return { schema: new Schema(fields), primaryKey };
}

function looksLikeArrow(bytes: Uint8Array): boolean {
  const magic = new TextDecoder().decode(bytes.subarray(0, 6));
  if (magic === 'ARROW1') return true;
  // IPC stream format: a continuation marker 0xFFFFFFFF before the first message
  return bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
}
