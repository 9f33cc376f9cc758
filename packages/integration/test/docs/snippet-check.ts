/**
 * Type-checks documentation snippets with the TypeScript compiler API, in memory: each
 * snippet becomes a virtual module under the repository root that sees the packages'
 * TypeScript sources (never a possibly stale dist/) and apache-arrow. A partial snippet
 * gets every public name of the packages and of apache-arrow imported, plus the few
 * placeholder values of PREAMBLE; its body runs inside an async function, so its own
 * declarations shadow them. Only the snippets' own diagnostics are reported.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { PACKAGES, jsdocSnippets, markdownSnippets, type Snippet } from './snippet-sources.js';

/**
 * Placeholders a partial snippet may use without declaring: the objects every page talks
 * about. Kept small on purpose; anything else a snippet declares itself, in a top-level
 * `declare const x: T;` line (hoisted to module scope, like its imports).
 */
export const PREAMBLE: ReadonlyArray<readonly [name: string, type: string]> = [
  ['store', '__core.ObjectStore'],
  ['table', '__core.Table'],
  ['schema', '__arrow.Schema'],
  ['batch', '__arrow.RecordBatch'],
  ['keyBatch', '__arrow.RecordBatch'],
  ['writer', '__writer.ShardWriter'],
  ['writers', '__writer.ShardWriter[]'],
  ['scanner', '__scanner.LsmScanner'],
];

const MODULES = [...PACKAGES.map((p) => `@freshtier/${p}`), 'apache-arrow'];
const NAMESPACES = `import type * as __core from '@freshtier/core';
import type * as __scanner from '@freshtier/scanner';
import type * as __writer from '@freshtier/writer';
import type * as __arrow from 'apache-arrow';
`;

/** A snippet that failed, with the compiler's messages (line numbers inside the snippet). */
export interface SnippetFailure {
  readonly origin: string;
  readonly messages: string[];
  readonly code: string;
}

function compilerOptions(root: string): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    // a published package's own name resolves to its sources, as the workspace's tests do
    paths: Object.fromEntries(PACKAGES.map((p) => [`@freshtier/${p}`, [join(root, 'packages', p, 'src/index.ts')]])),
  };
}

/** A compiler host serving `virtual` files from memory and caching parsed files across programs. */
function host(options: ts.CompilerOptions, virtual: Map<string, string>): ts.CompilerHost {
  const base = ts.createCompilerHost(options, true);
  const cache = new Map<string, ts.SourceFile>();
  return {
    ...base,
    fileExists: (f) => virtual.has(f) || base.fileExists(f),
    readFile: (f) => virtual.get(f) ?? base.readFile(f),
    getSourceFile: (f, lang, onError) => {
      const text = virtual.get(f);
      if (text !== undefined) return ts.createSourceFile(f, text, lang, true);
      let sf = cache.get(f);
      if (!sf) {
        sf = base.getSourceFile(f, lang, onError);
        if (sf) cache.set(f, sf);
      }
      return sf;
    },
  };
}

/** Every snippet of the repository at `root`, and the public names of each module, from one program. */
export function collectSnippets(root: string): { snippets: Snippet[]; names: Map<string, string> } {
  const options = compilerOptions(root);
  const probe = join(root, '.doc-snippets', 'probe.ts');
  const virtual = new Map([[probe, MODULES.map((m, i) => `import * as m${i} from '${m}';`).join('\n')]]);
  const program = ts.createProgram([probe], options, host(options, virtual));
  const checker = program.getTypeChecker();
  const modules = program.getSourceFile(probe)!.statements.filter(ts.isImportDeclaration).map((imp) => {
    const mod = checker.getSymbolAtLocation(imp.moduleSpecifier);
    if (!mod) throw new Error(`cannot resolve ${(imp.moduleSpecifier as ts.StringLiteral).text} from ${root}`);
    return mod;
  });
  const names = new Map<string, string>(); // name → the first module exporting it
  modules.forEach((mod, i) => {
    for (const s of checker.getExportsOfModule(mod)) if (!names.has(s.name) && s.name !== 'default') names.set(s.name, MODULES[i]);
  });
  const snippets = [...markdownSnippets(root), ...jsdocSnippets(root, checker, modules.slice(0, PACKAGES.length))];
  return { snippets, names };
}

/** The module text a snippet is checked as (see the file comment). */
export function snippetModule(snippet: Snippet, names: Map<string, string>): string {
  if (snippet.complete) return snippet.code;
  const sf = ts.createSourceFile('s.ts', snippet.code, ts.ScriptTarget.ES2022, true);
  const hoisted = sf.statements.filter((st) => ts.isImportDeclaration(st) || isAmbient(st));
  const own = new Set(hoisted.flatMap(declaredNames));
  let body = snippet.code;
  // blanked, not removed, so the body's line numbers stay the snippet's
  for (const st of [...hoisted].reverse()) body = body.slice(0, st.getStart(sf)) + body.slice(st.end);
  const byModule = new Map<string, string[]>();
  for (const [name, mod] of names) if (!own.has(name)) byModule.set(mod, [...(byModule.get(mod) ?? []), name]);
  const imports = [...byModule].map(([mod, list]) => `import { ${list.join(', ')} } from '${mod}';`);
  const placeholders = PREAMBLE.filter(([name]) => !own.has(name)).map(([name, type]) => `declare const ${name}: ${type};`);
  return [...hoisted.map((st) => st.getText(sf)), ...imports, NAMESPACES, ...placeholders,
    'export async function __snippet(): Promise<void> {', body, '}', ''].join('\n');
}

function isAmbient(st: ts.Statement): boolean {
  return ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
}

function declaredNames(st: ts.Statement): string[] {
  if (ts.isImportDeclaration(st)) return importedNames(st);
  if (ts.isVariableStatement(st)) return st.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  const name = (st as ts.DeclarationStatement).name;
  return name && ts.isIdentifier(name) ? [name.text] : [];
}

function importedNames(imp: ts.ImportDeclaration): string[] {
  const clause = imp.importClause;
  if (!clause) return [];
  const out = clause.name ? [clause.name.text] : [];
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) out.push(bindings.name.text);
  if (bindings && ts.isNamedImports(bindings)) out.push(...bindings.elements.map((e) => e.name.text));
  return out;
}

/** Type-checks every snippet; returns the ones that fail. */
export function checkSnippets(root: string, snippets: Snippet[], names: Map<string, string>): SnippetFailure[] {
  const options = compilerOptions(root);
  const files = snippets.map((s, i) => ({ snippet: s, file: join(root, '.doc-snippets', `snippet-${i}.ts`), text: snippetModule(s, names) }));
  const virtual = new Map(files.map((f) => [f.file, f.text]));
  const program = ts.createProgram(files.map((f) => f.file), options, host(options, virtual));
  const failures: SnippetFailure[] = [];
  for (const { snippet, file, text } of files) {
    const sf = program.getSourceFile(file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    if (!diagnostics.length) continue;
    const offset = snippet.complete ? 0 : text.split('\n').findIndex((l) => l.startsWith('export async function __snippet')) + 1;
    const messages = diagnostics.map((d) => {
      const line = d.start === undefined ? -1 : sf.getLineAndCharacterOfPosition(d.start).line;
      const where = line >= offset ? `line ${line - offset + 1}` : 'hoisted imports or declarations';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    failures.push({ origin: snippet.origin, messages, code: snippet.code });
  }
  return failures;
}
