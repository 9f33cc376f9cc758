/**
 * S3Store's retries, through a fault-injecting proxy in front of the S3 server:
 * throttling and dropped connections are retried and counted; a write whose
 * response was lost still happens exactly once; `putIfAbsent` tells its own lost
 * create from someone else's object; a 412 is never retried; and multipart uploads
 * survive faults and are aborted when they do not create the object.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { isFreshtierError } from '@freshtier/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBytes, patternBytes } from '../../core/test/store-contract.js';
import { S3Store, type S3StoreOptions } from '../src/index.js';
import { FaultProxy } from './fault-proxy.js';
import { startS3Server, type S3TestServer } from './s3-server.js';

const MiB = 1024 * 1024;
const enc = new TextEncoder();

let server: S3TestServer;
let proxy: FaultProxy;
let bucket: string;
beforeAll(async () => {
  server = await startS3Server();
  proxy = await FaultProxy.start(server.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
});
beforeEach(async () => {
  bucket = await server.newBucket();
  proxy.reset();
});

/** A store that talks to the server through the proxy. */
function proxiedStore(extra: Partial<S3StoreOptions> = {}): S3Store {
  return new S3Store({ ...server.storeOptions, endpoint: proxy.endpoint, bucket, prefix: 't', ...extra });
}

/** A store that talks to the server directly (another writer). */
const directStore = () => new S3Store({ ...server.storeOptions, bucket, prefix: 't' });

/** Multipart uploads the server still holds (neither completed nor aborted). */
async function uploadsLeft(): Promise<string[]> {
  return readdir(path.join(server.directory, bucket, '._S3rver_uploads')).catch(() => []);
}

/** The proxy log as `METHOD status/action`, for readable assertions. */
const trace = () => proxy.log.map((r) => `${r.method} ${r.action === 'forward' ? r.status : `${r.status ?? '-'} ${r.action}`}`);

describe('S3Store retries', () => {
  it('retries 503 SlowDown and counts every attempt in stats', async () => {
    const store = proxiedStore();
    proxy.inject({ method: 'PUT', action: '503', times: 2 });
    proxy.inject({ method: 'GET', action: '503' });
    await store.put('k', enc.encode('v'));
    expectBytes(await store.get('k'), enc.encode('v'));
    expect(trace()).toEqual(['PUT - 503', 'PUT - 503', 'PUT 200', 'GET - 503', 'GET 200']);
    expect(store.stats).toEqual({ get: 2, put: 3, head: 0, list: 0, delete: 0, retries: 3 });
  });

  it('retries dropped connections on every kind of request', async () => {
    const store = proxiedStore();
    const dropNext = (method: string, queryHas?: string) => proxy.inject({ method, queryHas, action: 'drop' });
    dropNext('PUT');
    await store.put('a/k', enc.encode('v'));
    dropNext('GET');
    expectBytes(await store.getRange('a/k', 0, 1), enc.encode('v'));
    dropNext('HEAD');
    expect(await store.head('a/k')).toMatchObject({ key: 'a/k', size: 1 });
    dropNext('GET', 'list-type');
    expect((await store.list('a/')).map((m) => m.key)).toEqual(['a/k']);
    dropNext('DELETE');
    await store.delete('a/k');
    expect(await store.head('a/k')).toBeUndefined();
    expect(store.stats).toEqual({ get: 2, put: 2, head: 3, list: 2, delete: 2, retries: 5 });
  });

  it('a put whose response is lost is retried and succeeds; the object is written as sent', async () => {
    const store = proxiedStore();
    proxy.inject({ method: 'PUT', action: 'lost-ack' });
    await store.put('k', enc.encode('value'));
    expect(trace()).toEqual(['PUT 200 lost-ack', 'PUT 200']);
    expectBytes(await directStore().get('k'), enc.encode('value'));
  });

  it('gives up after maxAttempts with a StoreFailureError that names the cause and the attempts', async () => {
    const store = proxiedStore({ retry: { maxAttempts: 3, baseDelayMs: 1 } });
    proxy.inject({ method: 'PUT', action: '503', times: 10 });
    const err = await store.put('k', enc.encode('v')).catch((e: unknown) => e);
    expect(isFreshtierError(err, 'STORE_FAILURE'), String(err)).toBe(true);
    expect(String(err)).toMatch(/SlowDown.*HTTP 503.*after 3 attempts/);
    expect(proxy.count('PUT')).toBe(3);
  });

  it('does not retry a client error (unknown access key → 403)', async () => {
    // s3rver checks the key id but not SigV4 signatures, so a wrong secret would pass.
    const store = proxiedStore({ credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'wrong' } });
    const err = await store.get('k').catch((e: unknown) => e);
    expect(isFreshtierError(err, 'STORE_FAILURE'), String(err)).toBe(true);
    expect(String(err)).toContain('InvalidAccessKeyId');
    expect(proxy.log.map((r) => r.status)).toEqual([403]);
  });

  it('a missing bucket is a StoreFailureError, not a missing object', async () => {
    const store = proxiedStore({ bucket: 'no-such-bucket' });
    const err = await store.get('k').catch((e: unknown) => e);
    expect(isFreshtierError(err, 'STORE_FAILURE'), String(err)).toBe(true);
    expect(String(err)).toContain('NoSuchBucket');
  });
});

