import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildBenchCbr } from '../src/models/bench-cbr.js';
import { forwardFlopsPerImage, layerFlops, trainingFlopsPerImage } from '@transfusion/models';
import { sigmoidBce, softmaxCe } from '../src/training/losses.js';
import { optimizerSchema } from '../src/options/optimizer.js';
import { Optimizer } from '../src/training/optimizer.js';
import { formatProgress } from '../src/training/progress.js';
import { scheduleSchema } from '../src/options/schedule.js';
import { learningRateAt } from '../src/training/schedule.js';

// These run on whatever backend is current (cpu by default in this file): pure maths checks.
describe('learning-rate schedules', () => {
  const s = (x: unknown) => scheduleSchema.parse(x);
  it('warms up linearly, then follows constant / step / cosine', () => {
    expect([0, 1, 3, 4, 9].map((t) => learningRateAt(t, 0.1, s({ type: 'constant' }), 4, 10))).toEqual([
      0.025, 0.05, 0.1, 0.1, 0.1,
    ]);
    expect([0, 9, 10, 25].map((t) => learningRateAt(t, 1, s({ type: 'step', every: 10, gamma: 0.5 }), 0, 100))).toEqual(
      [1, 1, 0.5, 0.25],
    );
    // step decay counts from the end of the warm-up: 2 warm-up steps, then x0.1 every 3 steps
    expect(
      [0, 1, 2, 4, 5, 8].map((t) => learningRateAt(t, 1, s({ type: 'step', every: 3, gamma: 0.1 }), 2, 100)),
    ).toEqual([0.5, 1, 1, 1, 0.1, 0.1 ** 2]);
    const cos = s({ type: 'cosine', minLr: 0.01 });
    expect(learningRateAt(2, 0.1, cos, 2, 12)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(7, 0.1, cos, 2, 12)).toBeCloseTo(0.055, 12);
    expect(learningRateAt(12, 0.1, cos, 2, 12)).toBeCloseTo(0.01, 12);
  });
  it('rejects invalid schedules', () => {
    expect(() => s({ type: 'step', every: 0, gamma: 0.5 })).toThrow();
    expect(() => s({ type: 'exp' })).toThrow();
  });
});

describe('optimisers', () => {
  it('Adam matches tf.train.adam step for step', () => {
    const w0 = [0.5, -1.2, 2.0];
    const grad = (w: tf.Tensor) => tf.mul(tf.sub(w, tf.tensor1d([1, 2, 3])), 2); // d/dw of |w - t|^2
    const ours = tf.variable(tf.tensor1d(w0), true, 'ours');
    const theirs = tf.variable(tf.tensor1d(w0), true, 'theirs');
    const opt = new Optimizer(optimizerSchema.parse({ type: 'adam', lr: 0.1 }));
    const ref = tf.train.adam(0.1, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 5; i++) {
      opt.apply([{ name: 'w', variable: ours, decay: false }], { ours: grad(ours) }, 0.1);
      ref.applyGradients([{ name: theirs.name, tensor: grad(theirs) }]);
    }
    const a = ours.dataSync();
    const b = theirs.dataSync();
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });
  it('SGD with momentum and decoupled weight decay follow their update rules', () => {
    const v = tf.variable(tf.tensor1d([1]), true, 'sgdw');
    const opt = new Optimizer(optimizerSchema.parse({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.5 }));
    opt.apply([{ name: 'w', variable: v, decay: true }], { sgdw: tf.tensor1d([2]) }, 0.1); // buf=2, w = 1 - 0.2 - 0.05
    expect(v.dataSync()[0]).toBeCloseTo(0.75, 6);
    opt.apply([{ name: 'w', variable: v, decay: true }], { sgdw: tf.tensor1d([2]) }, 0.1); // buf=3.8, w = .75 - .38 - .0375
    expect(v.dataSync()[0]).toBeCloseTo(0.3325, 6);
  });
  it('SGD with Nesterov momentum takes g + momentum * buf (PyTorch rule)', () => {
    const v = tf.variable(tf.tensor1d([1, -1]), true, 'nesterov');
    const opt = new Optimizer(optimizerSchema.parse({ type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }));
    const step = () => opt.apply([{ name: 'w', variable: v, decay: true }], { nesterov: tf.tensor1d([2, -1]) }, 0.1);
    step(); // buf = g = [2, -1]; update g + 0.9 buf = [3.8, -1.9]; w = [1 - 0.38, -1 + 0.19]
    expect(Array.from(v.dataSync()).map((x) => Number(x.toFixed(6)))).toEqual([0.62, -0.81]);
    step(); // buf = 0.9 [2, -1] + g = [3.8, -1.9]; update g + 0.9 buf = [5.42, -2.71]; w = [0.62 - 0.542, -0.81 + 0.271]
    expect(Array.from(v.dataSync()).map((x) => Number(x.toFixed(6)))).toEqual([0.078, -0.539]);
  });
});

