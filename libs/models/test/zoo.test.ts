import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  CBR_CONFIGS,
  ModelsError,
  PAPER_REPORTED_PARAMS,
  buildModel,
  modelSummary,
  paperStyleCountOf,
  paperStyleParamCount,
  stageNames,
  stageOutputsModel,
  weightSpecs,
  type CbrName,
} from '../src/index.js';
import { SMALL, build, disposeBuilt, inputFor, predict } from './helpers.js';

afterEach(disposeBuilt);

const trainableCount = (m: tf.LayersModel) =>
  m.trainableWeights.reduce((a, w) => a + w.shape.reduce<number>((x, y) => x * Number(y), 1), 0);

describe('Keras applications parity at 224×224×3 with 1000 classes', () => {
  it('ResNet50 has Keras’s 25,636,712 parameters (25,583,592 trainable), 177 layers and its layer names', () => {
    const zm = build({ name: 'resnet50', inputSize: 224 }, { initialWeights: 'zeros' });
    expect(zm.model.countParams()).toBe(25_636_712);
    expect(trainableCount(zm.model)).toBe(25_583_592);
    expect(zm.model.layers.length).toBe(177);
    for (const n of [
      'conv1_pad',
      'conv1_conv',
      'conv1_bn',
      'pool1_pool',
      'conv2_block1_0_conv',
      'conv3_block4_out',
      'conv4_block6_3_bn',
      'conv5_block3_out',
      'avg_pool',
      'predictions',
    ]) {
      expect(() => zm.model.getLayer(n)).not.toThrow();
    }
    expect(stageNames(zm)).toEqual(['conv1', 'block1', 'block2', 'block3', 'block4', 'head']);
    expect(zm.stages.map((s) => s.output)).toEqual([
      'conv1_relu',
      'conv2_block3_out',
      'conv3_block4_out',
      'conv4_block6_out',
      'conv5_block3_out',
      'predictions',
    ]);
    // Keras ResNet50 v1: the stride sits on the first 1×1 conv of a stack, convs have biases.
    const c = zm.model.getLayer('conv3_block1_1_conv').getConfig();
    expect(c['strides']).toEqual([2, 2]);
    expect(c['useBias']).toBe(true);

    const s = modelSummary(zm);
    // Independent count of multiply-accumulates (He et al. 2016, Table 1: 3.8e9 for ResNet-50).
    const conv = (hw: number, k: number, cin: number, cout: number) => hw * hw * k * k * cin * cout;
    let macs = conv(112, 7, 3, 64);
    let cin = 64;
    const sizes = [56, 28, 14, 7];
    [64, 128, 256, 512].forEach((f, i) => {
      for (let b = 0; b < [3, 4, 6, 3][i]!; b++) {
        const hw = sizes[i]!;
        if (b === 0) macs += conv(hw, 1, cin, 4 * f);
        macs += conv(hw, 1, cin, f) + conv(hw, 3, f, f) + conv(hw, 1, f, 4 * f);
        cin = 4 * f;
      }
    });
    macs += 2048 * 1000;
    expect(s.macs).toBe(macs);
    expect(s.macs).toBeGreaterThan(3.8e9);
    expect(s.macs).toBeLessThan(3.9e9);
    expect(s.flops).toBe(2 * macs);
    expect(s.stages.find((x) => x.name === 'block4')?.outputShape).toEqual([7, 7, 2048]);
    expect(s.stages.reduce((a, x) => a + x.params, 0)).toBe(25_636_712);
  });

  it('InceptionV3 has Keras’s 23,851,784 parameters (23,817,352 trainable), 313 layers and Keras automatic names', () => {
    const zm = build({ name: 'inception-v3', inputSize: 224 }, { initialWeights: 'zeros' });
    expect(zm.model.countParams()).toBe(23_851_784);
    expect(trainableCount(zm.model)).toBe(23_817_352);
    expect(zm.model.layers.length).toBe(313);
    for (const n of [
      'conv2d',
      'conv2d_93',
      'batch_normalization_93',
      'activation_93',
      'max_pooling2d_1',
      'average_pooling2d_8',
      'mixed9_0',
      'mixed9_1',
      'concatenate_1',
      'mixed10',
    ]) {
      expect(() => zm.model.getLayer(n)).not.toThrow();
    }
    expect(() => zm.model.getLayer('conv2d_94')).toThrow();
    // Keras: convs without bias, batch norm without gamma.
    expect(zm.model.getLayer('conv2d').weights.map((w) => w.originalName)).toEqual(['conv2d/kernel']);
    expect(zm.model.getLayer('batch_normalization').weights.map((w) => w.originalName)).toEqual([
      'batch_normalization/beta',
      'batch_normalization/moving_mean',
      'batch_normalization/moving_variance',
    ]);
    expect(stageNames(zm)).toEqual(['conv1', 'stem', ...Array.from({ length: 11 }, (_, i) => `mixed${i}`), 'head']);
    const s = modelSummary(zm);
    expect(s.stages.find((x) => x.name === 'mixed10')?.outputShape).toEqual([5, 5, 2048]);
    expect(s.reference).toEqual({ params: 23_851_784, classes: 1000, source: 'keras' });
  });
});

