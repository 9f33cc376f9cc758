/**
 * The CLI on s3:// URIs, against a real S3 HTTP server on loopback (s3rver, as in
 * the s3-store tests). Endpoint and credentials come from the environment, as
 * they would for a user.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../../s3-store/test/s3-server.js';
import { USERS_SCHEMA, jsonl, run, tempDir, write } from './support.js';

let server: S3TestServer;
const dir = tempDir();
const saved = { ...process.env };

beforeAll(async () => {
  server = await startS3Server();
  Object.assign(process.env, {
    FRESHTIER_S3_ENDPOINT: server.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: server.storeOptions.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.storeOptions.credentials.secretAccessKey,
  });
});

afterAll(async () => {
  for (const k of ['FRESHTIER_S3_ENDPOINT', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('s3:// tables', () => {
  it('init → append → scan → inspect', async () => {
    const uri = `s3://${server.bucket}/tables/users`;
    const init = await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id', '--shards', '2']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`created table s3://${server.bucket}/tables/users`);
    const a = await run(['append', uri, write(dir, 'u.jsonl', '{"id":1,"name":"a","active":true}\n{"id":2,"name":"b","active":false}\n{"id":1,"name":"a2","active":true}\n'), '--allow-missing-columns']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const rows = jsonl((await run(['scan', uri, '--json', '--columns', 'id,name'])).stdout).sort((x, y) => (x.id as number) - (y.id as number));
    expect(rows).toEqual([{ id: 1, name: 'a2' }, { id: 2, name: 'b' }]);
    const j = JSON.parse((await run(['inspect', uri, '--json'])).stdout);
    expect(j.uri).toBe(`s3://${server.bucket}/tables/users`);
    expect(j.totals.rowsInFlushedGenerations).toBe(2); // one flush: id 1 is deduplicated within its generation
    const missing = await run(['scan', `s3://${server.bucket}/nothing`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no freshtier table at');
  });
});
