// `@transfusion/report/schemas` is what pipeline stages validate their params with in every stage process: it
// must not pull in the renderer (vega, resvg, sharp). Walks the built module graph from dist/schemas.js.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');

function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(entry);
  return bare;
}

test('the schemas entry imports zod and nothing heavier', () => {
  expect(bareImports(resolve(dist, 'schemas.js'))).toEqual(new Set(['zod']));
  // the check can fail: the main entry reaches the renderer
  const main = bareImports(resolve(dist, 'index.js'));
  expect([...main].some((s) => s.startsWith('vega') || s.includes('resvg'))).toBe(true);
});
