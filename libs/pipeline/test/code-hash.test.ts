import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { codeClosure, CodeScanError } from '@transfusion/pipeline';

const WLIB_INNER = 'export const inner = 1;\n';

/** A package `@fx/stage` in a fresh folder, holding `files`, with an installed package and a workspace package beside it. */
function stagePackage(files: Record<string, string>): {
  dir: string;
  write(name: string, text: string): void;
  closure(entry: string): ReturnType<typeof codeClosure>;
} {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tf-code-hash-')));
  const write = (name: string, text: string): void => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  write('package.json', JSON.stringify({ name: '@fx/stage', version: '1.0.0', type: 'module' }));
  write(
    'node_modules/installed-pkg/package.json',
    JSON.stringify({ name: 'installed-pkg', version: '1.2.3', main: 'index.js' }),
  );
  write('node_modules/installed-pkg/index.js', 'export const z = 1;\n');
  // A workspace package: linked into node_modules, its real folder outside it, so its code is ours.
  write(
    'workspace/wlib/package.json',
    JSON.stringify({
      name: '@fx/wlib',
      version: '0.1.0',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    }),
  );
  write('workspace/wlib/dist/index.js', "export { inner } from './inner.js';\n");
  write('workspace/wlib/dist/inner.js', WLIB_INNER);
  mkdirSync(join(dir, 'node_modules/@fx'), { recursive: true });
  symlinkSync(join(dir, 'workspace/wlib'), join(dir, 'node_modules/@fx/wlib'));
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, write, closure: (entry) => codeClosure(pathToFileURL(join(dir, entry)).href) };
}

const TRICKY_ENTRY = `import { a } from './a.mjs';
import './side-effect.mjs';
export { b } from './b.mjs';
export * from './star.mjs';
export * as ns from './ns.mjs';
import { readFileSync } from 'node:fs';
import path from 'path';
import { z } from 'installed-pkg';
import { inner } from '@fx/wlib';
const lazy = () => import('./lazy.mjs');
const computed = (name) => import(name);
const templated = (n) => import(\`./tpl-\${n}.mjs\`);
const inString = "import x from './in-string.mjs'";
const inSingle = 'export * from "./in-single.mjs"';
const inTemplate = \`import('./in-template.mjs') \${a}\`;
// import c from './in-comment.mjs'
/* export { d } from './in-block-comment.mjs'
   import('./in-block-comment.mjs') */
const regexLike = /import ['"]\\.\\/in-regex\\.mjs['"]/;
const here = import.meta.url;
export const all = [a, readFileSync, path, z, inner, lazy, computed, templated, inString, inSingle, inTemplate, regexLike, here];
`;

/** Every file the tricky entry names, followed or not, exists: a wrong reading would pull it into the closure. */
const TRICKY_FILES: Record<string, string> = {
  'entry.mjs': TRICKY_ENTRY,
  'a.mjs': "import './entry.mjs';\nexport const a = 1;\n", // a cycle back to the entry
  'side-effect.mjs': 'globalThis.sideEffect = 1;\n',
  'b.mjs': 'export const b = 1;\n',
  'star.mjs': "export * from './star-deep.mjs';\n",
  'star-deep.mjs': 'export const deep = 1;\n',
  'ns.mjs': 'export const n = 1;\n',
  'lazy.mjs': 'export const lazy = 1;\n',
  'computed.mjs': 'export const computed = 1;\n',
  'tpl-1.mjs': 'export const one = 1;\n',
  'in-string.mjs': 'export const x = 1;\n',
  'in-single.mjs': 'export const x = 1;\n',
  'in-template.mjs': 'export const x = 1;\n',
  'in-comment.mjs': 'export const c = 1;\n',
  'in-block-comment.mjs': 'export const d = 1;\n',
  'in-regex.mjs': 'export const r = 1;\n',
};

