import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainingRecipeSchema, trainOptionsSchema } from '../src/schemas.js';
import { loadedModules as loadedFrom } from '../../../tools/testing/loaded-modules.js';

const loadedModules = (specifier: string): string[] =>
  loadedFrom(specifier, fileURLToPath(new URL('..', import.meta.url)));

describe("'@transfusion/train/schemas' (built entry)", () => {
  it('loads zod and its own option modules only: no tfjs, Arrow or native addon', () => {
    const urls = loadedModules('@transfusion/train/schemas');
    const ours = urls.filter((u) => u.includes('/libs/train/dist/'));
    const others = urls.filter((u) => !u.includes('/libs/train/dist/'));
    expect(ours.map((u) => u.slice(u.indexOf('/dist/') + 6)).sort()).toEqual([
      'options/augment.js',
      'options/backend.js',
      'options/class-weights.js',
      'options/evaluation-ci.js',
      'options/input-transform.js',
      'options/optimizer.js',
      'options/schedule.js',
      'options/task.js',
      'options/train-options.js',
      'schemas.js',
    ]);
    expect(others.length).toBeGreaterThan(0);
    for (const u of others) expect(u).toMatch(/\/node_modules\/zod\//);
  });

  it('the check sees heavy imports: the main entry loads @tensorflow and apache-arrow', () => {
    const urls = loadedModules('@transfusion/train');
    expect(urls.some((u) => u.includes('/node_modules/@tensorflow/'))).toBe(true);
    expect(urls.some((u) => u.includes('/node_modules/apache-arrow/'))).toBe(true);
  });
});

describe('trainingRecipeSchema', () => {
  it('is trainOptionsSchema without what a run decides (task, seed, progress, backend, checkpoint, resume)', () => {
    const recipeKeys = Object.keys(trainingRecipeSchema.shape).sort();
    const all = Object.keys(trainOptionsSchema.shape).sort();
    expect(all.filter((k) => !recipeKeys.includes(k)).sort()).toEqual([
      'backend',
      'checkpoint',
      'progress',
      'resume',
      'seed',
      'task',
    ]);
    for (const key of ['seed', 'task', 'progress', 'backend', 'checkpoint', 'resume']) {
      const r = trainingRecipeSchema.safeParse({ [key]: 1 });
      expect(r.success, key).toBe(false);
      expect(r.error!.issues[0]!.message).toMatch(new RegExp(`Unrecognized key: "${key}"`));
    }
  });

  it('reaches every training setting, with defaults filled in', () => {
    const recipe = trainingRecipeSchema.parse({
      epochs: 30,
      batchSize: 32,
      maxSteps: 5000,
      evalEvery: 500,
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
      schedule: { type: 'step', every: 1000, gamma: 0.1 },
      warmupSteps: 200,
      input: 'caffe',
      augment: { hflip: true, rotate: 10, crop: { scale: [0.8, 1] }, brightness: 0.1, contrast: 0.1 },
      classWeights: 'balanced',
      batchNormMomentum: 0.9,
      keepBest: { monitor: 'val_auc', mode: 'max' },
      earlyStopping: { monitor: 'val_loss', mode: 'min', patience: 5 },
    });
    expect(recipe.optimizer).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
    expect(recipe.schedule).toEqual({ type: 'step', every: 1000, gamma: 0.1 });
    expect(recipe.augment).toEqual({
      hflip: true,
      vflip: false,
      rotate: 10,
      crop: { scale: [0.8, 1], ratio: [3 / 4, 4 / 3] },
      brightness: 0.1,
      contrast: 0.1,
    });
    expect(recipe.keepBest).toEqual({ monitor: 'val_auc', mode: 'max', minDelta: 0 });
    expect(recipe.earlyStopping).toEqual({
      monitor: 'val_loss',
      mode: 'min',
      patience: 5,
      minDelta: 0,
      restoreBest: true,
    });
    expect(trainingRecipeSchema.parse({ schedule: { type: 'cosine' } }).schedule).toEqual({ type: 'cosine', minLr: 0 });
    expect(trainingRecipeSchema.parse({})).toMatchObject({ input: 'unit', epochs: 1, batchSize: 32 });
    expect(trainingRecipeSchema.parse({}).augment).toBeUndefined();
  });

  it('names the bad field', () => {
    const issue = (x: unknown) => trainingRecipeSchema.safeParse(x).error?.issues[0];
    expect(issue({ input: 'imagenet' })?.path).toEqual(['input']);
    expect(issue({ augment: { crop: { scale: [0.9, 0.5] } } })).toMatchObject({
      path: ['augment', 'crop', 'scale'],
      message: 'expected [min, max] with min <= max',
    });
    expect(issue({ augment: { rotate: 200 } })?.path).toEqual(['augment', 'rotate']);
    expect(issue({ classWeights: [1, 0] })?.path).toEqual(['classWeights', 1]);
    expect(issue({ batchNormMomentum: 1 })?.path).toEqual(['batchNormMomentum']);
    expect(issue({ keepBest: { monitor: 'val_auc' } })?.path).toEqual(['keepBest', 'mode']);
  });
});
