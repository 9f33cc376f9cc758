/**
 * Regression (issue 15): documentation examples did not compile — the README's "Use" snippet
 * used `schema` and `batch` it never defined and imported nothing from apache-arrow, and a
 * JSDoc example built `new RecordBatch({ id: vectorFromArray(...) })`, which apache-arrow's
 * types refuse. Every ```ts block of README.md, docs/*.md and the packages' READMEs, and
 * every `@example` on a public export, is now type-checked (snippet-check.ts says how).
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSnippets, collectSnippets, snippetModule, type SnippetFailure } from './snippet-check.js';
import { fencedTs, markdownFiles, type Snippet } from './snippet-sources.js';

const ROOT = join(import.meta.dirname, '../../../..');

/** Snippets that must fail, checked in the same program as the real ones (a check that cannot fail proves nothing). */
const MUST_FAIL: Array<[string, string, RegExp]> = [
  ['an undefined name', 'await writer.put(rows);', /Cannot find name 'rows'/],
  ['the old RecordBatch example', 'await writer.delete(new RecordBatch({ id: vectorFromArray([7n, 9n]) }));', /No overload matches this call/],
  ['a misspelt option', 'new LsmScanner(table, { writer: [writer] });', /'writer' does not exist/],
  ['a complete snippet using an undeclared schema', "import { LocalStore, Table } from '@freshtier/core';\nawait Table.create(new LocalStore('/d'), { schema, primaryKey: ['id'], shards: 1 });", /'schema'/],
];

describe('documentation snippets type-check', () => {
  const { snippets, names } = collectSnippets(ROOT);
  const probes: Snippet[] = MUST_FAIL.map(([what, code]) => ({ origin: `must-fail: ${what}`, code, complete: code.startsWith('import') }));
  let failures: SnippetFailure[] = [];
  beforeAll(() => {
    failures = checkSnippets(ROOT, [...snippets, ...probes], names);
  }, 240_000);

  it('finds the snippets of the README, the docs and the JSDoc of every package', () => {
    const origins = snippets.map((s) => s.origin);
    expect(origins.some((o) => o.startsWith('README.md:'))).toBe(true);
    expect(origins.some((o) => o.startsWith('docs/'))).toBe(true);
    for (const pkg of ['core', 'scanner', 'writer', 's3-store', 'cli']) {
      expect(origins.filter((o) => o.startsWith(`packages/${pkg}/`)).length, pkg).toBeGreaterThan(0);
    }
    expect(snippets.length).toBeGreaterThan(150);
  });

  it('every snippet compiles', () => {
    const report = failures.filter((f) => !f.origin.startsWith('must-fail')).map((f) => `${f.origin}\n  ${f.messages.join('\n  ')}`).join('\n');
    expect(report).toBe('');
  });

  it.each(MUST_FAIL)('the check reports %s', (what, _code, message) => {
    const failure = failures.find((f) => f.origin === `must-fail: ${what}`);
    expect(failure?.messages.join('\n')).toMatch(message);
  });

  it('the README "Use" snippet is complete: it imports what it uses and declares nothing', () => {
    const use = snippets.find((s) => s.origin.startsWith('README.md:') && s.code.includes('ShardWriter.open'))!;
    expect(use.complete).toBe(true);
    expect(use.code).toMatch(/from 'apache-arrow'/);
    expect(use.code).not.toMatch(/^declare /m);
  });

  it("hoists a snippet's own imports and declarations above the placeholders", () => {
    const text = snippetModule({ origin: 'x', code: "import { Table } from 'apache-arrow';\ndeclare const table: Table;\nconsole.log(table.numRows);", complete: false }, names);
    expect(text).not.toMatch(/import \{[^}]*\bTable\b[^}]*\} from '@freshtier\/core'/);
    expect(text).not.toMatch(/declare const table: __core/);
    expect(text.indexOf('declare const table: Table;')).toBeLessThan(text.indexOf('export async function __snippet'));
  });
});

describe('markdown links', () => {
  const files = markdownFiles(ROOT);

  it('every relative link of README.md and docs/*.md points at a file that exists', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue;
        try { readFileSync(join(file, '..', target)); } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') broken.push(`${relative(ROOT, file)} → ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README links each docs page once (docs/reliability.md was linked twice)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\((docs\/[^)#]+)\)/g)].map((m) => m[1]);
    expect(links.filter((l, i) => links.indexOf(l) !== i)).toEqual([]);
  });

  it('fences ts blocks only (sh and plain blocks are not compiled)', () => {
    expect(fencedTs('```sh\nls\n```\n```ts\nconst a = 1;\n```\n')).toEqual([{ line: 4, code: 'const a = 1;' }]);
  });
});
