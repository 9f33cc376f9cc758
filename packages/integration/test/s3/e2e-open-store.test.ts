/**
 * What the CLI and the examples do with an `s3://` target: import
 * `@freshtier/s3-store` (which registers the scheme with core's `openStore`),
 * open the URI with endpoint and credentials from the environment only, and run
 * Table.create + writer + scanner on it. The endpoint is the fault proxy (without
 * faults) so the test can see the requests: path-style, `/<bucket>/<prefix>/…`.
 */
import { Table, openStore } from '@freshtier/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '@freshtier/s3-store'; // the package entry: importing it registers s3://
import { LsmScanner, ShardWriter, idsOf, range, rangeBatch, readRows, schema } from './e2e-support.js';
import { FaultProxy } from '../../../s3-store/test/fault-proxy.js';
import { startS3Server, type S3TestServer } from '../../../s3-store/test/s3-server.js';

const ENV = ['FRESHTIER_S3_ENDPOINT', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
const saved = ENV.map((n) => process.env[n]);

let server: S3TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startS3Server();
  proxy = await FaultProxy.start(server.endpoint);
});
afterAll(async () => {
  ENV.forEach((n, i) => (saved[i] === undefined ? delete process.env[n] : (process.env[n] = saved[i])));
  await proxy?.stop();
  await server?.stop();
});

describe('openStore("s3://…") end to end', () => {
  it('creates, writes and scans a table from a URI and the environment alone', async () => {
    Object.assign(process.env, {
      FRESHTIER_S3_ENDPOINT: proxy.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: server.storeOptions.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.storeOptions.credentials.secretAccessKey,
    });
    const bucket = await server.newBucket();
    const uri = `s3://${bucket}/tables/events`;
    const store = await openStore(uri);
    expect(store).toBeInstanceOf(S3Store);
    expect(store.uri).toBe(uri);

    const table = await Table.create(store, { schema, primaryKey: ['id'], shards: 1 });
    const writer = await ShardWriter.open(table, { shard: 0, durability: 'durable' });
    await writer.put(rangeBatch(0, 100, 1));
    expect(idsOf(await readRows(new LsmScanner(table, { writers: [writer] })))).toEqual(range(0, 100));
    await writer.close();

    // Another opener of the same URI (a trailing slash is fine) sees the committed table.
    const reopened = await openStore(`${uri}/`);
    expect(idsOf(await readRows(new LsmScanner(await Table.open(reopened))))).toEqual(range(0, 100));
    // forcePathStyle (the default with an endpoint): the bucket is the first path segment, never a host name.
    expect(proxy.log.length).toBeGreaterThan(0);
    expect(proxy.log.filter((r) => !r.path.startsWith(`/${bucket}/`) && !(r.path === `/${bucket}` && r.query.has('list-type')))).toEqual([]);
    (store as S3Store).close();
    (reopened as S3Store).close();
  });
});
