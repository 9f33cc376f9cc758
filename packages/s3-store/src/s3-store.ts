/**
 * `S3Store`: the `ObjectStore` contract over `@aws-sdk/client-s3`, for AWS S3 and
 * S3-compatible stores (MinIO, R2, …) that support conditional writes.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import {
  assertValidKey,
  FreshtierError,
  NotFoundError,
  StoreFailureError,
  type ObjectMeta,
  type ObjectStore,
  type PutIfAbsentResult,
} from '@freshtier/core';
import { uploadMultipart } from './multipart.js';
import { clientSettings, parseS3Uri, resolveOptions, type ResolvedS3StoreOptions, type S3StoreOptions } from './options.js';
import { Requests, WRITE_ID_META, type S3RequestStats } from './requests.js';
import { attemptsOf, describeFailure, isInvalidRange, isNotFound, isPreconditionFailed } from './retry.js';

/**
 * An {@link ObjectStore} in an S3 bucket under a key prefix: key `a/b` is object `<prefix>/a/b`.
 *
 * - `putIfAbsent` is `PutObject` with `If-None-Match: *` (for large objects, on
 *   `CompleteMultipartUpload`): S3 itself decides the race, so it is an atomic
 *   create across processes and machines. 412 means `'exists'`.
 * - Objects above `multipartThresholdBytes` are uploaded in parts; a failed upload is aborted.
 * - Throttling, 5xx and network failures are retried with exponential backoff and
 *   jitter; a 412 never is. Every attempt is counted in {@link S3Store.stats}.
 *
 * **Lost responses of `putIfAbsent`.** If an attempt fails without an answer
 * (connection dropped, 5xx) it may still have created the object; the retry then
 * gets 412, although the object is ours. To tell, every conditional write carries a
 * random write id as object metadata; when a 412 follows a failed attempt, one HEAD
 * compares the stored id with ours: equal → `'created'`, different → `'exists'`.
 * Comparing content instead would be wrong: two writers racing with identical bytes
 * (say, the same manifest) would both be told they won. A 412 on the first attempt is
 * unambiguous and costs no HEAD. If every attempt fails, the outcome is unknown
 * and `putIfAbsent` throws `StoreFailureError`: the object may or may not exist.
 *
 * @example
 * ```ts
 * const store = new S3Store({ bucket: 'analytics', prefix: 'tables/events' });
 * const bytes = new TextEncoder().encode('{}');
 * if ((await store.putIfAbsent('_table.json', bytes)) === 'exists') console.log('already initialised');
 * console.log(store.stats); // { get: 0, put: 1, head: 0, list: 0, delete: 0, retries: 0 }
 * ```
 */
export class S3Store implements ObjectStore {
  readonly uri: string;
  readonly bucket: string;
  /** Key prefix of the table root, without slashes at either end (`''` for the bucket root). */
  readonly prefix: string;
  private readonly options: ResolvedS3StoreOptions;
  private readonly requests: Requests;
  private readonly ownsClient: boolean;

