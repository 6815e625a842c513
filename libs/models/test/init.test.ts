import { afterEach, describe, expect, it } from 'vitest';
import {
  ModelsError,
  WeightsMismatchError,
  fans,
  getWeights,
  meanVarInit,
  moments,
  pretrainedInit,
  randomInit,
  setWeights,
  slimHybridInit,
  slimHybridOptions,
  transfusionInit,
  weightSourceOf,
  weightSpecs,
  type WeightMap,
  type WeightSource,
} from '../src/index.js';
import { SMALL, build, disposeBuilt, equalArrays, inputFor, predict } from './helpers.js';

afterEach(disposeBuilt);

/** A "pretrained" source: a model with seeded random weights and non-trivial batch-norm statistics. */
function pretrainedSource(options = SMALL.resnet, seed = 7): WeightSource {
  const zm = build(options);
  const w = randomInit(zm, { seed });
  for (const [name, t] of Object.entries(w)) {
    // Give BN tensors and biases distinct, non-default values so copying them is observable.
    if (!name.endsWith('/kernel'))
      for (let i = 0; i < t.data.length; i++) t.data[i] = 0.5 + 0.01 * ((i * 7 + name.length) % 13);
  }
  setWeights(zm, w);
  return weightSourceOf(zm, 'pretrained-test');
}

function expectSame(a: WeightMap, b: WeightMap, name: string, same: boolean) {
  expect(equalArrays(a[name]!.data, b[name]!.data), `${name} ${same ? 'same' : 'different'}`).toBe(same);
}

describe('randomInit', () => {
  it('is Keras glorot_uniform for kernels, zeros/ones elsewhere, deterministic in the seed', () => {
    const zm = build(SMALL.cbr);
    const a = randomInit(zm, { seed: 1 });
    const b = randomInit(zm, { seed: 1 });
    const c = randomInit(zm, { seed: 2 });
    for (const s of weightSpecs(zm)) {
      expect(equalArrays(a[s.name]!.data, b[s.name]!.data)).toBe(true);
      expect(a[s.name]!.shape).toEqual(s.shape);
    }
    const k = a['layer3_conv/kernel']!;
    expect(equalArrays(k.data, c['layer3_conv/kernel']!.data)).toBe(false);
    const { fanIn, fanOut } = fans(k.shape);
    expect([fanIn, fanOut]).toEqual([49 * 8, 49 * 16]);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    expect(Math.max(...k.data.map(Math.abs))).toBeLessThanOrEqual(limit);
    const m = moments(k.data);
    const n = k.data.length;
    expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(limit ** 2 / 3 / n));
    expect(m.variance / (limit ** 2 / 3)).toBeCloseTo(1, 1);
    expect([...a['layer3_bn/gamma']!.data].every((v) => v === 1)).toBe(true);
    expect([...a['layer3_bn/beta']!.data].every((v) => v === 0)).toBe(true);
    expect([...a['layer3_bn/moving_variance']!.data].every((v) => v === 1)).toBe(true);
    expect([...a['predictions/bias']!.data].every((v) => v === 0)).toBe(true);
  });

  it("'he' draws truncated normals with variance 2/fan_in", () => {
    const zm = build({ ...SMALL.cbr, width: 0.25 });
    const k = randomInit(zm, { seed: 3, scheme: 'he' })['layer4_conv/kernel']!;
    const { fanIn } = fans(k.shape);
    const m = moments(k.data);
    expect(m.variance / (2 / fanIn)).toBeCloseTo(1, 1);
    const std = Math.sqrt(2 / fanIn) / 0.8796256610342398;
    expect(Math.max(...k.data.map(Math.abs))).toBeLessThanOrEqual(2 * std + 1e-7);
  });

  it('rejects bad options', () => {
    const zm = build(SMALL.cbr);
    expect(() => randomInit(zm, { seed: -1 })).toThrow(/randomInit: invalid options: seed/);
    expect(() => randomInit(zm, { seed: 1, scheme: 'lecun' as 'he' })).toThrow(ModelsError);
  });
});

