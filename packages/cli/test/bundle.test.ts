/**
 * The bundled program (scripts/bundle.mjs; the package's `bin`), built here from the
 * sources into a temporary directory of the package (so `parquet-wasm`, which the bundle
 * imports, resolves as it does for an installed package), then run as a user runs it:
 * - `--help`, and a table's life on local disk: init, append (JSON Lines and CSV), scan;
 * - the licences of the third-party code inside it are beside it (THIRD-PARTY-NOTICES.txt);
 * - the flush worker entry beside it starts and answers (the writer starts it from there);
 * - an `s3://` table, against a real S3 server on loopback: the S3 store and the AWS SDK
 *   are a chunk loaded only then, sharing core's code (and error classes) with the rest.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../../s3-store/test/s3-server.js';
import { USERS_SCHEMA, tempDir, write } from './support.js';

const cli = fileURLToPath(new URL('../', import.meta.url));
const out = mkdtempSync(join(cli, '.bundle-test-')); // not under dist/, which is packed
const dir = tempDir('freshtier-bundle-');
let server: S3TestServer | undefined;

/** Runs the program without blocking this thread (the S3 server answers from it). */
function freshtier(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(out, 'freshtier.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  const built = spawnSync(process.execPath, [join(cli, 'scripts/bundle.mjs'), out], { encoding: 'utf8', timeout: 120_000 });
  expect(built.status, built.stderr).toBe(0);
}, 150_000);

afterAll(async () => {
  await server?.stop();
  rmSync(out, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the bundled freshtier program', () => {
  it('prints its help and runs a table on local disk', async () => {
    expect((await freshtier(['--help'])).stdout).toContain('Usage: freshtier');
    const schema = write(dir, 'users.json', USERS_SCHEMA);
    expect((await freshtier(['init', 't', '--schema', schema, '--primary-key', 'id'])).code).toBe(0);
    const a = await freshtier(['append', 't', write(dir, 'a.jsonl', '{"id": 9007199254740993, "name": "é", "age": 30, "score": 1.5, "active": true, "joined": "2024-05-01T12:00:00.123Z"}\n')]);
    expect(a.stderr).toBe('');
    expect((await freshtier(['append', 't', write(dir, 'b.csv', 'id,name,age,score,active,joined\n2,b,,,,\n')])).code).toBe(0);
    const rows = await freshtier(['scan', 't', '--format', 'csv', '--columns', 'id,name,joined']);
    expect(rows.stdout.trim().split('\n').sort()).toEqual(['2,b,', '9007199254740993,é,2024-05-01T12:00:00.123Z', 'id,name,joined']);
    const bad = await freshtier(['append', 't', write(dir, 'bad.jsonl', '{"id": 1.5}\n')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl line 1/);
  });

  it('carries the licences of the third-party code inside it', () => {
    const notices = readFileSync(join(out, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    for (const [name, license, text] of [['apache-arrow', 'Apache-2.0', 'Apache License'], ['zod', 'MIT', 'Permission is hereby granted'], ['commander', 'MIT', 'Permission is hereby granted'], ['@aws-sdk/client-s3', 'Apache-2.0', 'Apache License']]) {
      const at = notices.indexOf(`=== ${name}@`);
      expect(at, name).toBeGreaterThanOrEqual(0);
      const section = notices.slice(at, notices.indexOf('\n=== ', at + 1) >>> 0);
      expect(section).toContain(`(${license}) ===`);
      expect(section).toContain(text);
    }
    expect(notices).not.toMatch(/=== @freshtier\//); // freshtier's own packages are under LICENSE
  });

  it('has the flush worker beside it, and it starts', async () => {
    const worker = new Worker(join(out, 'flush-worker.js'));
    try {
      const first = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(first).toEqual({ type: 'ready' });
    } finally {
      await worker.terminate();
    }
  });

  it('reads s3:// tables through the chunk it loads for them', async () => {
    server = await startS3Server();
    const env = {
      FRESHTIER_S3_ENDPOINT: server.endpoint, AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: server.storeOptions.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.storeOptions.credentials.secretAccessKey,
    };
    const uri = `s3://${server.bucket}/users`;
    expect((await freshtier(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id'], env)).code).toBe(0);
    expect((await freshtier(['append', uri, write(dir, 's3.jsonl', '{"id": 1, "name": "s3"}\n'), '--allow-missing-columns'], env)).code).toBe(0);
    expect((await freshtier(['scan', uri, '--format', 'csv', '--columns', 'id,name'], env)).stdout).toBe('id,name\n1,s3\n');
    const missing = await freshtier(['scan', `s3://${server.bucket}/nothing`], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no freshtier table at');
  }, 60_000);
});