  /** @throws InvalidOptionsError naming each bad option; nothing is sent before validation passes. */
  constructor(options: S3StoreOptions) {
    this.options = resolveOptions(options);
    this.bucket = this.options.bucket;
    this.prefix = this.options.prefix;
    this.uri = `s3://${this.bucket}/${this.prefix}`.replace(/\/$/, '');
    this.ownsClient = this.options.client === undefined;
    // maxAttempts 1: ours is the only retry layer (see retry.ts). The timeouts turn a
    // stalled connection into a (retried) TimeoutError instead of a hang; the request
    // timeout is per idle socket, so a long upload that keeps moving is not cut.
    const client =
      this.options.client ??
      new S3Client({ ...clientSettings(this.options), maxAttempts: 1, requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 } });
    this.requests = new Requests(client, this.bucket, this.options.retry);
  }

  /**
   * Opens the store an `s3://bucket/prefix` URI names; other options (endpoint,
   * credentials, …) come from `options` or the environment.
   *
   * @example
   * ```ts
   * // FRESHTIER_S3_ENDPOINT=http://127.0.0.1:9000 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…
   * const store = S3Store.fromUri('s3://analytics/tables/events');
   * ```
   */
  static fromUri(uri: string, options: Omit<S3StoreOptions, 'bucket' | 'prefix'> = {}): S3Store {
    return new S3Store({ ...options, ...parseS3Uri(uri) });
  }

  /**
   * Requests made so far (a copy), by S3 billing class, retries included.
   *
   * @example
   * ```ts
   * declare const store: S3Store, entry: Uint8Array;
   * store.resetStats();
   * await store.list('shards/0/wal/');
   * await store.putIfAbsent('shards/0/wal/00000000000000000042.ftw', entry);
   * console.log(store.stats); // { get: 0, put: 1, head: 0, list: 1, delete: 0, retries: 0 }
   * ```
   */
  get stats(): S3RequestStats {
    return this.requests.stats;
  }

  /**
   * Zeroes {@link S3Store.stats}, e.g. before measuring one operation.
   *
   * @example
   * ```ts
   * declare const store: S3Store;
   * store.resetStats(); // store.stats.put === 0
   * ```
   */
  resetStats(): void {
    this.requests.resetStats();
  }

  /**
   * Closes the HTTP connections of a client the store created itself (a given
   * client is left alone, its owner closes it). The store is unusable afterwards.
   *
   * @example
   * ```ts
   * const store = S3Store.fromUri('s3://analytics/t1');
   * try { console.log((await Table.open(store)).shardCount); } finally { store.close(); }
   * ```
   */
  close(): void {
    if (this.ownsClient) this.requests.client.destroy();
  }

  async get(key: string): Promise<Uint8Array> {
    const full = this.fullKey(key);
    return this.guard('get', key, () => this.requests.run('get', async (c) => readBody(await c.send(new GetObjectCommand({ Bucket: this.bucket, Key: full })))));
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const full = this.fullKey(key);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`Invalid byte range offset=${offset} length=${length}: both must be non-negative integers.`);
    }
    if (length === 0) {
      // An HTTP range cannot be empty; still fail like any read of a missing key.
      if (!(await this.head(key))) throw new NotFoundError(this.describe(key));
      return new Uint8Array(0);
    }
    const Range = `bytes=${offset}-${offset + length - 1}`; // S3 clips an end past the object
    return this.guard('getRange', key, async () => {
      try {
        return await this.requests.run('get', async (c) => readBody(await c.send(new GetObjectCommand({ Bucket: this.bucket, Key: full, Range }))));
      } catch (e) {
        if (isInvalidRange(e)) return new Uint8Array(0); // the range starts at or past the end
        throw e;
      }
    });
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const full = this.fullKey(key);
    return this.guard('head', key, async () => {
      try {
        const res = await this.requests.run('head', (c) => c.send(new HeadObjectCommand({ Bucket: this.bucket, Key: full })));
        return { key, size: res.ContentLength ?? 0, lastModified: res.LastModified?.getTime() ?? 0 };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const full = this.fullKey(key);
    await this.guard('put', key, async () => {
      if (this.isLarge(data)) {
        await uploadMultipart(this.requests, { key: full, data, partSizeBytes: this.options.partSizeBytes, writeId: randomUUID(), ifAbsent: false });
      } else {
        // A plain PUT is idempotent, so a retry after a lost response is harmless.
        await this.requests.run('put', (c) => c.send(new PutObjectCommand({ Bucket: this.bucket, Key: full, Body: data })));
      }
    });
  }

  /** See the class comment for how a lost response is resolved. */
  async putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    const full = this.fullKey(key);
    const writeId = randomUUID();
    return this.guard('putIfAbsent', key, () =>
      this.isLarge(data)
        ? uploadMultipart(this.requests, { key: full, data, partSizeBytes: this.options.partSizeBytes, writeId, ifAbsent: true })
        : this.createSmall(full, data, writeId),
    );
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    if (typeof prefix !== 'string' || prefix.startsWith('/') || prefix.split('/').includes('..')) {
      throw new TypeError(`Invalid list prefix "${prefix}": use a key prefix relative to the store root.`);
    }
    const metas = await this.guard('list', prefix, () => this.listAll(this.rootPrefix() + prefix));
    // S3 orders by UTF-8 bytes; the contract wants UTF-16 code units (they differ above U+FFFF).
    return metas.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const full = this.fullKey(key);
    // S3 answers 204 for a missing key too, so delete is idempotent without a HEAD.
    await this.guard('delete', key, () => this.requests.run('delete', (c) => c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: full }))));
  }

  private async createSmall(full: string, data: Uint8Array, writeId: string): Promise<PutIfAbsentResult> {
    const state = { attempts: 0 };
    try {
      const input = { Bucket: this.bucket, Key: full, Body: data, IfNoneMatch: '*', Metadata: { [WRITE_ID_META]: writeId } };
      // A new command (and input) per attempt: the SDK extends a command each time it is sent.
      await this.requests.run('put', (c) => c.send(new PutObjectCommand({ ...input })), state);
      return 'created';
    } catch (e) {
      if (!isPreconditionFailed(e)) throw e;
      // Only a 412 after a failed attempt can be our own object (see the class comment).
      return state.attempts > 1 && (await this.requests.ownerOf(full, writeId)) === 'ours' ? 'created' : 'exists';
    }
  }

  private async listAll(fullPrefix: string): Promise<ObjectMeta[]> {
    const out: ObjectMeta[] = [];
    const strip = this.rootPrefix().length;
    let token: string | undefined;
    do {
      const input = { Bucket: this.bucket, Prefix: fullPrefix, ContinuationToken: token, MaxKeys: this.options.listPageSize };
      const res = await this.requests.run('list', (c) => c.send(new ListObjectsV2Command({ ...input })));
      for (const o of res.Contents ?? []) {
        if (o.Key !== undefined) out.push({ key: o.Key.slice(strip), size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  private isLarge(data: Uint8Array): boolean {
    return data.byteLength > this.options.multipartThresholdBytes;
  }

  private rootPrefix(): string {
    return this.prefix === '' ? '' : `${this.prefix}/`;
  }

  /** The object key in the bucket; rejects invalid keys (TypeError) before any request. */
  private fullKey(key: string): string {
    assertValidKey(key);
    return this.rootPrefix() + key;
  }

  private describe(key: string): string {
    return `${this.uri}/${key}`;
  }

  /** Maps what an operation throws to freshtier's errors: missing → NotFoundError, the rest → StoreFailureError. */
  private async guard<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof FreshtierError) throw e;
      if (isNotFound(e)) throw new NotFoundError(this.describe(key));
      throw new StoreFailureError(op, this.describe(key), describeFailure(e, attemptsOf(e)));
    }
  }
}

/** Reads a GET body to the end inside the attempt, so a connection cut mid-body is retried too. */
async function readBody(res: GetObjectCommandOutput): Promise<Uint8Array> {
  if (!res.Body) return new Uint8Array(0);
  const bytes = await res.Body.transformToByteArray();
  // Callers get a plain Uint8Array that owns its memory, never a view into a
  // Buffer pool shared with other data (a copy only in that rare case).
  const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owns ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes);
}
