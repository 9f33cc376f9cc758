/**
 * Sending requests: every S3 call of the store goes through {@link Requests.run},
 * which retries it and counts each attempt by S3 billing class — on S3 the number
 * of requests, not bytes, is usually the cost of a table.
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type AttemptState, type RetryPolicy, isNotFound, withRetry } from './retry.js';

/**
 * Requests made, counted per attempt (so retries are included).
 * - `get`: GetObject, whole or ranged.
 * - `put`: PutObject and the multipart requests that create data
 *   (CreateMultipartUpload, UploadPart, CompleteMultipartUpload), all billed as PUT-class.
 * - `head`: HeadObject.  - `list`: ListObjectsV2 pages.
 * - `delete`: DeleteObject and AbortMultipartUpload (free on S3, counted anyway).
 * - `retries`: attempts beyond the first, over all kinds.
 *
 * @example
 * ```ts
 * declare const store: S3Store;
 * const { put, get, retries } = store.stats;
 * console.log(`${put} PUT, ${get} GET, ${retries} retried`);
 * ```
 */
export interface S3RequestStats {
  get: number;
  put: number;
  head: number;
  list: number;
  delete: number;
  retries: number;
}

/** The billing class a request is counted under. */
export type RequestKind = Exclude<keyof S3RequestStats, 'retries'>;

/**
 * Metadata key (sent as `x-amz-meta-freshtier-write-id`) holding a random id per
 * conditional or multipart write, so that a write whose response was lost can
 * recognise its own object afterwards.
 */
export const WRITE_ID_META = 'freshtier-write-id';

const zeroStats = (): S3RequestStats => ({ get: 0, put: 0, head: 0, list: 0, delete: 0, retries: 0 });

/**
 * A client bound to one bucket, with the retry policy and the request counters.
 *
 * @example
 * ```ts
 * const requests = new Requests(client, 'bucket', { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 });
 * await requests.run('delete', (c) => c.send(new DeleteObjectCommand({ Bucket: requests.bucket, Key: 'k' })));
 * ```
 */
export class Requests {
  private counts = zeroStats();

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    private readonly policy: RetryPolicy,
  ) {}

  /** A copy of the counters. */
  get stats(): S3RequestStats {
    return { ...this.counts };
  }

  resetStats(): void {
    this.counts = zeroStats();
  }

  /**
   * Runs one request (`attempt` sends exactly one, and reads its body if any) with
   * retries. Pass `state` to learn afterwards how many attempts were made.
   */
  run<T>(kind: RequestKind, attempt: (client: S3Client) => Promise<T>, state: AttemptState = { attempts: 0 }): Promise<T> {
    return withRetry(
      this.policy,
      state,
      () => {
        this.counts[kind]++;
        return attempt(this.client);
      },
      () => this.counts.retries++,
    );
  }

  /**
   * Whose object is at `key` now? `'ours'` if it carries `writeId`, `'theirs'` if it
   * carries anything else, `'missing'` if there is none. Used after a write's outcome
   * was ambiguous (an attempt failed without an answer, and a retry then hit 412).
   */
  async ownerOf(key: string, writeId: string): Promise<'ours' | 'theirs' | 'missing'> {
    try {
      const res = await this.run('head', (c) => c.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return res.Metadata?.[WRITE_ID_META] === writeId ? 'ours' : 'theirs';
    } catch (e) {
      if (isNotFound(e)) return 'missing';
      throw e;
    }
  }
}
