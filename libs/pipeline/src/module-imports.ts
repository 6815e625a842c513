import { parse, type Import } from 'es-module-lexer';
import { PipelineError } from './errors.js';

/** A module of a stage's code closure whose imports cannot be lexed (a syntax error), so its closure is unknown. */
export class CodeScanError extends PipelineError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: cannot read its imports for the stage's code hash: ${detail}`, 'CODE_SCAN');
  }
}

/**
 * The specifiers of the modules `source` loads when it runs, read with a real lexer (es-module-lexer), so an
 * `import` inside a string, a template literal or a comment is not one. What counts:
 * - static imports (side-effect ones too), `export … from` and `export * from`;
 * - dynamic `import('x')` with a literal specifier, even in a position the lexer guesses is a type: a needless
 *   file only costs a cache miss, a missed one would reuse a result its code no longer gives;
 * - not TypeScript's `import type` / `export type … from` (erased before anything runs; in built JavaScript they
 *   are gone already), nor `import.meta`;
 * - not a dynamic import of a computed specifier (`import(name)`, or a template with `${…}`): what it loads is
 *   unknown until run time. The importing file is still hashed, so editing the expression changes the key; a stage
 *   that loads code by computed name reports what it loaded through its runtime facts or declared code files.
 */
export function runtimeImports(source: string, file: string): string[] {
  let imports: ReadonlyArray<Import>;
  try {
    [imports] = parse(source, file);
  } catch (err) {
    throw new CodeScanError(file, describeParseError(err, source));
  }
  const specs: string[] = [];
  for (const imp of imports) {
    if (imp.type === 'import-meta') continue;
    if (imp.type === 'dynamic') {
      if (imp.specifier !== undefined && !imp.glob) specs.push(imp.specifier);
      continue;
    }
    if (!imp.typeOnly) specs.push(imp.specifier);
  }
  return specs;
}

function describeParseError(err: unknown, source: string): string {
  const idx = (err as { idx?: unknown }).idx;
  if (typeof idx !== 'number' || idx < 0) return (err as Error).message;
  const before = source.slice(0, idx).split('\n');
  return `syntax error at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}
