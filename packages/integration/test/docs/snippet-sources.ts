/**
 * Where the documentation's TypeScript snippets come from (issue 15: "examples in docs
 * type-check"): the ```ts blocks of README.md, docs/*.md and each package's README.md, and
 * the ```ts blocks of every `@example` tag on a public export of a package (what its
 * `index.ts` exports, and the public members of exported classes and interfaces).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One snippet and where it was written (`file:line`), for the failure message. */
export interface Snippet {
  readonly origin: string;
  readonly code: string;
  /** Markdown snippets with their own imports are complete programs: no preamble is added. */
  readonly complete: boolean;
}

/** The published packages, in dependency order (the order names are imported in the preamble). */
export const PACKAGES = ['core', 'scanner', 'writer', 's3-store', 'cli'] as const;

/** The ```ts fenced blocks of `text`, each with the 0-based line its code starts on. */
export function fencedTs(text: string): Array<{ line: number; code: string }> {
  const out: Array<{ line: number; code: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    out.push({ line: start, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

/** The markdown files whose ```ts blocks must compile. */
export function markdownFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(root, 'docs', f));
  return [join(root, 'README.md'), ...docs, ...PACKAGES.map((p) => join(root, 'packages', p, 'README.md'))];
}

export function markdownSnippets(root: string): Snippet[] {
  return markdownFiles(root).flatMap((file) => fencedTs(readFileSync(file, 'utf8')).map(({ line, code }) => ({
    origin: `${relative(root, file)}:${line + 1}`,
    code,
    complete: /^\s*import\s/m.test(code),
  })));
}

/**
 * The `@example` blocks on the public exports of the modules `modules` (module symbols from
 * `checker`), each declaration once (a re-export is the same declaration).
 */
export function jsdocSnippets(root: string, checker: ts.TypeChecker, modules: ts.Symbol[]): Snippet[] {
  const seen = new Set<ts.Node>();
  const out: Snippet[] = [];
  const visit = (decl: ts.Node): void => {
    if (seen.has(decl)) return;
    seen.add(decl);
    out.push(...examplesOf(root, decl));
    if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
      for (const member of decl.members) if (isPublicMember(member)) visit(member);
    }
  };
  for (const mod of modules) {
    const file = mod.valueDeclaration;
    if (file && ts.isSourceFile(file)) out.push(...fileExamples(root, file));
    for (const exported of checker.getExportsOfModule(mod)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const decl of target.declarations ?? []) if (!decl.getSourceFile().isDeclarationFile) visit(decl);
    }
  }
  return out;
}

function isPublicMember(member: ts.Node): boolean {
  const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  const name = (member as ts.NamedDeclaration).name;
  return !(name && ts.isPrivateIdentifier(name));
}

/** The examples of a module's leading doc comment (a package's `index.ts` describes the package). */
function fileExamples(root: string, sf: ts.SourceFile): Snippet[] {
  const first = ts.getLeadingCommentRanges(sf.text, 0)?.find((r) => sf.text.startsWith('/**', r.pos));
  if (!first) return [];
  const text = sf.text.slice(first.pos, first.end);
  const at = text.indexOf('@example');
  if (at < 0) return [];
  const startLine = sf.getLineAndCharacterOfPosition(first.pos + at).line;
  return fencedTs(stripStars(text.slice(at))).map(({ line, code }) => ({ origin: `${relative(root, sf.fileName)}:${startLine + line + 1}`, code, complete: false }));
}

/** Doc-comment text without its ` * ` line prefixes (the code keeps its own indentation). */
function stripStars(raw: string): string {
  return raw.split('\n').map((l) => l.replace(/^\s*\*( |$)/, '')).join('\n');
}

function examplesOf(root: string, decl: ts.Node): Snippet[] {
  const sf = decl.getSourceFile();
  return ts.getJSDocTags(decl).filter((tag) => tag.tagName.text === 'example').flatMap((tag) => {
    const raw = stripStars(sf.text.slice(tag.pos, tag.end));
    const tagLine = sf.getLineAndCharacterOfPosition(tag.getStart(sf)).line;
    return fencedTs(raw).map(({ line, code }) => ({
      origin: `${relative(root, sf.fileName)}:${tagLine + line + 1}`,
      code,
      complete: false,
    }));
  });
}
