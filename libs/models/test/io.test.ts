import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArrowFileError } from '@transfusion/arrow-io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ModelsError,
  WeightsFileError,
  exportLayersModel,
  importLayersModelWeights,
  kerasApplicationPreprocessing,
  loadLayersModel,
  loadWeights,
  pretrainedInit,
  randomInit,
  saveModelWeights,
  saveWeights,
  setWeights,
  weightSpecs,
  type ZooModel,
} from '../src/index.js';
import { SMALL, build, disposeBuilt, equalArrays, inputFor, predict } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'models-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(disposeBuilt);

function trained(options = SMALL.resnet, seed = 13): ZooModel {
  const zm = build(options);
  const w = randomInit(zm, { seed });
  // Non-default batch-norm statistics, as after training.
  for (const [name, t] of Object.entries(w))
    if (name.includes('moving_')) t.data.forEach((_, i) => (t.data[i] = 0.8 + (i % 5) * 0.1));
  setWeights(zm, w);
  return zm;
}

describe('tfjs layers format (model.json + shards)', () => {
  it('export → import by layer name → identical predictions, across several shards', async () => {
    const src = trained();
    const out = join(dir, 'resnet');
    const modelJson = await exportLayersModel(src, out, { shardBytes: 4096 });
    const files = (await readdir(out)).sort();
    expect(files.length).toBeGreaterThan(3);
    expect(files).toContain('model.json');
    expect(files).toContain(`group1-shard1of${files.length - 1}.bin`);
    const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
      format: string;
      weightsManifest: { weights: { name: string }[] }[];
    };
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]!.weights.map((w) => w.name)).toContain('conv1_conv/kernel');

    const source = await importLayersModelWeights(modelJson);
    expect(source.spec?.name).toBe('resnet50');
    expect(source.warnings).toEqual([]);
    const zm = build(SMALL.resnet);
    setWeights(zm, randomInit(zm, { seed: 99 }));
    const { weights, report } = pretrainedInit(zm, source, { seed: 1, head: 'keep' });
    expect(report.loaded.length).toBe(weightSpecs(zm).length);
    setWeights(zm, weights);
    const x = inputFor(zm);
    expect(equalArrays(predict(zm, x), predict(src, x))).toBe(true);

    // tfjs itself loads what we wrote (the file:// handler equivalent).
    const loaded = await loadLayersModel(modelJson);
    const y = tf.tidy(() => (loaded.predict(x) as tf.Tensor).dataSync());
    expect(equalArrays(y, predict(src, x))).toBe(true);
    loaded.dispose();
  });

  it('dequantises uint8 and float16 weights as tensorflowjs_converter writes them', async () => {
    const out = join(dir, 'quant');
    await rm(out, { recursive: true, force: true });
    await exportLayersModel(build({ name: 'cbr-tiny-32', inputSize: 8, width: 0.03125, classes: 2 }), out);
    // Rewrite the first weight group: kernel uint8-quantised, gamma float16.
    const q = new Uint8Array([0, 1, 2, 255]);
    const half = new Uint16Array([0x3c00, 0xc000]); // 1.0, -2.0
    const bytes = new Uint8Array(q.byteLength + half.byteLength);
    bytes.set(q, 0);
    bytes.set(new Uint8Array(half.buffer), q.byteLength);
    await writeFile(join(out, 'q.bin'), bytes);
    const manifest = {
      format: 'layers-model',
      weightsManifest: [
        {
          paths: ['q.bin'],
          weights: [
            {
              name: 'layer1_conv/kernel',
              shape: [2, 2, 1, 1],
              dtype: 'float32',
              quantization: { dtype: 'uint8', min: -1, scale: 0.5 },
            },
            { name: 'layer1_bn/gamma', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
          ],
        },
      ],
    };
    await writeFile(join(out, 'q.json'), JSON.stringify(manifest));
    const s = await importLayersModelWeights(join(out, 'q.json'));
    expect([...s.weights['layer1_conv/kernel']!.data]).toEqual([-1, -0.5, 0, 126.5]);
    expect([...s.weights['layer1_bn/gamma']!.data]).toEqual([1, -2]);
  });

  it('reports damaged or foreign files by name', async () => {
    const out = join(dir, 'damaged');
    const modelJson = await exportLayersModel(trained(SMALL.cbr), out, { shardBytes: 2048 });
    const err = async (p: string) => {
      try {
        await importLayersModelWeights(p);
      } catch (e) {
        expect(e).toBeInstanceOf(WeightsFileError);
        return (e as Error).message;
      }
      return 'no error';
    };
    await truncate(join(out, `group1-shard2of${(await readdir(out)).length - 1}.bin`), 100);
    expect(await err(modelJson)).toMatch(
      /model\.json: weightsManifest\[0\]: shards group1-shard1of\d+\.bin, .* hold \d+ bytes, the manifest describes \d+/,
    );
    await rm(join(out, `group1-shard1of${(await readdir(out)).length - 1}.bin`));
    expect(await err(modelJson)).toMatch(/cannot read shard group1-shard1of/);
    await writeFile(join(dir, 'bad.json'), '{"format": "layers-model", ');
    expect(await err(join(dir, 'bad.json'))).toMatch(/bad\.json: not valid JSON/);
    await writeFile(
      join(dir, 'graph.json'),
      JSON.stringify({ format: 'graph-model', weightsManifest: [{ paths: ['x.bin'], weights: [] }] }),
    );
    expect(await err(join(dir, 'graph.json'))).toMatch(/format is 'graph-model', expected 'layers-model'/);
    await writeFile(join(dir, 'nomani.json'), JSON.stringify({ modelTopology: {} }));
    expect(await err(join(dir, 'nomani.json'))).toMatch(/nomani\.json: not a tfjs layers model\.json: weightsManifest/);
    expect(await err(join(dir, 'missing.json'))).toMatch(/missing\.json: cannot read model\.json/);
  });

  it('warns about Keras 3 exports', async () => {
    await writeFile(join(dir, 'k3.bin'), new Uint8Array(4));
    await writeFile(
      join(dir, 'k3.json'),
      JSON.stringify({
        format: 'layers-model',
        modelTopology: {
          keras_version: '3.3.3',
          model_config: { config: { layers: [{ config: { batch_shape: [null, 8, 8, 3] } }] } },
        },
        weightsManifest: [{ paths: ['k3.bin'], weights: [{ name: 'dense/bias', shape: [1], dtype: 'float32' }] }],
      }),
    );
    const s = await importLayersModelWeights(join(dir, 'k3.json'));
    expect(s.warnings[0]).toMatch(/Keras 3/);
  });
});

