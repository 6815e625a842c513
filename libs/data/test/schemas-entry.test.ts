import { describe, expect, it } from 'vitest';
import {
  importDatasetOptionsSchema,
  IMPORT_FORMATS,
  naturalOptionsSchema,
  resizeOptionsSchema,
} from '../src/schemas.js';
import { fileURLToPath } from 'node:url';
import { loadedModules as loadedFrom } from '../../../tools/testing/loaded-modules.js';

const loadedModules = (specifier: string): string[] =>
  loadedFrom(specifier, fileURLToPath(new URL('..', import.meta.url)));

describe("'@transfusion/data/schemas' (built entry)", () => {
  it('loads zod, Node built-ins and its own modules only: no sharp, DICOM codecs or Arrow', () => {
    const urls = loadedModules('@transfusion/data/schemas');
    const ours = urls.filter((u) => u.includes('/libs/data/dist/'));
    const others = urls.filter((u) => !u.includes('/libs/data/dist/') && !u.startsWith('node:'));
    expect(ours).toContain(urls.find((u) => u.endsWith('/dist/schemas.js')));
    // the loaders and the decoders stay out: only option modules and the pure-TypeScript helpers they name
    for (const heavy of [
      'preprocess.js',
      'import.js',
      'import-dataset.js',
      'dicom.js',
      'artifact.js',
      'formats/medmnist.js',
      'formats/generic.js',
      'csv.js',
    ]) {
      expect(
        ours.some((u) => u.endsWith(`/dist/${heavy}`)),
        heavy,
      ).toBe(false);
    }
    expect(others.length).toBeGreaterThan(0);
    // zod, and @transfusion/random (dependency-free) that the synthetic sets' generators draw from
    for (const u of others) expect(u).toMatch(/\/node_modules\/zod\/|\/libs\/random\/dist\//);
  });

  it('the check sees heavy imports: the main entry loads sharp and apache-arrow', () => {
    const urls = loadedModules('@transfusion/data');
    expect(urls.some((u) => u.includes('/node_modules/sharp/'))).toBe(true);
    expect(urls.some((u) => u.includes('/node_modules/apache-arrow/'))).toBe(true);
  });
});

describe('the exported schemas', () => {
  it('are the ones the import parses with: every format, defaults filled in', () => {
    expect(IMPORT_FORMATS).toEqual(['csv', 'folder', 'dicom', 'chexpert', 'eyepacs', 'aptos', 'medmnist']);
    const csv = importDatasetOptionsSchema.parse({
      format: 'csv',
      options: { root: 'data' },
      preprocess: { size: 64 },
    });
    expect(csv).toMatchObject({
      options: { csv: 'index.csv', pathColumn: 'path', labelColumns: ['label'] },
      preprocess: { fit: 'pad', fundus: 'none' },
      import: { concurrency: 2 },
      shardSize: 512,
    });
    const medmnist = importDatasetOptionsSchema.parse({
      format: 'medmnist',
      options: { file: 'retinamnist.npz', limit: 10 },
    });
    expect(medmnist).toMatchObject({
      options: { splits: ['train', 'val', 'test'], limit: 10 },
      preprocess: { fit: 'pad', channels: 'auto' },
    });
    expect(
      importDatasetOptionsSchema.safeParse({ format: 'medmnist', options: { file: 'x.npz', flag: 'nomnist' } }).error
        ?.issues[0]?.path,
    ).toEqual(['options', 'flag']);
    expect(resizeOptionsSchema.safeParse({ minSize: 4 }).error?.issues[0]?.path).toEqual(['minSize']);
    expect(naturalOptionsSchema.parse({ count: 10 })).toMatchObject({ classes: 16, size: 64 });
  });
});