describe('CBR family', () => {
  it('paper-style counts reproduce the reported parameter counts (5 classes)', () => {
    for (const name of Object.keys(CBR_CONFIGS) as CbrName[]) {
      const reported = PAPER_REPORTED_PARAMS[name];
      if (reported !== undefined) expect(paperStyleParamCount(name, 5)).toBe(reported);
    }
    // The text's CBR-Tiny (64–512) does not give the reported count; the 32–256 variant does.
    expect(paperStyleParamCount('cbr-tiny', 5)).not.toBe(1_076_480);
    expect(paperStyleParamCount('cbr-tiny-32', 5)).toBe(1_076_480);
  });

  it('built CBRs have exactly the full parameter count and the paper-style count', () => {
    for (const name of Object.keys(CBR_CONFIGS) as CbrName[]) {
      const { kernel, channels } = CBR_CONFIGS[name];
      let total = 0;
      let cin = 3;
      for (const c of channels) {
        total += kernel * kernel * cin * c + 4 * c; // conv without bias + BN gamma, beta, mean, variance
        cin = c;
      }
      total += cin * 5 + 5;
      const zm = build({ name, classes: 5, inputSize: 16 }, { initialWeights: 'zeros' });
      expect(zm.model.countParams(), name).toBe(total);
      expect(paperStyleCountOf(zm), name).toBe(paperStyleParamCount(name, 5));
    }
  });

  it('uses stride-1 same convs without bias, then BN, ReLU and 3×3/2 max pooling (none after CBR-LargeT’s last block)', () => {
    const zm = build({ name: 'cbr-large-t', inputSize: 32, width: 0.125, classes: 2 });
    expect(stageNames(zm)).toEqual(['layer1', 'layer2', 'layer3', 'layer4', 'layer5', 'head']);
    expect(zm.stages[0]!.layers).toEqual(['layer1_conv', 'layer1_bn', 'layer1_relu', 'layer1_pool']);
    const conv = zm.model.getLayer('layer2_conv').getConfig();
    expect(conv).toMatchObject({ kernelSize: [7, 7], strides: [1, 1], padding: 'same', useBias: false });
    expect(zm.model.getLayer('layer1_pool').getConfig()).toMatchObject({ poolSize: [3, 3], strides: [2, 2] });
    const s = modelSummary(zm);
    expect(s.stages.map((x) => x.outputShape)).toEqual([
      [16, 16, 4],
      [8, 8, 8],
      [4, 4, 16],
      [2, 2, 32],
      [2, 2, 64],
      [2],
    ]);
    // FLOPs by hand: each conv at its input resolution.
    const macs =
      32 * 32 * 49 * 3 * 4 +
      16 * 16 * 49 * 4 * 8 +
      8 * 8 * 49 * 8 * 16 +
      4 * 4 * 49 * 16 * 32 +
      2 * 2 * 49 * 32 * 64 +
      64 * 2;
    expect(s.macs).toBe(macs);
    expect(s.reference).toEqual({ params: 8_532_480, classes: 5, source: 'paper' });
  });
});

