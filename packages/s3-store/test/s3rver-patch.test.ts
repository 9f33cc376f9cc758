/**
 * Tests of our s3rver patch (patches/s3rver@3.7.1.patch) in raw HTTP, without the
 * SDK or S3Store, so a failure points at the server and not at our client:
 * conditional writes (If-None-Match / If-Match on PUT and on
 * CompleteMultipartUpload), their atomicity under a race, AbortMultipartUpload,
 * and paginated listings. s3rver accepts unsigned (anonymous) requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from './s3-server.js';

let server: S3TestServer;
let base: string;
beforeAll(async () => {
  server = await startS3Server();
  base = `${server.endpoint}/${server.bucket}`;
});
afterAll(async () => {
  await server?.stop();
});

const put = (key: string, body: string, headers: Record<string, string> = {}) => fetch(`${base}/${key}`, { method: 'PUT', body, headers });
const text = async (key: string) => (await fetch(`${base}/${key}`)).text();

/** Starts a multipart upload of `key` and uploads `body` as its single part; returns the upload id and the completion XML. */
async function oneUploadPart(key: string, body: string): Promise<{ uploadId: string; completeXml: string }> {
  const created = await (await fetch(`${base}/${key}?uploads`, { method: 'POST' })).text();
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)![1];
  const part = await fetch(`${base}/${key}?partNumber=1&uploadId=${uploadId}`, { method: 'PUT', body });
  const completeXml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.get('etag')}</ETag></Part></CompleteMultipartUpload>`;
  return { uploadId, completeXml };
}

const complete = (key: string, uploadId: string, xml: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/${key}?uploadId=${uploadId}`, { method: 'POST', body: xml, headers });

describe('s3rver patch: conditional PUT', () => {
  it('If-None-Match: * creates once, then answers 412 PreconditionFailed and keeps the object', async () => {
    expect((await put('inm/a', 'first', { 'If-None-Match': '*' })).status).toBe(200);
    const second = await put('inm/a', 'second', { 'If-None-Match': '*' });
    expect(second.status).toBe(412);
    expect(await second.text()).toContain('<Code>PreconditionFailed</Code>');
    expect(await text('inm/a')).toBe('first');
  });

  it('a PUT without conditions still replaces', async () => {
    await put('plain/a', 'one');
    expect((await put('plain/a', 'two')).status).toBe(200);
    expect(await text('plain/a')).toBe('two');
  });

  it('If-Match succeeds only with the current ETag; 404 when there is no object', async () => {
    const etag = (await put('im/a', 'v1')).headers.get('etag')!;
    expect((await put('im/a', 'v2', { 'If-Match': '"0123456789abcdef0123456789abcdef"' })).status).toBe(412);
    expect(await text('im/a')).toBe('v1');
    expect((await put('im/a', 'v2', { 'If-Match': etag })).status).toBe(200);
    expect(await text('im/a')).toBe('v2');
    expect((await put('im/missing', 'x', { 'If-Match': etag })).status).toBe(404);
  });

  it('of 30 concurrent If-None-Match PUTs on one key exactly one gets 200, and its body is stored', async () => {
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => put('race/key', `writer ${i}`, { 'If-None-Match': '*' })));
    const statuses = responses.map((r) => r.status);
    const winners = statuses.flatMap((s, i) => (s === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(29);
    expect(await text('race/key')).toBe(`writer ${winners[0]}`);
  });
});

describe('s3rver patch: multipart uploads', () => {
  it('CompleteMultipartUpload with If-None-Match: * answers 412 when the key exists', async () => {
    await put('mp/exists', 'already here');
    const { uploadId, completeXml } = await oneUploadPart('mp/exists', 'part data');
    const res = await complete('mp/exists', uploadId, completeXml, { 'If-None-Match': '*' });
    expect(res.status).toBe(412);
    expect(await text('mp/exists')).toBe('already here');
  });

  it('CompleteMultipartUpload with If-None-Match: * creates a new key once; a repeat gets 404 NoSuchUpload', async () => {
    const { uploadId, completeXml } = await oneUploadPart('mp/new', 'part data');
    expect((await complete('mp/new', uploadId, completeXml, { 'If-None-Match': '*' })).status).toBe(200);
    expect(await text('mp/new')).toBe('part data');
    const again = await complete('mp/new', uploadId, completeXml, { 'If-None-Match': '*' });
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('<Code>NoSuchUpload</Code>');
  });

  it('AbortMultipartUpload discards the upload (204), then it is gone (404)', async () => {
    const { uploadId, completeXml } = await oneUploadPart('mp/aborted', 'part data');
    expect((await fetch(`${base}/mp/aborted?uploadId=${uploadId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/mp/aborted?uploadId=${uploadId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await complete('mp/aborted', uploadId, completeXml)).status).toBe(404);
  });
});

describe('s3rver patch: listing', () => {
  it('pages with continuation tokens in S3 key order, losing no key', async () => {
    // The directory walk yields "l/a/b" before "l/a-c"; S3 order is the reverse.
    const keys = ['l/a-c', 'l/a/b', 'l/a/b/c', 'l/a0', 'l/b'];
    for (const k of keys) await put(k, k);
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams({ 'list-type': '2', prefix: 'l/', 'max-keys': '2', ...(token ? { 'continuation-token': token } : {}) });
      const xml = await (await fetch(`${base}?${q}`)).text();
      listed.push(...[...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]));
      token = /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)?.[1];
    } while (token);
    expect(listed).toEqual([...keys].sort());
  });
});
