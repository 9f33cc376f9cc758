/**
 * Options, URIs and the retry policy, without a server: bad input fails with
 * `InvalidOptionsError` naming the field before anything is sent, and the retry
 * layer retries exactly the transient failures.
 */
import { InvalidOptionsError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { S3Store, parseS3Uri, type S3StoreOptions } from '../src/index.js';
import { clientSettings, resolveOptions } from '../src/options.js';
import { backoffMs, isRetryable } from '../src/retry.js';

/** The issue paths of the InvalidOptionsError that `fn` throws. */
function issuePaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOptionsError);
    return (e as InvalidOptionsError).issues.map((i) => i.path);
  }
  return expect.fail('expected InvalidOptionsError');
}

describe('parseS3Uri', () => {
  it.each([
    ['s3://analytics', { bucket: 'analytics', prefix: '' }],
    ['s3://analytics/', { bucket: 'analytics', prefix: '' }],
    ['s3://analytics/tables/events/', { bucket: 'analytics', prefix: 'tables/events' }],
    ['S3://my.bucket-1/t', { bucket: 'my.bucket-1', prefix: 't' }],
  ])('parses %s', (uri, expected) => {
    expect(parseS3Uri(uri)).toEqual(expected);
  });

  it.each(['http://analytics/t', 's3://', 's3:/analytics', 's3://Upper/t', 's3://ab/t', 's3://analytics/a/../b', 's3://analytics/t?x=1', '/local/path'])(
    'rejects %s with InvalidOptionsError',
    (uri) => {
      expect(() => parseS3Uri(uri)).toThrow(InvalidOptionsError);
    },
  );
});

describe('S3Store options', () => {
  it('fills defaults', () => {
    const o = resolveOptions({ bucket: 'b12' });
    expect(o).toMatchObject({ prefix: '', multipartThresholdBytes: 16 << 20, partSizeBytes: 8 << 20, listPageSize: 1000, retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 } });
  });

  it.each<[string, unknown, string[]]>([
    ['no bucket', {}, ['bucket']],
    ['a bucket name S3 refuses', { bucket: 'Bad_Bucket' }, ['bucket']],
    ['a prefix escaping the root', { bucket: 'b12', prefix: 'a/../b' }, ['prefix']],
    ['a part size below S3\'s 5 MiB minimum', { bucket: 'b12', partSizeBytes: 1024 }, ['partSizeBytes']],
    ['a fractional threshold', { bucket: 'b12', multipartThresholdBytes: 6e6 + 0.5 }, ['multipartThresholdBytes']],
    ['zero attempts', { bucket: 'b12', retry: { maxAttempts: 0 } }, ['retry.maxAttempts']],
    ['an endpoint that is no URL', { bucket: 'b12', endpoint: 'localhost:9000' }, ['endpoint']],
    ['a misspelt option (named at its own path)', { bucket: 'b12', mulitpartThresholdBytes: 1 }, ['mulitpartThresholdBytes']],
    ['a client and an endpoint', { bucket: 'b12', client: { send() {} }, endpoint: 'http://x' }, ['client']],
    ['several problems at once', { bucket: 'x', listPageSize: 5000 }, ['bucket', 'listPageSize']],
  ])('rejects %s', (_label, input, paths) => {
    expect(issuePaths(() => new S3Store(input as S3StoreOptions))).toEqual(paths);
  });

  it('fromUri validates the rest of the options too', () => {
    expect(issuePaths(() => S3Store.fromUri('s3://b12/t', { retry: { baseDelayMs: -1 } }))).toEqual(['retry.baseDelayMs']);
  });
});

describe('clientSettings', () => {
  it('takes what the options leave out from the environment', () => {
    const env = { FRESHTIER_S3_ENDPOINT: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };
    expect(clientSettings(resolveOptions({ bucket: 'b12' }), env)).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
  });

  it('prefers options, and leaves credentials to the SDK chain when none are set', () => {
    const o = resolveOptions({ bucket: 'b12', region: 'ap-south-1', forcePathStyle: false, endpoint: 'https://s3.example' });
    expect(clientSettings(o, { AWS_REGION: 'eu-west-1' })).toEqual({ region: 'ap-south-1', endpoint: 'https://s3.example', forcePathStyle: false, credentials: undefined });
    expect(clientSettings(resolveOptions({ bucket: 'b12' }), {})).toEqual({ region: 'us-east-1', endpoint: undefined, forcePathStyle: false, credentials: undefined });
  });
});

describe('retry policy', () => {
  const http = (status: number, name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  const net = (code: string, message = code) => Object.assign(new Error(message), { code });

  it.each<[string, unknown, boolean]>([
    ['503 SlowDown', http(503, 'SlowDown'), true],
    ['500 InternalError', http(500, 'InternalError'), true],
    ['429', http(429, 'TooManyRequests'), true],
    ['400 RequestTimeout', http(400, 'RequestTimeout'), true],
    ['409 ConditionalRequestConflict', http(409, 'ConditionalRequestConflict'), true],
    ['a reset connection', net('ECONNRESET', 'socket hang up'), true],
    ['a refused connection', net('ECONNREFUSED'), true],
    ['412 PreconditionFailed', http(412, 'PreconditionFailed'), false],
    ['404 NoSuchKey', http(404, 'NoSuchKey'), false],
    ['403 AccessDenied', http(403, 'AccessDenied'), false],
    ['409 BucketAlreadyExists', http(409, 'BucketAlreadyExists'), false],
    ['a programming error', new TypeError('x is undefined'), false],
  ])('%s → retry %s', (_label, e, expected) => {
    expect(isRetryable(e)).toBe(expected);
  });

  it('backs off exponentially with jitter, up to the cap', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3].map((n) => backoffMs(policy, n, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffMs(policy, n, () => 1))).toEqual([100, 200, 400]);
    expect(backoffMs(policy, 9, () => 1)).toBe(1000);
  });
});