describe('scaling knobs', () => {
  it('width, input size, channels, classes and lastStage keep stage names', () => {
    const zm = build({
      name: 'resnet50',
      inputSize: [48, 64],
      channels: 1,
      classes: 4,
      width: 0.25,
      lastStage: 'block2',
    });
    expect(stageNames(zm)).toEqual(['conv1', 'block1', 'block2', 'head']);
    const kernel = weightSpecs(zm).find((w) => w.name === 'conv1_conv/kernel');
    expect(kernel?.shape).toEqual([7, 7, 1, 16]);
    expect(weightSpecs(zm).find((w) => w.name === 'predictions/kernel')?.shape).toEqual([128, 4]);
    expect(predict(zm, inputFor(zm, 1)).length).toBe(4);
  });

  it('blocks shortens ResNet stacks, keeping Keras names', () => {
    const zm = build(SMALL.resnet);
    const names = zm.model.layers.map((l) => l.name);
    expect(names).toContain('conv5_block1_out');
    expect(names).not.toContain('conv2_block2_out');
  });

  it('every small variant runs forward with the expected output size', () => {
    for (const o of Object.values(SMALL)) {
      const zm = build(o);
      const y = predict(zm, inputFor(zm));
      expect(y.length).toBe(2 * 3);
      expect([...y].every(Number.isFinite)).toBe(true);
    }
  });

  it('stageOutputsModel exposes stage representations by name', () => {
    const zm = build(SMALL.inception);
    const m = stageOutputsModel(zm, ['conv1', 'mixed0', 'mixed10']);
    const outs = m.predict(inputFor(zm, 1)) as tf.Tensor[];
    expect(outs.map((t) => t.shape)).toEqual([
      [1, 37, 37, 2],
      [1, 7, 7, 16],
      [1, 1, 1, 128],
    ]);
    tf.dispose(outs);
    expect(() => stageOutputsModel(zm, ['block1'])).toThrow(/unknown stage 'block1'.*mixed0/);
  });
});

describe('bad model options', () => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ModelsError);
      return `${(e as ModelsError).code}: ${(e as Error).message}`;
    }
    return undefined;
  };
  it('names the problem', () => {
    expect(code(() => buildModel({ name: 'resnet51' as 'resnet50' }))).toMatch(
      /^UNKNOWN_MODEL: unknown model 'resnet51'; known models: .*inception-v3/,
    );
    expect(code(() => buildModel({ name: 'cbr-small', width: -1 }))).toMatch(/^BAD_OPTIONS: .*width/);
    expect(code(() => buildModel({ name: 'cbr-small', classes: 0 }))).toMatch(/^BAD_OPTIONS: .*classes/);
    expect(code(() => buildModel({ name: 'cbr-small', colour: true } as never))).toMatch(/^BAD_OPTIONS: .*colour/);
    expect(code(() => buildModel({ name: 'cbr-small', blocks: [1, 1, 1, 1] }))).toMatch(
      /^BAD_OPTIONS: .*blocks: only resnet50/,
    );
    expect(code(() => buildModel({ name: 'cbr-small', lastStage: 'block2' }))).toMatch(
      /^UNKNOWN_STAGE: .*'block2'.*layer1, layer2/,
    );
    expect(code(() => buildModel({ name: 'resnet50', stageWidth: { layer3: 0.5 } }))).toMatch(
      /^UNKNOWN_STAGE: .*stageWidth/,
    );
    expect(code(() => buildModel({ name: 'inception-v3', inputSize: 74 }))).toMatch(
      /^INPUT_TOO_SMALL: .*74×74.*at least 75/,
    );
    expect(code(() => buildModel({ name: 'resnet50', inputSize: [31, 64] }))).toMatch(/^INPUT_TOO_SMALL/);
  });
});
