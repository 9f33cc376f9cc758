/**
 * Every example runs as the README says (a child process, from the repository
 * root, on TypeScript sources) with a small size, and its output is checked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3TestServer } from '../../packages/s3-store/test/s3-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'freshtier-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NODE_ARGS = ['--conditions=freshtier-src', '--import', 'tsx'];

async function example(name: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...NODE_ARGS, `examples/${name}.ts`, ...args], {
      cwd: root, env: { ...process.env, ...env }, timeout: 50_000, maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

describe.concurrent('examples', () => {
  it('demo.ts is what `npx -y pnpm@10 demo` runs, and walks through a row\'s life', async () => {
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
    expect(scripts.demo).toBe(`node ${NODE_ARGS.join(' ')} examples/demo.ts`);
    const r = await example('demo', [join(dir, 'demo')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/4\. froze and flushed generation 1 → Parquet/);
    expect(r.stdout).toMatch(/5\. scan of the latest state \(5 rows/);
    expect(r.stdout).toMatch(/2\s+Grace\s+Arlington\s+45/);
    expect(r.stdout).not.toMatch(/\n\s+5\s+Ken/);
    expect(r.stdout).toContain('get(id = 2) → {"id":2,"name":"Grace","city":"Arlington","age":45}');
    expect(r.stdout).toContain('containsPks([1, 5, 7]) → [true,false,false]');
    expect(r.stdout).toMatch(/7\. the scan's cut: \{"shard":0,"compactedThrough":-1,"activeGeneration":2,"activeBatchCount":1\}/);
    expect(r.stdout).toMatch(/shards\/0\/gen-1-[\w-]+\/data\.parquet/);
    expect(r.stdout).toMatch(/shards\/0\/wal\/\d{20}\.ftw/);
  });

  it('analytics-append.ts: counts per event type match what was appended', async () => {
    const r = await example('analytics-append', [join(dir, 'analytics'), '--size', '6']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reader: +\d+ events \(acked before scan \d+, after \d+\) ok/);
    expect(r.stdout).not.toContain('WRONG');
    expect(r.stdout).toContain('total: appended 12000, scanned 12000');
    expect(r.stdout).toMatch(/purchase\s+(\d+)\s+\1\s+yes/);
    expect(r.stdout).toContain('counts match what was appended');
  });

  it('upsert-scan.ts: every read matches the in-memory model', async () => {
    const r = await example('upsert-scan', [join(dir, 'upsert'), '--size', '30']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('containsPks([1, 3, 99]) → [true,false,false]');
    expect(r.stdout).toContain('get([2]) → {"id":2,"name":"user2","plan":"team","visits":4}');
    expect(r.stdout).toMatch(/after +30 ops: \d+ live users, \d+ pro users with ≥ 2 visits — all reads match the model/);
    expect(r.stdout).toMatch(/reads \d+ users from storage — same as the model/);
    expect(r.stdout).toMatch(/\d+ checks, 0 mismatches/);
  });

  it('two-phase-block-list.ts: the as-of-cut block list agrees with the arm, the live-tier checks do not', async () => {
    const r = await example('two-phase-block-list', [join(dir, 'two-phase'), '--size', '100']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/freshTierBlockList\(keys, the arm's cut\)\s+25\s+yes/);
    expect(r.stdout).toMatch(/freshTierBlockList\(keys, a fresh cut\)\s+5\s+NO: drops 5 rows the arm returned, keeps 25 stale base rows/);
    expect(r.stdout).toMatch(/not containsPks\(keys\) now\s+\d+\s+NO: drops 5 rows/);
    expect(r.stdout).toMatch(/60\s+v1\s+v4 \(written after the cut\)/);
    expect(r.stdout).toContain('the as-of-cut block list agrees with the read arm exactly');
  });

  it('partial-update.ts: late events do not overwrite newer values, and the change feed turns the tagged scan into the latest', async () => {
    const r = await example('partial-update', [join(dir, 'partial-update')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\s+130\s+user1@example\.com\s+Lyon\s+3/);
    expect(r.stdout).toMatch(/3\s+100\s+user3@example\.com\s+Nowhere\s+∅\s+update_after/);
    expect(r.stdout).toContain('scan(before) + feed = scan(latest): ok');
    expect(r.stdout).not.toContain('WRONG');
    expect(r.stdout).toContain('all checks pass');
  });

  it('examples refuse to empty a location that holds something other than a freshtier table', async () => {
    const target = join(dir, 'precious');
    rmSync(target, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(target));
    writeFileSync(join(target, 'thesis.txt'), 'do not delete');
    const r = await example('demo', [target]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is not empty and holds no freshtier table');
    expect(readFileSync(join(target, 'thesis.txt'), 'utf8')).toBe('do not delete');
  });
});

describe('examples on s3://', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    // imported here, so a problem loading the AWS SDK fails only this test
    const { startS3Server } = await import('../../packages/s3-store/test/s3-server.js');
    server = await startS3Server();
  });
  afterAll(() => server?.stop());

  it('upsert-scan.ts and demo.ts run against an S3 server', async () => {
    const env = {
      FRESHTIER_S3_ENDPOINT: server.endpoint, AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: server.storeOptions.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.storeOptions.credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const [upsert, demo] = await Promise.all([
      example('upsert-scan', [`s3://${server.bucket}/examples/users`, '--size', '10'], env),
      example('demo', [`s3://${server.bucket}/examples/demo`], env),
    ]);
    expect(upsert.stderr).toBe('');
    expect(upsert.code).toBe(0);
    expect(upsert.stdout).toContain(`users table at s3://${server.bucket}/examples/users`);
    expect(upsert.stdout).toMatch(/\d+ checks, 0 mismatches/);
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain(`objects in s3://${server.bucket}/examples/demo:`);
    // run again: the example empties its own table first and starts over
    const again = await example('demo', [`s3://${server.bucket}/examples/demo`], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('5. scan of the latest state (5 rows');
  });
});
