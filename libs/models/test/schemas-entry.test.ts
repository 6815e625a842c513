import { describe, expect, it } from 'vitest';
import { architectureSchema, initStrategySchema, MODEL_NAMES, modelOptionsSchema } from '../src/schemas.js';
import { fileURLToPath } from 'node:url';
import { loadedModules as loadedFrom } from '../../../tools/testing/loaded-modules.js';

const loadedModules = (specifier: string): string[] =>
  loadedFrom(specifier, fileURLToPath(new URL('..', import.meta.url)));

describe("'@transfusion/models/schemas' (built entry)", () => {
  it('loads zod and its own option modules only: no tfjs', () => {
    const urls = loadedModules('@transfusion/models/schemas');
    const ours = urls.filter((u) => u.includes('/libs/models/dist/'));
    const others = urls.filter((u) => !u.includes('/libs/models/dist/'));
    expect(ours.map((u) => u.slice(u.indexOf('/dist/') + 6)).sort()).toEqual([
      'errors.js',
      'init/options.js',
      'options.js',
      'schemas.js',
      'spec.js',
    ]);
    expect(others.length).toBeGreaterThan(0);
    for (const u of others) expect(u).toMatch(/\/node_modules\/zod\//);
  });

  it('the check sees heavy imports: the main entry loads @tensorflow', () => {
    expect(loadedModules('@transfusion/models').some((u) => u.includes('/node_modules/@tensorflow/'))).toBe(true);
  });
});

describe('architectureSchema', () => {
  it('is the model options without what the data decides (input size, channels, classes) or the head activation', () => {
    const all = Object.keys(modelOptionsSchema.shape);
    const arch = Object.keys(architectureSchema.shape);
    expect(all.filter((k) => !arch.includes(k)).sort()).toEqual(['channels', 'classes', 'headActivation', 'inputSize']);
    for (const key of ['channels', 'classes', 'headActivation', 'inputSize']) {
      expect(architectureSchema.safeParse({ name: 'resnet50', [key]: 3 }).error?.issues[0]?.message).toBe(
        `Unrecognized key: "${key}"`,
      );
    }
  });

  it('names every zoo model and fills the defaults', () => {
    for (const name of MODEL_NAMES)
      expect(architectureSchema.parse({ name })).toEqual({ name, width: 1, stageWidth: {} });
    expect(
      architectureSchema.parse({
        name: 'resnet50',
        blocks: [1, 1, 1, 1],
        lastStage: 'block2',
        stageWidth: { block2: 0.5 },
        width: 0.25,
      }),
    ).toEqual({
      name: 'resnet50',
      blocks: [1, 1, 1, 1],
      lastStage: 'block2',
      stageWidth: { block2: 0.5 },
      width: 0.25,
    });
    expect(architectureSchema.safeParse({ name: 'vgg16' }).error?.issues[0]?.path).toEqual(['name']);
    expect(architectureSchema.safeParse({ name: 'resnet50', blocks: [3, 4, 6] }).error?.issues[0]?.path).toEqual([
      'blocks',
    ]);
  });
});

describe('initStrategySchema', () => {
  it('takes every strategy with its own options, and names a bad field', () => {
    expect(initStrategySchema.parse({ strategy: 'random', seed: 1 })).toEqual({
      strategy: 'random',
      seed: 1,
      scheme: 'keras',
    });
    expect(initStrategySchema.parse({ strategy: 'slim', seed: 1, upTo: 'block2' })).toMatchObject({
      factor: 0.5,
      inputChannels: 'adapt',
    });
    expect(initStrategySchema.parse({ strategy: 'meanvar', seed: 0, batchNorm: 'copy' })).toMatchObject({
      batchNorm: 'copy',
    });
    expect(initStrategySchema.parse({ strategy: 'gabor', seed: 0, aspect: 1 })).toMatchObject({
      aspect: 1,
      phases: [0, Math.PI / 2],
    });
    expect(
      initStrategySchema.safeParse({ strategy: 'pretrained', seed: 0, head: 'drop' }).error?.issues[0]?.path,
    ).toEqual(['head']);
    expect(initStrategySchema.safeParse({ strategy: 'transfusion', seed: 0 }).error?.issues[0]?.path).toEqual(['upTo']);
  });
});
