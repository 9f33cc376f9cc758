/**
 * Regression: `freshtier scan t --format csv | head -1` and `freshtier --help | head`
 * crashed with an EPIPE stack trace once the reader of stdout went away. Output to a
 * closed pipe now ends the command quietly (exit 0, nothing on stderr), for every
 * output path: scan in every format, help, and JSON documents.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedStream, OutputClosedError, writeAll } from '../src/io.js';
import { shell, withClosedStdout } from './bin-support.js';
import { run, tempDir, write } from './support.js';

const dir = tempDir();
const uri = join(dir, 't');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  write(dir, 's.json', JSON.stringify({ fields: [{ name: 'id', type: 'int64', nullable: false }, { name: 'name', type: 'utf8' }], primaryKey: ['id'] }));
  expect((await run(['init', uri, '--schema', join(dir, 's.json')])).code).toBe(0);
  // about 1 MB of CSV: far more than a pipe buffers, so the writer meets the closed pipe
  const lines = Array.from({ length: 40_000 }, (_, i) => `${i},name-${i}-${'x'.repeat(10)}`);
  expect((await run(['append', uri, write(dir, 'rows.csv', `id,name\n${lines.join('\n')}\n`)])).code).toBe(0);
});

describe('output to a pipe whose reader left', () => {
  it.each(['csv', 'jsonl', 'table'])('scan --format %s | head -1 exits 0 without a stack trace', (format) => {
    const r = shell(`freshtier scan '${uri}' --format ${format} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('status=0\n');
  });

  it('--help | head exits 0 without a stack trace', () => {
    const r = shell(`freshtier --help | head -2; echo "status=\${PIPESTATUS[0]}" >&2`);
    expect(r.stdout).toMatch(/^Usage: freshtier/);
    expect(r.stderr).toBe('status=0\n');
  });

  it.each([
    [['--help']],
    [['scan', uri, '--format', 'csv']],
    [['--json', 'inspect', uri]],
    [['scan', uri, '--limit', '1']],
    [['scan', uri, '--format', 'parquet']],
    [['scan', uri, '--format', 'arrow']],
  ])('%j with stdout already closed: exit 0, stderr empty', async (args) => {
    const r = await withClosedStdout(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

/** A process-stream stand-in: `write` returns `ok`; errors are emitted on demand. */
class FakeStream extends EventEmitter {
  chunks: string[] = [];
  constructor(private readonly ok = true) {
    super();
  }
  write(c: string | Uint8Array): boolean {
    this.chunks.push(String(c));
    return this.ok;
  }
}

describe('GuardedStream', () => {
  it.each([
    ['EPIPE', OutputClosedError],
    ['ERR_STREAM_DESTROYED', OutputClosedError],
    ['ENOSPC', Error],
  ])('after %s: later writes are dropped and writeAll throws %o', async (code, kind) => {
    const raw = new FakeStream();
    const out = new GuardedStream(raw as unknown as NodeJS.WriteStream);
    await writeAll(out, 'a');
    raw.emit('error', Object.assign(new Error(code), { code })); // no listener left to crash the process
    expect(out.write('b')).toBe(true);
    await expect(writeAll(out, 'c')).rejects.toBeInstanceOf(kind);
    expect(raw.chunks).toEqual(['a']);
    if (code === 'ENOSPC') await expect(writeAll(out, 'd')).rejects.toThrow('ENOSPC');
  });

  it('a wait for drain ends when the pipe breaks instead (no hang)', async () => {
    const raw = new FakeStream(false); // full: every write asks to wait for 'drain'
    const out = new GuardedStream(raw as unknown as NodeJS.WriteStream);
    const pending = writeAll(out, 'x');
    raw.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
    await expect(pending).rejects.toBeInstanceOf(OutputClosedError);
  });
});
