import { loadLinalg } from '@transfusion/native';
import { describe, expect, it } from 'vitest';
import { linalgFacts } from '../src/index.js';
import { convOptionsSchema, linalgModeSchema, METHODS, similarityOptionsSchema } from '../src/schemas.js';
import { fileURLToPath } from 'node:url';
import { loadedModules as loadedFrom } from '../../../tools/testing/loaded-modules.js';

const loadedModules = (specifier: string): string[] =>
  loadedFrom(specifier, fileURLToPath(new URL('..', import.meta.url)));

describe("'@transfusion/cca/schemas' (built entry)", () => {
  it('loads zod, its own option modules and the light .npy module (for NpyError) only: no native addon, no Arrow', () => {
    const urls = loadedModules('@transfusion/cca/schemas');
    const ours = urls.filter((u) => u.includes('/libs/cca/dist/'));
    const others = urls.filter((u) => !u.includes('/libs/cca/dist/'));
    expect(ours.map((u) => u.slice(u.indexOf('/dist/') + 6)).sort()).toEqual([
      'conv-options.js',
      'errors.js',
      'linalg-mode.js',
      'options.js',
      'schemas.js',
    ]);
    expect(others.length).toBeGreaterThan(0);
    for (const u of others) expect(u).toMatch(/\/node_modules\/zod\/|\/libs\/arrow-io\/dist\/npy\.js$/);
  });

  it('the check sees heavy imports: the main entry loads @transfusion/native', () => {
    expect(loadedModules('@transfusion/cca').some((u) => u.includes('/libs/native/'))).toBe(true);
  });

  it('exports the schemas the analyses parse with, defaults included', () => {
    expect(METHODS).toContain('pwcca');
    expect(convOptionsSchema.parse({})).toEqual({ mode: 'flatten', seed: 1 });
    expect(similarityOptionsSchema.parse({}).svccaKeep).toBe(0.99);
    expect(similarityOptionsSchema.safeParse({ svccaDims: 0 }).error?.issues[0]?.path).toEqual(['svccaDims']);
    expect(linalgModeSchema.options).toEqual(['auto', 'native', 'typescript']);
  });
});

describe('linalgFacts', () => {
  it('names OpenBLAS and the addon build when the native path serves the analyses, else the TypeScript kernels', () => {
    const facts = linalgFacts();
    if (loadLinalg().available) expect(facts['linalg']).toMatch(/^OpenBLAS \S+, sources [0-9a-f]{16}$/);
    else expect(facts).toEqual({ linalg: 'typescript' });
    expect(linalgFacts({ ...process.env, TRANSFUSION_NATIVE: '0' })).toEqual({ linalg: 'typescript' });
  });
});

describe("'@transfusion/cca/linalg-facts' (built entry)", () => {
  it('loads the addon at most, never Arrow: the engine asks it while planning', async () => {
    const urls = loadedModules('@transfusion/cca/linalg-facts');
    expect(urls.some((u) => u.includes('/libs/cca/dist/linalg-facts.js'))).toBe(true);
    expect(urls.filter((u) => u.includes('apache-arrow'))).toEqual([]);
    const { linalgFacts: fromEntry } = await import('@transfusion/cca/linalg-facts');
    expect(fromEntry()).toEqual(linalgFacts());
  });
});
