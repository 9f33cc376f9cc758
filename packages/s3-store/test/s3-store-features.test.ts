/**
 * What S3Store adds beyond the shared contract, against the real S3 server:
 * multipart uploads, prefixes sharing a bucket, paginated listings, request
 * counting, URIs and the environment.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { expectBytes, patternBytes } from '../../core/test/store-contract.js';
import { S3Store, type S3StoreOptions } from '../src/index.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

const MiB = 1024 * 1024;
const enc = new TextEncoder();

let server: S3TestServer;
let bucket: string;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  bucket = await server.newBucket();
});

const storeWith = (extra: Partial<S3StoreOptions> = {}) => new S3Store({ ...server.storeOptions, bucket, ...extra });
const keysOf = async (store: S3Store, prefix = '') => (await store.list(prefix)).map((m) => m.key);

describe('S3Store multipart uploads', () => {
  const multipart = () => storeWith({ prefix: 'mp', multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
  const big = patternBytes(12 * MiB + 3, 9); // parts of 5, 5 and 2 MiB (+3 bytes)

  it('round-trips a large object uploaded in parts, with one request per part', async () => {
    const store = multipart();
    await store.put('data/big.parquet', big);
    // Create + 3 parts + complete.
    expect(store.stats).toMatchObject({ put: 5, retries: 0 });
    expectBytes(await store.get('data/big.parquet'), big);
    expect((await store.head('data/big.parquet'))?.size).toBe(big.byteLength);
    // A range across the first part boundary.
    expectBytes(await store.getRange('data/big.parquet', 5 * MiB - 10, 20), big.subarray(5 * MiB - 10, 5 * MiB + 10));
  });

  it('replaces with put and creates once with putIfAbsent', async () => {
    const store = multipart();
    expect(await store.putIfAbsent('big', big)).toBe('created');
    expect(await store.putIfAbsent('big', patternBytes(6 * MiB, 1))).toBe('exists');
    expectBytes(await store.get('big'), big);
    const other = patternBytes(6 * MiB, 2);
    await store.put('big', other);
    expectBytes(await store.get('big'), other);
  });

  it('uses a single PUT up to the threshold', async () => {
    const store = multipart();
    await store.put('edge', patternBytes(5 * MiB, 3));
    expect(store.stats.put).toBe(1);
  });
});

describe('S3Store prefixes', () => {
  it('keeps stores with different prefixes in one bucket apart', async () => {
    const one = storeWith({ prefix: 'tables/one' });
    const two = storeWith({ prefix: '/tables/two/' }); // slashes at the ends are dropped
    const sibling = storeWith({ prefix: 'tables/one-x' }); // shares the string prefix "tables/one"
    await one.put('k', enc.encode('one'));
    await two.put('k', enc.encode('two'));
    await sibling.put('k', enc.encode('sibling'));
    expect(await one.putIfAbsent('only-one', enc.encode('1'))).toBe('created');
    expect(await two.putIfAbsent('only-one', enc.encode('2'))).toBe('created');

    expectBytes(await one.get('k'), enc.encode('one'));
    expectBytes(await two.get('k'), enc.encode('two'));
    expect(await keysOf(one)).toEqual(['k', 'only-one']);
    expect(await keysOf(two)).toEqual(['k', 'only-one']);
    await one.delete('k');
    expect(await two.head('k')).toBeDefined();
    expect(await keysOf(storeWith())).toEqual(['tables/one-x/k', 'tables/one/only-one', 'tables/two/k', 'tables/two/only-one']);
    expect([one.uri, two.uri, storeWith().uri]).toEqual([`s3://${bucket}/tables/one`, `s3://${bucket}/tables/two`, `s3://${bucket}`]);
  });
});

describe('S3Store listing and stats', () => {
  it('follows continuation tokens, one LIST request per page', async () => {
    const store = storeWith({ prefix: 'p', listPageSize: 2 });
    const keys = ['w/3', 'w/1', 'w-x', 'w/2/a', 'w/0', 'x', 'w0'];
    for (const k of keys) await store.put(k, enc.encode(k));
    store.resetStats();
    expect(await keysOf(store)).toEqual([...keys].sort());
    expect(store.stats).toEqual({ get: 0, put: 0, head: 0, list: 4, delete: 0, retries: 0 });
    expect(await keysOf(store, 'w/')).toEqual(['w/0', 'w/1', 'w/2/a', 'w/3']);
  });

  it('round-trips keys that need URL encoding', async () => {
    const store = storeWith({ prefix: 'odd' });
    const keys = ['a b/c+d', '100%/x', 'ünï/cödé', 'emoji/😀', 'q?x=1&y', 'hash#/tilde~'];
    for (const k of keys) await store.put(k, enc.encode(k));
    for (const k of keys) expectBytes(await store.get(k), enc.encode(k));
    expect(await keysOf(store)).toEqual([...keys].sort());
  });

  it('counts one request per operation when nothing fails', async () => {
    const store = storeWith();
    await store.put('a', enc.encode('x'));
    await store.putIfAbsent('a', enc.encode('y'));
    await store.get('a');
    await store.getRange('a', 0, 1);
    await store.head('a');
    await store.list('');
    await store.delete('a');
    expect(store.stats).toEqual({ get: 2, put: 2, head: 1, list: 1, delete: 1, retries: 0 });
  });

  it('uses a given client as-is and leaves it open on close', async () => {
    const client = new S3Client({ ...server.storeOptions, credentials: { ...server.storeOptions.credentials }, maxAttempts: 1 });
    const store = new S3Store({ client, bucket });
    await store.put('k', enc.encode('v'));
    store.close();
    expectBytes(await new S3Store({ client, bucket }).get('k'), enc.encode('v'));
    client.destroy();
  });

  it('rejects bad ranges and list prefixes before sending anything', async () => {
    const store = storeWith();
    await expect(store.getRange('k', -1, 5)).rejects.toThrow(RangeError);
    await expect(store.getRange('k', 0, 1.5)).rejects.toThrow(RangeError);
    await expect(store.list('/abs')).rejects.toThrow(TypeError);
    await expect(store.list('a/../b')).rejects.toThrow(TypeError);
    expect(store.stats).toMatchObject({ get: 0, list: 0 });
  });
});

describe('S3Store.fromUri', () => {
  const names = ['FRESHTIER_S3_ENDPOINT', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
  const saved = names.map((n) => process.env[n]);
  afterAll(() => {
    names.forEach((n, i) => (saved[i] === undefined ? delete process.env[n] : (process.env[n] = saved[i])));
  });

  it('takes endpoint, region and credentials from the environment', async () => {
    process.env.FRESHTIER_S3_ENDPOINT = server.endpoint;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = server.storeOptions.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = server.storeOptions.credentials.secretAccessKey;
    const store = S3Store.fromUri(`s3://${bucket}/from/uri/`);
    expect([store.bucket, store.prefix, store.uri]).toEqual([bucket, 'from/uri', `s3://${bucket}/from/uri`]);
    expect(await store.putIfAbsent('k', enc.encode('v'))).toBe('created');
    expect(await keysOf(storeWith())).toEqual(['from/uri/k']);
    store.close();
  });

  it('lets options override the environment', async () => {
    process.env.FRESHTIER_S3_ENDPOINT = 'http://127.0.0.1:1'; // nothing listens there
    const store = S3Store.fromUri(`s3://${bucket}`, { ...server.storeOptions });
    await store.put('k', enc.encode('v'));
    expect(await keysOf(store)).toEqual(['k']);
  });
});

describe('openStore("s3://…")', () => {
  it('opens an S3Store once @freshtier/s3-store is imported', async () => {
    const { openStore } = await import('@freshtier/core');
    const { S3Store: Imported, registerS3Scheme } = await import('../src/index.js');
    registerS3Scheme({ region: 'us-east-1' });
    const store = await openStore('s3://some-bucket/some/prefix');
    expect(store).toBeInstanceOf(Imported);
    expect(store.uri).toContain('some-bucket');
  });
});
