import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainingRecipeSchema, trainOptionsSchema } from '../src/schemas.js';

const libRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

// Records the URL of every module Node resolves while importing process.argv[1] (a resolve hook on Node's
// loader thread posts each URL; receiveMessageOnPort drains them after the import).
const HOOK = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}`;
const SCRIPT = `import { register } from 'node:module';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), '${pathToFileURL(libRoot).href}/', { data: { port: port2 }, transferList: [port2] });
await import(process.argv[1]);
const urls = [];
for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) urls.push(m.message);
port1.close();
console.log(JSON.stringify(urls));`;

/** Every module URL loaded by importing `specifier` from the lib's folder (the package's built dist). */
function loadedModules(specifier: string): string[] {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, specifier], { cwd: libRoot, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node exited with ${r.status}: ${r.stderr}`);
  return [...new Set(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[])];
}

describe("'@transfusion/train/schemas' (built entry)", () => {
  it('loads zod and its own option modules only: no tfjs, Arrow or native addon', () => {
    const urls = loadedModules('@transfusion/train/schemas');
    const ours = urls.filter((u) => u.includes('/libs/train/dist/'));
    const others = urls.filter((u) => !u.includes('/libs/train/dist/'));
    expect(ours.map((u) => u.slice(u.indexOf('/dist/') + 6)).sort()).toEqual([
      'options/augment.js', 'options/backend.js', 'options/class-weights.js', 'options/evaluation-ci.js', 'options/input-transform.js', 'options/optimizer.js',
      'options/schedule.js', 'options/task.js', 'options/train-options.js', 'schemas.js',
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
    expect(all.filter((k) => !recipeKeys.includes(k)).sort()).toEqual(['backend', 'checkpoint', 'progress', 'resume', 'seed', 'task']);
    for (const key of ['seed', 'task', 'progress', 'backend', 'checkpoint', 'resume']) {
      const r = trainingRecipeSchema.safeParse({ [key]: 1 });
      expect(r.success, key).toBe(false);
      expect(r.error!.issues[0]!.message).toMatch(new RegExp(`Unrecognized key: "${key}"`));
    }
  });

  it('reaches every training setting, with defaults filled in', () => {
    const recipe = trainingRecipeSchema.parse({
      epochs: 30, batchSize: 32, maxSteps: 5000, evalEvery: 500,
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
      schedule: { type: 'step', every: 1000, gamma: 0.1 }, warmupSteps: 200,
      input: 'caffe', augment: { hflip: true, rotate: 10, crop: { scale: [0.8, 1] }, brightness: 0.1, contrast: 0.1 },
      classWeights: 'balanced', batchNormMomentum: 0.9,
      keepBest: { monitor: 'val_auc', mode: 'max' },
      earlyStopping: { monitor: 'val_loss', mode: 'min', patience: 5 },
    });
    expect(recipe.optimizer).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
    expect(recipe.schedule).toEqual({ type: 'step', every: 1000, gamma: 0.1 });
    expect(recipe.augment).toEqual({ hflip: true, vflip: false, rotate: 10, crop: { scale: [0.8, 1], ratio: [3 / 4, 4 / 3] }, brightness: 0.1, contrast: 0.1 });
    expect(recipe.keepBest).toEqual({ monitor: 'val_auc', mode: 'max', minDelta: 0 });
    expect(recipe.earlyStopping).toEqual({ monitor: 'val_loss', mode: 'min', patience: 5, minDelta: 0, restoreBest: true });
    expect(trainingRecipeSchema.parse({ schedule: { type: 'cosine' } }).schedule).toEqual({ type: 'cosine', minLr: 0 });
    expect(trainingRecipeSchema.parse({})).toMatchObject({ input: 'unit', epochs: 1, batchSize: 32 });
    expect(trainingRecipeSchema.parse({}).augment).toBeUndefined();
  });

  it('names the bad field', () => {
    const issue = (x: unknown) => trainingRecipeSchema.safeParse(x).error?.issues[0];
    expect(issue({ input: 'imagenet' })?.path).toEqual(['input']);
    expect(issue({ augment: { crop: { scale: [0.9, 0.5] } } })).toMatchObject({ path: ['augment', 'crop', 'scale'], message: 'expected [min, max] with min <= max' });
    expect(issue({ augment: { rotate: 200 } })?.path).toEqual(['augment', 'rotate']);
    expect(issue({ classWeights: [1, 0] })?.path).toEqual(['classWeights', 1]);
    expect(issue({ batchNormMomentum: 1 })?.path).toEqual(['batchNormMomentum']);
    expect(issue({ keepBest: { monitor: 'val_auc' } })?.path).toEqual(['keepBest', 'mode']);
  });
});
