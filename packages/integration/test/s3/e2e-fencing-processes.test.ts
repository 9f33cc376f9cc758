/**
 * Fencing across processes over S3 (DESIGN.md invariant 8): two writers of one
 * shard in two child processes (test/fixtures/s3-writer.ts), each with its own
 * S3Store, against the same server. The earlier one keeps putting while the later
 * one opens; only S3's conditional writes (manifest versions, WAL positions)
 * stand between them. The earlier must then fail with ShardFencedError, and
 * every row it acked before must be readable afterwards; none it was refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Table } from '@freshtier/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '@freshtier/s3-store';
import { LsmScanner, idsOf, newS3Table, range, readRows } from './e2e-support.js';
import { startS3Server, type S3TestServer } from '../../../s3-store/test/s3-server.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/s3-writer.ts', import.meta.url));

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server?.stop();
});

/** A running fixture: its stdout lines so far, and its exit. */
interface Child {
  proc: ChildProcess;
  lines: () => string[];
  exited: Promise<{ code: number | null; stderr: string }>;
}

function startWriter(storeOptions: object, mode: 'produce' | 'fence', firstId: number): Child {
  // Node with tsx, resolving workspace packages to their sources, as the crash tests run children.
  const proc = spawn(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', fixture, JSON.stringify(storeOptions), mode, String(firstId)], {
    cwd: repoRoot, // `--import tsx` resolves from here
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stderr: err })));
  return { proc, lines: () => out.split('\n').filter(Boolean), exited };
}

/** Waits until `child` printed a line matching `cond` `count` times; fails if it exits first. */
async function waitFor(child: Child, what: string, cond: (line: string) => boolean, count = 1): Promise<void> {
  let gone: { code: number | null; stderr: string } | undefined;
  void child.exited.then((r) => (gone = r));
  const deadline = Date.now() + 30_000;
  while (child.lines().filter(cond).length < count) {
    if (gone) throw new Error(`writer exited (${gone.code}) before ${what}: ${gone.stderr}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The ids of the `A` (acked) or `F` (failed) lines. */
const idsOfLines = (lines: string[], kind: 'A' | 'F') =>
  lines.filter((l) => l.startsWith(`${kind} `)).flatMap((l) => {
    const [, lo, hi] = l.split(' ');
    return range(Number(lo), Number(hi));
  });

describe('fencing across processes over S3', () => {
  it('the later writer fences the earlier: ShardFencedError on its next put, every acked row kept', async () => {
    const { storeOptions, store } = await newS3Table(server);
    const earlier = startWriter(storeOptions, 'produce', 0);
    let later: Child | undefined;
    try {
      // Acked puts and at least one background flush commit before the second writer opens.
      await waitFor(earlier, '40 acked puts', (l) => l.startsWith('A '), 40);
      await waitFor(earlier, 'a flush commit', (l) => l.startsWith('committed '));
      later = startWriter(storeOptions, 'fence', 10_000_000);
      const laterExit = await later.exited;
      expect(laterExit.code, laterExit.stderr).toBe(0);
      const earlierExit = await earlier.exited;
      expect(earlierExit.code, earlierExit.stderr).toBe(0);
    } finally {
      earlier.proc.kill('SIGKILL');
      later?.proc.kill('SIGKILL');
    }

    const epochOf = (c: Child) => Number(c.lines().find((l) => l.startsWith('open '))!.split(' ')[1]);
    expect(epochOf(later)).toBeGreaterThan(epochOf(earlier));
    // Every producer of the earlier writer stopped on a fence, nothing else.
    const failures = earlier.lines().filter((l) => l.startsWith('F ')).map((l) => l.split(' ').slice(3).join(' '));
    expect(failures).toEqual(['ShardFencedError SHARD_FENCED', 'ShardFencedError SHARD_FENCED', 'ShardFencedError SHARD_FENCED']);

    const ids = new Set(idsOf(await readRows(new LsmScanner(await Table.open(new S3Store({ ...storeOptions }))))));
    const acked = idsOfLines(earlier.lines(), 'A');
    expect(acked.filter((id) => !ids.has(id)), 'acked rows missing').toEqual([]);
    expect(idsOfLines(earlier.lines(), 'F').filter((id) => ids.has(id)), 'refused rows visible').toEqual([]);
    expect(range(10_000_000, 10_000_100).every((id) => ids.has(id))).toBe(true);
    expect(ids.size).toBe(acked.length + 100);
    store.close();
  });
});
