/**
 * Regression: with `--json`, an error found while reading the command line (an unknown
 * option, a value outside an option's choices, a missing argument, no command) printed
 * nothing on stdout, although README "Scripts" promises every error there as
 * `{"error": {"code", "message", "hint", "exitCode"}}`. A script then read an empty
 * stdout. It now gets the document with code `USAGE` and exit code 2; without `--json`
 * stdout stays empty, and a `--json` after `--` is an operand, not the flag.
 */
import { describe, expect, it } from 'vitest';
import { run } from './support.js';

describe('--json prints usage errors as its error document', () => {
  it.each([
    ['an unknown option', ['--json', 'scan', './t', '--no-such-option'], /unknown option '--no-such-option'/],
    ['a value outside the choices', ['--json', 'sql', './t', '--dialect', 'postgres'], /--dialect/],
    ['a missing argument', ['--json', 'scan'], /missing required argument 'uri'/],
    ['no command', ['--json'], /no command given/],
    ['--json after the command', ['scan', './t', '--bogus', '--json'], /unknown option '--bogus'/],
  ])('%s', async (_what, argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string; exitCode: number } };
    expect(doc.error.code).toBe('USAGE');
    expect(doc.error.exitCode).toBe(2);
    expect(doc.error.message).toMatch(message);
    expect(doc.error.hint).toMatch(/--help/);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints nothing on stdout without --json, or with --json only after --', async () => {
    for (const argv of [['scan', './t', '--no-such-option'], ['scan', './t', '--no-such-option', '--', '--json']]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/unknown option/);
    }
  });
});