describe('pretrainedInit', () => {
  it('copies every weight by name and re-initialises the head', () => {
    const src = pretrainedSource();
    const zm = build(SMALL.resnet);
    const { weights, report } = pretrainedInit(zm, src, { seed: 5 });
    const heads = ['predictions/kernel', 'predictions/bias'];
    expect(report.random).toEqual(heads);
    expect(report.loaded.length).toBe(weightSpecs(zm).length - 2);
    for (const name of report.loaded) expectSame(weights, src.weights, name, true);
    expectSame(weights, src.weights, 'predictions/kernel', false);
    expect(report.mismatches).toEqual([]);
  });

  it("head: 'keep' reproduces the source model's predictions exactly", () => {
    const srcModel = build(SMALL.resnet);
    setWeights(srcModel, randomInit(srcModel, { seed: 11 }));
    const zm = build(SMALL.resnet);
    setWeights(zm, pretrainedInit(zm, weightSourceOf(srcModel), { seed: 1, head: 'keep' }).weights);
    const x = inputFor(zm);
    expect(equalArrays(predict(zm, x), predict(srcModel, x))).toBe(true);
  });

  it('re-heads for another number of classes', () => {
    const src = pretrainedSource();
    const zm = build({ ...SMALL.resnet, classes: 7 });
    const { weights } = pretrainedInit(zm, src, { seed: 5 });
    expect(weights['predictions/kernel']!.shape).toEqual([128, 7]);
    expect(() => pretrainedInit(zm, src, { seed: 5, head: 'keep' })).toThrow(
      /predictions\/kernel: expected \[128, 7\], source has \[128, 3\]/,
    );
  });

  it('adapts an RGB first conv to grayscale by summing channels (timm), or refuses when strict', () => {
    const src = pretrainedSource();
    const zm = build({ ...SMALL.resnet, channels: 1 });
    const { weights, report } = pretrainedInit(zm, src, { seed: 5 });
    expect(report.adapted).toEqual([{ name: 'conv1_conv/kernel', from: [7, 7, 3, 4], to: [7, 7, 1, 4] }]);
    const s = src.weights['conv1_conv/kernel']!.data;
    const t = weights['conv1_conv/kernel']!.data;
    for (let p = 0; p < 49; p++)
      for (let o = 0; o < 4; o++)
        expect(t[p * 4 + o]).toBeCloseTo(
          s[(p * 3 + 0) * 4 + o]! + s[(p * 3 + 1) * 4 + o]! + s[(p * 3 + 2) * 4 + o]!,
          6,
        );
    expect(() => pretrainedInit(zm, src, { seed: 5, inputChannels: 'strict' })).toThrow(WeightsMismatchError);
    // 5 channels: cyclic repeat scaled by 3/5.
    const zm5 = build({ ...SMALL.resnet, channels: 5 });
    const t5 = pretrainedInit(zm5, src, { seed: 5 }).weights['conv1_conv/kernel']!.data;
    expect(t5[(0 * 5 + 4) * 4 + 2]).toBeCloseTo(s[(0 * 3 + 1) * 4 + 2]! * 0.6, 6);
  });

  it('reports shape mismatches by name and shape, or initialises them randomly with allowPartial', () => {
    const src = pretrainedSource({ ...SMALL.resnet, width: 0.125 });
    const zm = build(SMALL.resnet);
    let err: unknown;
    try {
      pretrainedInit(zm, src, { seed: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeightsMismatchError);
    const m = err as WeightsMismatchError;
    expect(m.code).toBe('WEIGHTS_MISMATCH');
    expect(m.mismatches).toContainEqual({
      name: 'conv1_conv/kernel',
      reason: 'shape',
      expected: [7, 7, 3, 4],
      got: [7, 7, 3, 8],
    });
    expect(m.message).toMatch(
      /^pretrained-test: \d+ weight\(s\) do not fit the model:\n {2}conv1_conv\/kernel: expected \[7, 7, 3, 4\], source has \[7, 7, 3, 8\]/,
    );
    const partial = pretrainedInit(zm, src, { seed: 1, allowPartial: true });
    expect(partial.report.mismatches.length).toBe(m.mismatches.length);
  });

  it('reports weights missing from the source', () => {
    const src = pretrainedSource();
    delete src.weights['conv2_block1_2_bn/gamma'];
    const zm = build(SMALL.resnet);
    expect(() => pretrainedInit(zm, src, { seed: 1 })).toThrow(
      /conv2_block1_2_bn\/gamma: missing in source \(expected shape \[4\]\)/,
    );
  });

  it('refuses weights of another architecture', () => {
    const cbr = pretrainedSource(SMALL.cbr);
    const zm = build(SMALL.resnet);
    expect(() => pretrainedInit(zm, cbr, { seed: 1 })).toThrow(
      /pretrained-test: weights were saved from cbr-small, the model is resnet50/,
    );
    const anonymous: WeightSource = { weights: cbr.weights, origin: 'other.arrow' };
    try {
      pretrainedInit(zm, anonymous, { seed: 1 });
      expect.unreachable();
    } catch (e) {
      expect((e as ModelsError).code).toBe('WRONG_ARCHITECTURE');
      expect((e as Error).message).toMatch(
        /other\.arrow: none of the source's \d+ weights belongs to resnet50 \(source has layer1_conv\/kernel/,
      );
    }
  });

  it('matches Keras names with variable prefixes, :0 suffixes and shifted automatic numbering (InceptionV3)', () => {
    const srcModel = build(SMALL.inception);
    setWeights(srcModel, randomInit(srcModel, { seed: 21 }));
    // Keras 2.2-style export: conv2d_1..conv2d_94 instead of conv2d..conv2d_93, scoped names with :0.
    const shifted: WeightMap = {};
    for (const [name, t] of Object.entries(getWeights(srcModel))) {
      const [layer, kind] = name.split('/') as [string, string];
      const m = /^(conv2d|batch_normalization)(?:_(\d+))?$/.exec(layer);
      const renamed = m ? `${m[1]}_${Number(m[2] ?? 0) + 1}` : layer;
      shifted[`inception_v3/${renamed}/${kind}:0`] = t;
    }
    const zm = build(SMALL.inception);
    const { weights, report } = pretrainedInit(
      zm,
      { weights: shifted, origin: 'keras-2.2' },
      { seed: 3, head: 'keep' },
    );
    expect(report.renamed).toBe(188);
    expect(report.mismatches).toEqual([]);
    setWeights(zm, weights);
    const x = inputFor(zm, 1);
    expect(equalArrays(predict(zm, x), predict(srcModel, x))).toBe(true);
  });
});

describe('transfusionInit', () => {
  it('takes stages up to and including upTo from the source; later stages equal randomInit with the same seed', () => {
    const src = pretrainedSource();
    const zm = build(SMALL.resnet);
    const random = randomInit(zm, { seed: 9 });
    const order = ['conv1', 'block1', 'block2', 'block3', 'block4'];
    for (const [k, upTo] of order.entries()) {
      const { weights, report } = transfusionInit(zm, src, { upTo, seed: 9 });
      for (const s of weightSpecs(zm)) {
        const transferred = order.indexOf(s.stage) >= 0 && order.indexOf(s.stage) <= k;
        expectSame(weights, src.weights, s.name, transferred);
        if (!transferred) expectSame(weights, random, s.name, true);
      }
      expect(report.loaded.every((n) => order.indexOf(weightSpecs(zm).find((s) => s.name === n)!.stage) <= k)).toBe(
        true,
      );
    }
  });

  it('rejects an unknown stage, naming the model’s stages', () => {
    const zm = build(SMALL.cbr);
    expect(() => transfusionInit(zm, pretrainedSource(SMALL.cbr), { upTo: 'block1', seed: 1 })).toThrow(
      /unknown upTo 'block1'; stages: layer1, layer2, layer3, layer4/,
    );
    expect(() => transfusionInit(zm, pretrainedSource(SMALL.cbr), { upTo: 'head', seed: 1 })).toThrow(
      /unknown upTo 'head'/,
    );
  });
});

describe('meanVarInit', () => {
  it('draws each weight iid from N(mean, var) of the source tensor of the same name', () => {
    const src = pretrainedSource({ ...SMALL.cbr, width: 0.5 });
    const zm = build({ ...SMALL.cbr, width: 0.5 });
    const { weights, report } = meanVarInit(zm, src, { seed: 4 });
    for (const s of weightSpecs(zm)) {
      if (s.stage === 'head' || s.kind.startsWith('moving_')) continue;
      const a = moments(weights[s.name]!.data);
      const b = moments(src.weights[s.name]!.data);
      const n = weights[s.name]!.data.length;
      // Sample mean within 5 standard errors; sample variance within 5 standard errors of a normal's variance.
      expect(Math.abs(a.mean - b.mean), s.name).toBeLessThanOrEqual(5 * Math.sqrt(b.variance / n) + 1e-7);
      expect(Math.abs(a.variance - b.variance), s.name).toBeLessThanOrEqual(5 * b.variance * Math.sqrt(2 / n) + 1e-9);
      expectSame(weights, src.weights, s.name, false); // fresh draws, not a copy
    }
    // Moving statistics reset by default; head random.
    expect([...weights['layer2_bn/moving_variance']!.data].every((v) => v === 1)).toBe(true);
    expect(report.random).toContain('predictions/kernel');
  });

  it('batchNorm copy / reset, and shapes may differ from the source (only statistics are used)', () => {
    const src = pretrainedSource({ ...SMALL.cbr, width: 0.5 });
    const zm = build({ ...SMALL.cbr, width: 0.5 });
    const copy = meanVarInit(zm, src, { seed: 4, batchNorm: 'copy' }).weights;
    for (const k of ['gamma', 'beta', 'moving_mean', 'moving_variance'])
      expectSame(copy, src.weights, `layer3_bn/${k}`, true);
    const reset = meanVarInit(zm, src, { seed: 4, batchNorm: 'reset' }).weights;
    expect([...reset['layer3_bn/gamma']!.data].every((v) => v === 1)).toBe(true);
    const narrow = build(SMALL.cbr);
    const w = meanVarInit(narrow, src, { seed: 4 }).weights;
    expect(w['layer2_conv/kernel']!.shape).toEqual([7, 7, 4, 8]);
    expect(() => meanVarInit(narrow, src, { seed: 4, batchNorm: 'copy' })).toThrow(
      /layer1_bn\/gamma: expected \[4\], source has \[16\]/,
    );
  });
});

describe('slim hybrid', () => {
  it('keeps stages up to upTo at full width and pretrained, later stages slimmed and random', () => {
    const opts = slimHybridOptions(SMALL.resnet, { upTo: 'block2' });
    expect(opts.stageWidth).toEqual({ block3: 0.5, block4: 0.5 });
    const zm = build(opts);
    const spec = (n: string) => weightSpecs(zm).find((s) => s.name === n)!.shape;
    expect(spec('conv3_block1_3_conv/kernel')).toEqual([1, 1, 8, 32]);
    expect(spec('conv4_block1_1_conv/kernel')).toEqual([1, 1, 32, 8]);
    const src = pretrainedSource();
    const { weights, report } = slimHybridInit(zm, src, { upTo: 'block2', seed: 2 });
    expectSame(weights, src.weights, 'conv3_block1_3_conv/kernel', true);
    expect(report.random).toContain('conv4_block1_1_conv/kernel');
    expect(report.unused).toContain('conv5_block1_3_conv/kernel');
    expect(() => slimHybridInit(build(SMALL.resnet), src, { upTo: 'block2', seed: 2 })).toThrow(
      /not slimmed after 'block2'/,
    );
    expect(() => slimHybridOptions(SMALL.resnet, { upTo: 'block4' })).toThrow(/nothing is left to slim/);
    expect(() => slimHybridOptions(SMALL.resnet, { upTo: 'mixed3' })).toThrow(/unknown upTo stage 'mixed3'/);
  });

  it('works for Inception-v3: mixed stages after upTo at half width, the prefix pretrained, the model runs', () => {
    const opts = slimHybridOptions(SMALL.inception, { upTo: 'mixed7' });
    expect(opts.stageWidth).toEqual({ mixed8: 0.5, mixed9: 0.5, mixed10: 0.5 });
    const zm = build(opts);
    const full = build(SMALL.inception);
    const kernels = (m: typeof zm, stage: string) =>
      weightSpecs(m).filter((s) => s.stage === stage && s.kind === 'kernel');
    // every conv of a slimmed stage has half the output channels (width 1/16: 192 → 12 → 6); earlier stages are unchanged
    for (const stage of ['mixed8', 'mixed9', 'mixed10']) {
      const slim = kernels(zm, stage);
      const wide = kernels(full, stage);
      expect(slim.map((s) => s.name)).toEqual(wide.map((s) => s.name));
      for (const [i, s] of slim.entries())
        expect(s.shape.at(-1), s.name).toBe(Math.max(1, Math.round(wide[i]!.shape.at(-1)! / 2)));
    }
    for (const stage of ['conv1', 'stem', 'mixed0', 'mixed7'])
      expect(kernels(zm, stage).map((s) => s.shape)).toEqual(kernels(full, stage).map((s) => s.shape));
    const src = pretrainedSource(SMALL.inception);
    const { weights, report } = slimHybridInit(zm, src, { upTo: 'mixed7', seed: 2 });
    for (const s of kernels(zm, 'mixed7')) expectSame(weights, src.weights, s.name, true);
    const firstSlim = kernels(zm, 'mixed8')[0]!.name;
    expect(report.random).toContain(firstSlim);
    expect(report.random).toContain('predictions/kernel');
    setWeights(zm, weights);
    const x = inputFor(zm);
    const y = predict(zm, x);
    x.dispose();
    expect(y.length).toBe(2 * 3);
    expect([...y].every(Number.isFinite)).toBe(true);
    expect(() => slimHybridOptions(SMALL.inception, { upTo: 'mixed10' })).toThrow(/nothing is left to slim/);
    expect(() => slimHybridOptions(SMALL.inception, { upTo: 'block2' })).toThrow(
      /unknown upTo stage 'block2'; stages: conv1, stem, mixed0/,
    );
  });
});

describe('legacy Keras ResNet50 names', () => {
  it('maps keras_applications 1.0.8 names (res2a_branch2a, bn_conv1, fc1000) to tf.keras names', async () => {
    const { legacyResNetLayerName } = await import('../src/init/match.js');
    expect(legacyResNetLayerName('res2a_branch2a')).toBe('conv2_block1_1_conv');
    expect(legacyResNetLayerName('bn4f_branch2c')).toBe('conv4_block6_3_bn');
    expect(legacyResNetLayerName('res3a_branch1')).toBe('conv3_block1_0_conv');
    expect(legacyResNetLayerName('bn_conv1')).toBe('conv1_bn');
    expect(legacyResNetLayerName('conv2_block1_1_conv')).toBeUndefined();

    const srcModel = build(SMALL.resnet);
    setWeights(srcModel, randomInit(srcModel, { seed: 31 }));
    const legacy: WeightMap = {};
    for (const [name, t] of Object.entries(getWeights(srcModel))) {
      const [layer, kind] = name.split('/') as [string, string];
      const m = /^conv(\d)_block(\d)_(\d)_(conv|bn)$/.exec(layer);
      const old =
        layer === 'conv1_conv'
          ? 'conv1'
          : layer === 'conv1_bn'
            ? 'bn_conv1'
            : layer === 'predictions'
              ? 'fc1000'
              : m
                ? `${m[4] === 'conv' ? 'res' : 'bn'}${m[1]}${String.fromCharCode(96 + Number(m[2]))}_branch${['1', '2a', '2b', '2c'][Number(m[3])]}`
                : layer;
      legacy[`${old}/${kind}`] = t;
    }
    const zm = build(SMALL.resnet);
    const { weights, report } = pretrainedInit(
      zm,
      { weights: legacy, origin: 'keras-2.2-resnet50' },
      { seed: 1, head: 'keep' },
    );
    expect(report.mismatches).toEqual([]);
    expect(report.renamed).toBe(zm.model.layers.filter((l) => l.weights.length > 0).length);
    setWeights(zm, weights);
    const x = inputFor(zm, 1);
    expect(equalArrays(predict(zm, x), predict(srcModel, x))).toBe(true);
  });
});