describe('losses', () => {
  it('sigmoid BCE equals tf.losses.sigmoidCrossEntropy and averages over unmasked entries only', () => {
    const z = tf.tensor2d([
      [2, -1],
      [0.5, 3],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    expect(sigmoidBce(z, y).dataSync()[0]).toBeCloseTo(tf.losses.sigmoidCrossEntropy(y, z).dataSync()[0]!, 6);
    const m = tf.tensor2d([
      [1, 0],
      [1, 0],
    ]);
    const manual = (Math.log1p(Math.exp(-2)) + (0.5 + Math.log1p(Math.exp(-0.5)))) / 2;
    expect(sigmoidBce(z, y, m).dataSync()[0]).toBeCloseTo(manual, 6);
    expect(Number.isFinite(sigmoidBce(tf.tensor2d([[1000, -1000]]), tf.tensor2d([[0, 1]])).dataSync()[0]!)).toBe(true);
  });
  it('softmax CE equals -log p[class], with optional row weights', () => {
    const z = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 5],
    ]);
    const p0 = Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3));
    const p1 = 1 / (2 + Math.exp(5));
    expect(softmaxCe(z, tf.tensor1d([0, 1])).dataSync()[0]).toBeCloseTo((-Math.log(p0) - Math.log(p1)) / 2, 5);
    expect(softmaxCe(z, tf.tensor1d([0, 1]), tf.tensor1d([0, 1])).dataSync()[0]).toBeCloseTo(-Math.log(p1), 5);
    // class weights [2, 0.5, 1]: rows of class 0 and 1 weigh 2 and 0.5; the mean is Σ w·ℓ / Σ w (PyTorch's weight=)
    expect(softmaxCe(z, tf.tensor1d([0, 1]), tf.tensor1d([2, 0.5])).dataSync()[0]).toBeCloseTo(
      (2 * -Math.log(p0) + 0.5 * -Math.log(p1)) / 2.5,
      5,
    );
    expect(softmaxCe(z, tf.tensor1d([0, 1]), tf.tensor1d([0, 0])).dataSync()[0]).toBe(0); // every row masked out
  });
  it('sigmoid BCE with a positive-class weight per label follows BCEWithLogitsLoss(pos_weight)', () => {
    const z = tf.tensor2d([
      [2, -1],
      [0.5, 3],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const sp = (v: number) => Math.log1p(Math.exp(v)); // softplus
    // pos_weight [3, 0.5]: positives' -log σ(z) is scaled by their label's weight, negatives' -log(1 - σ(z)) is not
    const manual = (3 * sp(-2) + sp(-1) + sp(0.5) + 0.5 * sp(-3)) / 4;
    expect(sigmoidBce(z, y, undefined, tf.tensor1d([3, 0.5])).dataSync()[0]).toBeCloseTo(manual, 6);
    expect(sigmoidBce(z, y, undefined, tf.tensor1d([1, 1])).dataSync()[0]).toBeCloseTo(
      sigmoidBce(z, y).dataSync()[0]!,
      6,
    );
    const m = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    expect(sigmoidBce(z, y, m, tf.tensor1d([3, 0.5])).dataSync()[0]).toBeCloseTo((3 * sp(-2) + 0.5 * sp(-3)) / 2, 6);
    expect(
      Number.isFinite(
        sigmoidBce(tf.tensor2d([[1000, -1000]]), tf.tensor2d([[0, 1]]), undefined, tf.tensor1d([2, 2])).dataSync()[0]!,
      ),
    ).toBe(true);
  });
});

describe('bench-cbr and FLOP counts', () => {
  it('has the reference architecture: 4 x (5x5 conv no bias, BN, ReLU, 3x3/2 pool), GAP, dense 5', () => {
    const m = buildBenchCbr({ size: 64, channels: 1 });
    expect(m.outputs[0]!.shape).toEqual([null, 5]);
    expect(m.getLayer('pool4').outputShape).toEqual([null, 4, 4, 256]);
    expect(m.countParams()).toBe(
      25 * (1 * 32 + 32 * 64 + 64 * 128 + 128 * 256) + 4 * (32 + 64 + 128 + 256) + 256 * 5 + 5,
    );
    const f = layerFlops(m).map((l) => l.forward);
    expect(f).toEqual([
      2 * 64 * 64 * 25 * 32,
      2 * 32 * 32 * 25 * 32 * 64,
      2 * 16 * 16 * 25 * 64 * 128,
      2 * 8 * 8 * 25 * 128 * 256,
      2 * 256 * 5,
    ]);
    expect(trainingFlopsPerImage(m)).toBe(3 * forwardFlopsPerImage(m) - f[0]!);
  });
  it('rejects invalid options', () => {
    expect(() => buildBenchCbr({ size: 4 })).toThrow(/size/);
  });
});

describe('progress line', () => {
  it('shows steps, rates, ETA and metrics', () => {
    const line = formatProgress(
      { step: 50, totalSteps: 200, images: 1600, metrics: { loss: 0.51234, val_auc: 0.8 } },
      25,
    );
    expect(line).toBe('[#####---------------] 50/200 2.00 steps/s 64.0 img/s ETA 1m15s | loss 0.5123 val_auc 0.8000');
  });
});
