/**
 * Regression (issue 15): the README's CLI example did not work as written — its `scan --where`
 * named an `age` column the README's own schema example lacked — and `rollback --help` said a
 * target is "a base version or a tag name" while the README (and the code) also take a table
 * version `3:8,5`. These tests run the README's lines as they are written (schema from the
 * "Schema files" bullet, commands from the CLI block) and hold help and README to the same
 * target forms.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tempDir, write } from './support.js';

const README = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
const CLI_SECTION = README.slice(README.indexOf('\n## CLI'), README.indexOf('\n## ', README.indexOf('\n## CLI') + 1));

/** The README CLI block's command line starting with `freshtier <prefix>`, as argv (comment dropped). */
function readmeCommand(prefix: string): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(CLI_SECTION)![1];
  const line = block.split('\n').find((l) => l.startsWith(`freshtier ${prefix}`));
  if (!line) throw new Error(`the README's CLI block has no "freshtier ${prefix}" line`);
  const words = line.replace(/\s+#.*$/, '').match(/"[^"]*"|'[^']*'|\S+/g)!;
  return words.slice(1).map((w) => (/^["'].*["']$/.test(w) ? w.slice(1, -1) : w));
}

describe('regression: the README CLI example runs as written', () => {
  it('init with the README schema, append, then the README scan --where', async () => {
    const dir = tempDir();
    const schema = /\*\*Schema files\*\*.*?`(\{.*?\})`/.exec(CLI_SECTION)![1];
    write(dir, 'users.json', schema);
    write(dir, 'users.csv', 'id,name,age\n1,x,40\n2,y,50\n3,x,20\n4,x,\n');
    const init = readmeCommand('init');
    expect(init).toEqual(['init', './data/users', '--schema', 'users.json', '--primary-key', 'id', '--shards', '4']);
    expect((await run(init, { cwd: dir })).code).toBe(0);
    expect((await run(readmeCommand('append'), { cwd: dir })).code).toBe(0);
    const scan = readmeCommand('scan ./data/users --columns');
    expect(scan).toContain('--where');
    const shown = await run(scan, { cwd: dir });
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    const csv = (await run([...scan, '--format', 'csv'], { cwd: dir })).stdout;
    expect(csv.trim().split('\n')).toEqual(['id,name', '1,x']); // age > 30 and name = 'x'
  });

  it('rollback --help names every target form the README names, and vice versa', async () => {
    const help = await run(['rollback', '--help']);
    expect(help.code).toBe(0);
    const bullet = /\*\*`rollback`\*\*([\s\S]*?)(\*\*`gc`\*\*|\n- )/.exec(CLI_SECTION)![1].replace(/\s+/g, ' ');
    for (const form of [/\btag\b/, /table version/, /base version/]) {
      expect(help.stdout).toMatch(form);
      expect(bullet).toMatch(form);
    }
    expect(help.stdout).toContain('3:8,5');
  });
});