describe('S3Store putIfAbsent under faults', () => {
  it('a 412 is an answer: never retried, no extra request', async () => {
    await directStore().put('k', enc.encode('theirs'));
    const store = proxiedStore();
    expect(await store.putIfAbsent('k', enc.encode('mine'))).toBe('exists');
    expect(trace()).toEqual(['PUT 412']);
    expect(store.stats).toMatchObject({ put: 1, head: 0, retries: 0 });
  });

  it('a create whose response was lost reports created: the 412 on retry is resolved by the write id', async () => {
    const store = proxiedStore();
    proxy.inject({ method: 'PUT', action: 'lost-ack' });
    expect(await store.putIfAbsent('k', enc.encode('mine'))).toBe('created');
    expect(trace()).toEqual(['PUT 200 lost-ack', 'PUT 412', 'HEAD 200']);
    expectBytes(await directStore().get('k'), enc.encode('mine'));
  });

  it('a 412 after a failed attempt on someone else\'s object reports exists, even with identical bytes', async () => {
    await directStore().putIfAbsent('k', enc.encode('same'));
    const store = proxiedStore();
    proxy.inject({ method: 'PUT', action: 'drop' });
    expect(await store.putIfAbsent('k', enc.encode('same'))).toBe('exists');
    expect(trace()).toEqual(['PUT - drop', 'PUT 412', 'HEAD 200']);
  });

  it('retries 503 before the create and then creates once', async () => {
    const store = proxiedStore();
    proxy.inject({ method: 'PUT', action: '503', times: 2 });
    expect(await store.putIfAbsent('k', enc.encode('mine'))).toBe('created');
    expect(trace()).toEqual(['PUT - 503', 'PUT - 503', 'PUT 200']);
  });
});

describe('S3Store multipart uploads under faults', () => {
  const big = patternBytes(11 * MiB + 5, 42); // three parts of 5, 5 and 1 MiB
  const multipartStore = () => proxiedStore({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
  const isComplete = (r: { method: string; query: URLSearchParams }) => r.method === 'POST' && r.query.has('uploadId');

  it('retries failed parts, resolves a lost completion, and creates the object once', async () => {
    const store = multipartStore();
    proxy.inject({ method: 'PUT', queryHas: 'partNumber', action: '503' });
    proxy.inject({ method: 'PUT', queryHas: 'partNumber', action: 'drop' });
    proxy.inject({ method: 'POST', queryHas: 'uploadId', action: 'lost-ack' });
    expect(await store.putIfAbsent('big', big)).toBe('created');
    expect(proxy.count('PUT')).toBe(5); // 3 parts + 2 retries
    // The retried completion finds the upload gone (404 NoSuchUpload); HEAD shows the object is ours.
    expect(proxy.log.filter(isComplete).map((r) => r.status)).toEqual([200, 404]);
    expect(proxy.count('HEAD')).toBe(1);
    expectBytes(await directStore().get('big'), big);
    expect(await uploadsLeft()).toEqual([]);
  });

  it('reports exists when the key is taken, and aborts the upload', async () => {
    await directStore().put('big', enc.encode('theirs'));
    const store = multipartStore();
    expect(await store.putIfAbsent('big', big)).toBe('exists');
    expect(proxy.log.filter(isComplete).map((r) => r.status)).toEqual([412]);
    expect(proxy.log.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([204]);
    expect(await uploadsLeft()).toEqual([]);
    expectBytes(await directStore().get('big'), enc.encode('theirs'));
  });

  it('aborts the upload when a part keeps failing', async () => {
    const store = multipartStore();
    proxy.inject({ method: 'PUT', queryHas: 'partNumber', action: '503', times: 100 });
    const err = await store.put('big', big).catch((e: unknown) => e);
    expect(isFreshtierError(err, 'STORE_FAILURE'), String(err)).toBe(true);
    expect(proxy.log.filter((r) => r.method === 'DELETE' && r.query.has('uploadId')).map((r) => r.status)).toEqual([204]);
    expect(await uploadsLeft()).toEqual([]);
    expect(await directStore().head('big')).toBeUndefined();
  });
});
