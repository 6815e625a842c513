import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  WeightsFileError,
  WeightsMismatchError,
  getWeights,
  importKerasH5Weights,
  importWeightsFile,
  pretrainedInit,
  randomInit,
} from '../src/index.js';
import { SMALL, build, disposeBuilt } from './helpers.js';
import { writeKerasH5 } from './keras-h5-helper.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'models-h5-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(disposeBuilt);

describe('Keras .h5 weights', () => {
  it('reads ResNet50 weights in Keras layout (conv1_conv/conv1_conv/kernel:0), matches every weight by layer name', async () => {
    const src = build(SMALL.resnet);
    const weights = randomInit(src, { seed: 3 });
    const path = join(dir, 'resnet50.h5');
    await writeKerasH5(path, weights, { extraLayers: ['input_1', 'conv1_relu', 'pool1_pool'] });
    const source = await importKerasH5Weights(path);
    expect(source.preprocessing).toBe('caffe'); // recognised as Keras applications' ResNet50
    expect(Object.keys(source.weights).sort()).toEqual(Object.keys(weights).sort());
    expect(source.layers.find((l) => l.name === 'conv1_conv')!.weights).toEqual([
      'conv1_conv/kernel:0',
      'conv1_conv/bias:0',
    ]);
    expect(source.layers.some((l) => l.name === 'conv1_relu')).toBe(false); // no weights, skipped
    const k = source.weights['conv1_conv/kernel']!;
    expect(k.shape).toEqual(weights['conv1_conv/kernel']!.shape);
    expect(Array.from(k.data)).toEqual(Array.from(weights['conv1_conv/kernel']!.data));

    const target = build(SMALL.resnet);
    const { weights: loaded, report } = pretrainedInit(target, source, { seed: 1, head: 'keep' });
    expect(report.loaded.length).toBe(Object.keys(getWeights(target)).length);
    expect(report.unused).toEqual([]);
    expect(Array.from(loaded['conv2_block1_1_conv/kernel']!.data)).toEqual(
      Array.from(weights['conv2_block1_1_conv/kernel']!.data),
    );
  });

  it('a whole-model file (model_weights/) and float64 datasets read the same', async () => {
    const weights = randomInit(build(SMALL.cbr), { seed: 5 });
    const path = join(dir, 'full.h5');
    await writeKerasH5(path, weights, { fullModel: true, dtype: 'float64' });
    const source = await importKerasH5Weights(path);
    expect(Object.keys(source.weights).sort()).toEqual(Object.keys(weights).sort());
    const name = Object.keys(weights)[0]!;
    expect(Array.from(source.weights[name]!.data)).toEqual(Array.from(weights[name]!.data));
  });

  it('what does not match is reported: a missing layer names the weights, extra layers are listed unused', async () => {
    const weights = randomInit(build(SMALL.cbr), { seed: 5 });
    const [dropped] = Object.keys(weights).filter((n) => n.endsWith('/kernel'));
    const partial = Object.fromEntries(
      Object.entries(weights).filter(([n]) => n.split('/')[0] !== dropped!.split('/')[0]),
    );
    const path = join(dir, 'partial.h5');
    await writeKerasH5(path, {
      ...partial,
      'extra_dense/kernel': { dtype: 'float32', shape: [2, 2], data: new Float32Array(4) },
    });
    const source = await importKerasH5Weights(path);
    const err = (() => {
      try {
        pretrainedInit(build(SMALL.cbr), source, { seed: 1, head: 'keep' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(WeightsMismatchError);
    expect((err as WeightsMismatchError).mismatches.map((m) => m.name)).toContain(dropped);
  });

  it('bad files are WeightsFileError naming the file and what was expected', async () => {
    const text = join(dir, 'not.h5');
    await writeFile(text, 'hello');
    await expect(importKerasH5Weights(text)).rejects.toThrow(
      new RegExp(`${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not an HDF5 file \\(no HDF5 signature`),
    );
    await expect(importKerasH5Weights(join(dir, 'missing.h5'))).rejects.toBeInstanceOf(WeightsFileError);

    await h5wasm.ready;
    const plain = join(dir, 'plain.h5');
    const f = new h5wasm.File(plain, 'w');
    f.create_dataset({ name: 'x', data: new Float32Array(2), shape: [2], dtype: '<f' });
    f.close();
    await expect(importKerasH5Weights(plain)).rejects.toThrow(
      /no `layer_names` attribute on the root group: not a Keras weights file/,
    );

    const keras3 = join(dir, 'k3.weights.h5');
    const g = new h5wasm.File(keras3, 'w');
    g.create_group('layers')
      .create_group('dense')
      .create_group('vars')
      .create_dataset({ name: '0', data: new Float32Array(2), shape: [2], dtype: '<f' });
    g.close();
    await expect(importKerasH5Weights(keras3)).rejects.toThrow(/Keras 3 `\.weights\.h5` file/);

    const broken = join(dir, 'broken.h5');
    const h = new h5wasm.File(broken, 'w');
    h.create_attribute('layer_names', ['dense']);
    h.create_group('dense').create_attribute('weight_names', ['dense/kernel:0']);
    h.close();
    await expect(importKerasH5Weights(broken)).rejects.toThrow(
      /dense\/dense\/kernel:0: listed in weight_names but not a dataset/,
    );
  });

  it('importWeightsFile (`transfusion models import`) reads .h5 and reports what matched and what was not used', async () => {
    const weights = randomInit(build(SMALL.cbr), { seed: 5 });
    const path = join(dir, 'cli.h5');
    await writeKerasH5(path, {
      ...weights,
      'extra_dense/kernel': { dtype: 'float32', shape: [2, 2], data: new Float32Array(4) },
    });
    const report = await importWeightsFile(path, { model: 'cbr-small', width: 0.125 });
    expect(report.loaded).toBe(Object.keys(weights).length);
    expect(report.unused).toEqual(['extra_dense/kernel']);
  });
});
