/**
 * Failpoints are no-ops until armed; armed ones fire from hit `after + 1`, at most
 * `times` times; the FRESHTIER_FAILPOINTS syntax parses or fails loudly. (The
 * crash and fault cases that use them live in reliability/test/failpoints.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FAILPOINTS, FailpointError, armFailpoint, disarmAllFailpoints, disarmFailpoint, failpoint, failpointStats, parseFailpointSpec } from '../src/index.js';

afterEach(() => disarmAllFailpoints());

describe('failpoints', () => {
  it('do nothing unless armed', () => {
    for (const name of Object.keys(FAILPOINTS)) expect(() => failpoint(name)).not.toThrow();
    expect(failpointStats('wal:before-append')).toBeUndefined();
  });

  it('fire from hit after+1, at most `times` times, and disarm', () => {
    armFailpoint('flush:after-parquet', 'throw', { after: 2, times: 2 });
    failpoint('flush:after-parquet');
    failpoint('flush:after-parquet');
    failpoint('wal:before-append'); // another name is not affected
    expect(() => failpoint('flush:after-parquet')).toThrow(FailpointError);
    expect(() => failpoint('flush:after-parquet')).toThrow(/failpoint flush:after-parquet fired \(hit 4\)/);
    failpoint('flush:after-parquet');
    expect(failpointStats('flush:after-parquet')).toEqual({ hits: 5, fired: 2 });
    disarmFailpoint('flush:after-parquet');
    expect(() => failpoint('flush:after-parquet')).not.toThrow();
  });

  it('run a function action in place of the hook', () => {
    const seen: [string, number][] = [];
    armFailpoint('replay:entry', (name, hit) => void seen.push([name, hit]));
    failpoint('replay:entry');
    failpoint('replay:entry');
    expect(seen).toEqual([['replay:entry', 1], ['replay:entry', 2]]);
  });

  it('parse FRESHTIER_FAILPOINTS, rejecting what they cannot read', () => {
    expect(parseFailpointSpec('flush:after-parquet=exit, wal:before-append=throw@3,')).toEqual([
      { name: 'flush:after-parquet', action: 'exit', after: 0 },
      { name: 'wal:before-append', action: 'throw', after: 3 },
    ]);
    expect(() => parseFailpointSpec('flush:after-parquet=explode')).toThrow(/cannot parse "flush:after-parquet=explode"/);
    expect(() => armFailpoint('x', 'throw', { after: -1 })).toThrow(RangeError);
  });

  it('exit kills the process with SIGKILL at that step, armed from the environment', () => {
    const code = "import('@freshtier/core').then((c) => { process.stdout.write('before\\n'); c.failpoint('open:before-fence'); process.stdout.write('after\\n'); })";
    const r = spawnSync(process.execPath, ['--conditions=freshtier-src', '--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: new URL('..', import.meta.url), env: { ...process.env, FRESHTIER_FAILPOINTS: 'open:before-fence=exit' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).toBe('before\n');
  });
});