describe('code closure (es-module-lexer)', () => {
  test('follows static imports, re-exports, export * and literal dynamic imports; not strings, templates, comments or import.meta', () => {
    const pkg = stagePackage(TRICKY_FILES);
    const closure = pkg.closure('entry.mjs');
    expect(Object.keys(closure.files)).toEqual([
      '@fx/stage/a.mjs',
      '@fx/stage/b.mjs',
      '@fx/stage/entry.mjs',
      '@fx/stage/lazy.mjs',
      '@fx/stage/ns.mjs',
      '@fx/stage/side-effect.mjs',
      '@fx/stage/star-deep.mjs',
      '@fx/stage/star.mjs',
      '@fx/wlib/dist/index.js',
      '@fx/wlib/dist/inner.js',
    ]);
    // Builtins are not packages; an installed package counts by its version, not its code.
    expect(closure.packages).toEqual({ 'installed-pkg': '1.2.3' });
  });

  test('a change in a followed file changes the hash; a change in a file only named in a string, comment or computed import does not', () => {
    const pkg = stagePackage(TRICKY_FILES);
    const base = pkg.closure('entry.mjs').hash;
    for (const followed of [
      'b.mjs',
      'star-deep.mjs',
      'ns.mjs',
      'lazy.mjs',
      'side-effect.mjs',
      'workspace/wlib/dist/inner.js',
    ]) {
      pkg.write(followed, `export const changed = '${followed}';\n`);
      const changed = pkg.closure('entry.mjs').hash;
      expect(changed, followed).not.toBe(base);
      pkg.write(followed, TRICKY_FILES[followed] ?? WLIB_INNER);
      expect(pkg.closure('entry.mjs').hash, `${followed} restored`).toBe(base);
    }
    for (const ignored of [
      'in-comment.mjs',
      'in-block-comment.mjs',
      'in-string.mjs',
      'in-single.mjs',
      'in-template.mjs',
      'in-regex.mjs',
      'computed.mjs',
      'tpl-1.mjs',
      'node_modules/installed-pkg/index.js',
    ]) {
      pkg.write(ignored, `export const changed = '${ignored}';\n`);
      expect(pkg.closure('entry.mjs').hash, ignored).toBe(base);
    }
  });

  test('a computed dynamic import is not followed, but editing its expression changes the hash (the importing file is hashed)', () => {
    const pkg = stagePackage({
      'entry.mjs': 'export const load = (name) => import(name);\n',
      'target.mjs': 'export const t = 1;\n',
    });
    const before = pkg.closure('entry.mjs');
    expect(Object.keys(before.files)).toEqual(['@fx/stage/entry.mjs']);
    pkg.write('entry.mjs', "export const load = (name) => import('./' + name);\n");
    expect(pkg.closure('entry.mjs').hash).not.toBe(before.hash);
  });

  test('from TypeScript sources: `./x.js` means x.ts, and type-only imports and re-exports are not runtime code', () => {
    const pkg = stagePackage({
      'src/stage.ts': [
        "import type { Options } from './types-only.js';",
        "import { type Shape, value } from './mixed.js';",
        "export type { Other } from './type-reexport.js';",
        "export { helper } from './helper.js';",
        "type Lazy = typeof import('./type-alias-import.js');",
        'export const run = (o: Options, s: Shape): number => value + o.n + s.n;',
        '',
      ].join('\n'),
      'src/types-only.ts': 'export interface Options { n: number }\n',
      'src/mixed.ts': 'export interface Shape { n: number }\nexport const value = 1;\n',
      'src/type-reexport.ts': 'export type Other = string;\n',
      'src/helper.ts': 'export const helper = 1;\n',
      'src/type-alias-import.ts': 'export const lazy = 1;\n',
    });
    const closure = pkg.closure('src/stage.ts');
    expect(Object.keys(closure.files)).toEqual([
      '@fx/stage/src/helper.ts',
      '@fx/stage/src/mixed.ts',
      '@fx/stage/src/stage.ts',
    ]);
    const base = closure.hash;
    pkg.write('src/types-only.ts', 'export interface Options { n: number; m?: string }\n');
    expect(pkg.closure('src/stage.ts').hash).toBe(base);
    pkg.write('src/helper.ts', 'export const helper = 2;\n');
    expect(pkg.closure('src/stage.ts').hash).not.toBe(base);
  });

  test('a module the lexer cannot read fails with a CodeScanError naming the file and the line', () => {
    const pkg = stagePackage({
      'entry.mjs': "import './broken.mjs';\n",
      'broken.mjs': 'export const ok = 1;\nconst s = `never closed;\nexport {\n',
    });
    let error: unknown;
    try {
      pkg.closure('entry.mjs');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CodeScanError);
    expect((error as CodeScanError).file).toBe(join(pkg.dir, 'broken.mjs'));
    expect((error as Error).message).toMatch(
      /broken\.mjs: cannot read its imports .*: syntax error at line \d+, column \d+/,
    );
  });
});
