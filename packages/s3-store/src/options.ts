/**
 * `S3Store` options: their documented shape, the zod schema that checks them
 * (bad options fail with `InvalidOptionsError` before any request is made), the
 * environment fallbacks, and the `s3://bucket/prefix` URI syntax.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidOptionsError, parseOptions } from '@freshtier/core';
import { z } from 'zod';

const MiB = 1024 * 1024;
/** S3's smallest allowed part (except the last one of an upload). */
const MIN_PART_BYTES = 5 * MiB;
/** S3's largest single PUT and largest part. */
const MAX_PUT_BYTES = 5 * 1024 * MiB;

/**
 * Options of {@link S3Store}. Only `bucket` is required; everything else has a default.
 *
 * @example
 * ```ts
 * const opts: S3StoreOptions = {
 *   bucket: 'analytics',
 *   prefix: 'tables/events',
 *   endpoint: 'http://127.0.0.1:9000', // MinIO, R2, a test server…; omit for AWS
 *   retry: { maxAttempts: 8, baseDelayMs: 50 },
 * };
 * ```
 */
export interface S3StoreOptions {
  /**
   * A ready client, used as-is (then `endpoint`, `region`, `credentials` and
   * `forcePathStyle` must be absent). Configure it with `maxAttempts: 1`, or the
   * SDK retries underneath the store's own retries and hides them from `stats`.
   */
  client?: S3Client;
  /** S3-compatible endpoint URL. Default: env `FRESHTIER_S3_ENDPOINT`, else AWS. */
  endpoint?: string;
  /** Default: env `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Default: env `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, else the SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`). Default: true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** The bucket (S3 naming rules: 3–63 of `a-z 0-9 . -`). */
  bucket: string;
  /** Key prefix of the table root inside the bucket, e.g. `tables/events`. Default: the bucket root. */
  prefix?: string;
  /** Retries of throttling, 5xx and network failures. Default: 5 attempts, 100 ms base delay, 10 s cap. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Objects larger than this are uploaded in parts. Default 16 MiB, minimum 5 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads. Default 8 MiB, minimum 5 MiB (S3's minimum). */
  partSizeBytes?: number;
  /** Keys per LIST request (1–1000). Default 1000, S3's maximum. */
  listPageSize?: number;
}

const bucketSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be 3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit');

/** A prefix is stored without leading or trailing slashes; its segments follow the key rules. */
const prefixSchema = z
  .string()
  .transform((p) => p.replace(/^\/+|\/+$/g, ''))
  .refine((p) => p === '' || p.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !/[\\\0]/.test(s)), {
    message: 'must be "/"-separated non-empty segments without ".", ".." or backslashes',
  });

const sizeSchema = (dflt: number) => z.int().min(MIN_PART_BYTES).max(MAX_PUT_BYTES).default(dflt);

const optionsSchema = z
  .object({
    client: z.custom<S3Client>((v) => typeof (v as { send?: unknown } | null)?.send === 'function', 'must be an S3Client').optional(),
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    region: z.string().min(1).optional(),
    credentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() }).optional(), // not strict: the SDK tags credential objects (`$source`)
    forcePathStyle: z.boolean().optional(),
    bucket: bucketSchema,
    prefix: prefixSchema.default(''),
    retry: z
      .object({
        maxAttempts: z.int().min(1).max(20).default(5),
        baseDelayMs: z.number().min(0).max(60_000).default(100),
        maxDelayMs: z.number().min(0).max(300_000).default(10_000),
      })
      .strict()
      .prefault({}),
    multipartThresholdBytes: sizeSchema(16 * MiB),
    partSizeBytes: sizeSchema(8 * MiB),
    listPageSize: z.int().min(1).max(1000).default(1000),
  })
  .strict()
  .refine((o) => !o.client || (o.endpoint ?? o.region ?? o.credentials ?? o.forcePathStyle) === undefined, {
    message: 'give either "client" or endpoint/region/credentials/forcePathStyle, not both',
    path: ['client'],
  });

/** Options after validation and defaults. */
export type ResolvedS3StoreOptions = z.output<typeof optionsSchema>;

/**
 * Validates options; throws `InvalidOptionsError` naming each bad field.
 *
 * @example
 * ```ts
 * const o = resolveOptions({ bucket: 'b1', prefix: '/t1/' }); // o.prefix === 't1'
 * ```
 */
export function resolveOptions(input: unknown): ResolvedS3StoreOptions {
  return parseOptions(optionsSchema, input, 'S3Store options');
}

/** What the SDK client is built from when the caller gives no `client`. */
export interface ClientSettings {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * Fills endpoint, region and credentials from the environment where the options
 * leave them out, so `S3Store.fromUri('s3://b/t')` works from configuration alone.
 *
 * @example
 * ```ts
 * clientSettings(resolveOptions({ bucket: 'b1' }), { FRESHTIER_S3_ENDPOINT: 'http://127.0.0.1:9000' });
 * // → { region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }
 * ```
 */
export function clientSettings(o: ResolvedS3StoreOptions, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const endpoint = o.endpoint ?? (env.FRESHTIER_S3_ENDPOINT || undefined);
  const keyId = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  const envCredentials = keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } : undefined;
  return {
    region: o.region ?? (env.AWS_REGION || 'us-east-1'),
    endpoint,
    // S3-compatible servers (MinIO, test servers) rarely serve virtual-host-style bucket names.
    forcePathStyle: o.forcePathStyle ?? endpoint !== undefined,
    credentials: o.credentials ?? envCredentials,
  };
}

/**
 * Splits `s3://bucket/prefix` into its bucket and (slash-trimmed) prefix.
 * Throws `InvalidOptionsError` for anything else.
 *
 * @example
 * ```ts
 * parseS3Uri('s3://analytics/tables/events/'); // → { bucket: 'analytics', prefix: 'tables/events' }
 * parseS3Uri('s3://analytics');                // → { bucket: 'analytics', prefix: '' }
 * ```
 */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(uri);
  if (!m) {
    throw new InvalidOptionsError('S3 URI', [{ path: 'uri', message: `"${uri}" is not of the form s3://bucket/prefix` }]);
  }
  return parseOptions(z.object({ bucket: bucketSchema, prefix: prefixSchema }), { bucket: m[1], prefix: m[2] ?? '' }, 'S3 URI');
}
