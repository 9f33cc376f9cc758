/**
 * A real S3 HTTP server for the tests: `s3rver` (patched for conditional writes,
 * see patches/s3rver@3.7.1.patch) on a free loopback port, storing into a temp
 * directory that `stop()` removes.
 *
 * @example
 * ```ts
 * const server = await startS3Server();
 * const store = new S3Store({ ...server.storeOptions, bucket: await server.newBucket() });
 * // …
 * await server.stop();
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';


// The SDK warns once per process that Node 20 support ends in 2027; that is
// known (see the engines field) and would only clutter the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** s3rver's built-in key pair; requests signed with anything else get 403. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Options every test store needs to reach the server (add `bucket`). */
export interface ServerStoreOptions {
  endpoint: string;
  region: string;
  credentials: typeof S3RVER_CREDENTIALS;
  forcePathStyle: true;
  /** Short delays: tests must not sleep through real-world backoff. */
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A bucket created at start, for tests that need just one. */
  bucket: string;
  /** The directory s3rver stores into (to inspect leftovers such as multipart parts). */
  directory: string;
  storeOptions: ServerStoreOptions;
  /** An SDK client for setup and raw requests (no retries). */
  client: S3Client;
  /** Creates and returns a fresh, empty bucket. */
  newBucket(): Promise<string>;
  stop(): Promise<void>;
}

let bucketCounter = 0;

/**
 * Starts s3rver on 127.0.0.1 with a free port (port 0) and one fresh bucket.
 *
 * @example
 * ```ts
 * let server: S3TestServer;
 * beforeAll(async () => { server = await startS3Server(); });
 * afterAll(() => server.stop());
 * ```
 */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'freshtier-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = (await s3rver.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const storeOptions: ServerStoreOptions = {
    endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    retry: { maxAttempts: 5, baseDelayMs: 2, maxDelayMs: 20 },
  };
  // A copy: the SDK tags the credentials object it is given.
  const client = new S3Client({ endpoint, region: 'us-east-1', credentials: { ...S3RVER_CREDENTIALS }, forcePathStyle: true, maxAttempts: 1 });
  const newBucket = async (): Promise<string> => {
    const name = `ft-${process.pid}-${++bucketCounter}`;
    await client.send(new CreateBucketCommand({ Bucket: name }));
    return name;
  };
  const bucket = await newBucket();
  const stop = async (): Promise<void> => {
    client.destroy();
    await s3rver.close();
    await rm(directory, { recursive: true, force: true });
  };
  return { endpoint, bucket, directory, storeOptions, client, newBucket, stop };
}