describe('the input Keras applications trained their weights with', () => {
  it("ResNet50 → 'caffe', InceptionV3 → 'tf', others unknown; an exported value wins", async () => {
    const names = (zm: ZooModel) =>
      Object.fromEntries(
        weightSpecs(zm).map((w) => [w.name, { dtype: 'float32' as const, shape: w.shape, data: new Float32Array(0) }]),
      );
    expect(kerasApplicationPreprocessing(names(build(SMALL.resnet)))).toBe('caffe');
    expect(kerasApplicationPreprocessing(names(build(SMALL.inception)))).toBe('tf');
    expect(kerasApplicationPreprocessing(names(build(SMALL.cbr)))).toBeUndefined();
    expect(
      kerasApplicationPreprocessing({
        'res2a_branch2a/kernel': { dtype: 'float32', shape: [1], data: new Float32Array(1) },
      }),
    ).toBe('caffe');
    const r50 = await exportLayersModel(trained(SMALL.resnet), join(dir, 'keras-r50'));
    expect((await importLayersModelWeights(r50)).preprocessing).toBe('caffe');
    const inc = await exportLayersModel(trained(SMALL.inception), join(dir, 'keras-inc'));
    expect((await importLayersModelWeights(inc)).preprocessing).toBe('tf');
    const own = await exportLayersModel(trained(SMALL.resnet), join(dir, 'own-r50'), { preprocessing: 'torch' });
    expect((await importLayersModelWeights(own)).preprocessing).toBe('torch');
  });
});

describe('Arrow weights artifacts', () => {
  it('save → load → identical predictions, spec kept in metadata', async () => {
    const src = trained(SMALL.inception);
    const path = join(dir, 'inception.arrow');
    await saveModelWeights(path, src);
    const source = await loadWeights(path);
    expect(source.origin).toBe(path);
    expect(source.spec).toEqual(src.spec);
    const zm = build(SMALL.inception);
    setWeights(zm, pretrainedInit(zm, source, { seed: 1, head: 'keep' }).weights);
    const x = inputFor(zm, 1);
    expect(equalArrays(predict(zm, x), predict(src, x))).toBe(true);
  });

  it('refuses weights saved from another architecture, naming the file', async () => {
    const path = join(dir, 'cbr.arrow');
    await saveModelWeights(path, trained(SMALL.cbr));
    const source = await loadWeights(path);
    const zm = build(SMALL.resnet);
    expect(() => pretrainedInit(zm, source, { seed: 1 })).toThrow(
      new RegExp(
        `${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: weights were saved from cbr-small, the model is resnet50`,
      ),
    );
  });

  it('keeps the input transform the weights were trained on, and rejects a malformed one', async () => {
    const path = join(dir, 'caffe.arrow');
    await saveModelWeights(path, trained(SMALL.resnet), { preprocessing: 'caffe' });
    expect((await loadWeights(path)).preprocessing).toBe('caffe');
    const plain = join(dir, 'plain.arrow');
    await saveModelWeights(plain, trained(SMALL.cbr));
    expect((await loadWeights(plain)).preprocessing).toBeUndefined();
    const bad = join(dir, 'badpre.arrow');
    await saveWeights(bad, { 'a/kernel': { dtype: 'float32', shape: [1], data: new Float32Array(1) } }, undefined, {
      preprocessing: 'BGR mean!',
    });
    await expect(loadWeights(bad)).rejects.toThrow(
      /badpre\.arrow: .*'transfusion\.preprocessing' is 'BGR mean!', expected an input transform name/,
    );
  });

  it('detects damaged files and a bad stored spec', async () => {
    const path = join(dir, 'trunc.arrow');
    await saveModelWeights(path, trained(SMALL.cbr));
    const size = (await readFile(path)).byteLength;
    await truncate(path, Math.floor(size / 2));
    await expect(loadWeights(path)).rejects.toBeInstanceOf(ArrowFileError);
    await expect(loadWeights(path)).rejects.toThrow(path);
    const bad = join(dir, 'badspec.arrow');
    await saveWeights(bad, { 'a/kernel': { dtype: 'float32', shape: [1], data: new Float32Array(1) } }, {
      name: 'resnet50',
    } as never);
    await expect(loadWeights(bad)).rejects.toThrow(/badspec\.arrow: stored model spec is invalid: inputShape/);
    await expect(loadWeights(bad)).rejects.toBeInstanceOf(ModelsError);
  });
});
