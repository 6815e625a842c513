// trainModel's recipe options: keepBest, classWeights, augment, input, batchNormMomentum.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { captureActivations } from '../src/activations.js';
import { resolveBackend } from '../src/backend/resolve.js';
import { ArrayDataset } from '../src/data/array-dataset.js';
import type { Dataset } from '../src/data/dataset.js';
import { TrainError } from '../src/errors.js';
import { checkpointPath, loadCheckpoint } from '../src/training/checkpoint.js';
import { evaluateModel } from '../src/training/evaluate.js';
import { trainingRecipeSchema } from '../src/schemas.js';
import { type TrainOptions, trainModel } from '../src/training/train-model.js';
import { base, type Blobs, blobCounts, blobs, quiet, tinyCbr, wasmSuiteWithTempDir } from './helpers.js';

const tempDir = wasmSuiteWithTempDir('train-recipe-');

const values = (w: { data: Float32Array }) => Array.from(w.data);

/** Correct labels in epoch 0, inverted ones afterwards: validation AUC rises, then falls. */
function labelsInvertAfterFirstEpoch(data: Blobs): Dataset {
  const good = new ArrayDataset(data, 'train');
  const bad = new ArrayDataset({ ...data, labels: data.labels.map((v) => 1 - v) }, 'train');
  return {
    size: good.size,
    imageShape: good.imageShape,
    labelWidth: good.labelWidth,
    batches: (o) => (o.epoch === 0 ? good : bad).batches(o),
  };
}

describe('keepBest', () => {
  it('returns the weights of the best evaluation (as checkpointed at that step) and says which', async () => {
    const model = tinyCbr(2);
    const validation = blobs(64, 2);
    const ck = join(tempDir(), 'best');
    const r = await trainModel(
      model,
      { train: labelsInvertAfterFirstEpoch(blobs(64, 1)), validation },
      {
        ...base,
        epochs: 3,
        evalEvery: 2,
        keepBest: { monitor: 'val_auc', mode: 'max' },
        checkpoint: { dir: ck },
      },
    );
    const aucs = r.history.map((h) => h.metrics['val_auc']!);
    const bestIndex = aucs.indexOf(Math.max(...aucs));
    const best = r.history[bestIndex]!;
    expect(r.history.map((h) => h.step)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(bestIndex).toBeGreaterThan(0); // the peak is in the middle of the run...
    expect(bestIndex).toBeLessThan(r.history.length - 1);
    expect(aucs.at(-1)!).toBeLessThan(best.metrics['val_auc']! - 0.1); // ...and clearly above the end
    expect(r.checkpoint).toEqual({
      kind: 'best',
      step: best.step,
      epoch: best.epoch,
      monitor: 'val_auc',
      value: best.metrics['val_auc'],
    });
    expect(r.metrics).toEqual(best.metrics);
    const atBest = await loadCheckpoint(checkpointPath(ck, best.step));
    for (const [name, w] of Object.entries(r.weights)) expect(values(w), name).toEqual(values(atBest[name]!));
    // The model holds them too (batch-norm moving statistics included), and the last step's file kept its own weights.
    expect((await evaluateModel(model, validation, base.task)).metrics['auc']).toBe(best.metrics['val_auc']);
    const last = await loadCheckpoint(checkpointPath(ck, 12));
    expect(values(last['conv1/kernel']!)).not.toEqual(values(r.weights['conv1/kernel']!));
  });

  it("without keepBest the last weights are returned and reported as 'last'", async () => {
    const r = await trainModel(
      tinyCbr(2),
      { train: blobs(64, 1), validation: blobs(32, 2) },
      { ...base, epochs: 2, maxSteps: 6, evalEvery: 4 },
    );
    expect(r.history.map((h) => h.step)).toEqual([4, 6]);
    expect(r.checkpoint).toEqual({ kind: 'last', step: 6, epoch: 1 });
    expect(r.metrics).toEqual(r.history.at(-1)!.metrics);
  });

  it('a validation monitor without a validation set is refused before training', async () => {
    const err = await trainModel(
      tinyCbr(2),
      { train: blobs(32, 1) },
      { ...base, keepBest: { monitor: 'val_auc', mode: 'max' } },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    expect((err as Error).message).toBe(
      "keepBest.monitor 'val_auc' needs a validation set (without one only 'train_loss' is recorded)",
    );
  });
});

/** Logits of a fresh tinyCbr on all images in training mode (batch statistics), as the first step sees them. */
function firstStepLogits(outputs: number, images: Float32Array, n: number): number[][] {
  return tf.tidy(() =>
    (tinyCbr(outputs).apply(tf.tensor4d(images, [n, 8, 8, 1]), { training: true }) as tf.Tensor2D).arraySync(),
  );
}

describe('classWeights', () => {
  // One step on the whole training set: the first history entry's train_loss is the loss at the initial weights.
  const oneStep = { ...base, batchSize: 16, maxSteps: 1, evalEvery: 1 };

  it('multi-class: the training loss is Σ w_y·ℓ / Σ w_y; the validation loss stays unweighted', async () => {
    const train = blobCounts(16, 7);
    const validation = blobCounts(16, 8);
    const task = { type: 'multiclass', numClasses: 3 } as const;
    const model = tinyCbr(3);
    const r = await trainModel(model, { train, validation }, { ...oneStep, task, classWeights: [1, 2, 4] });
    let num = 0;
    let den = 0;
    firstStepLogits(3, train.images as Float32Array, 16).forEach((z, i) => {
      const y = Number(train.labels[i]);
      const w = [1, 2, 4][y]!;
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      num += w * (lse - z[y]!);
      den += w;
    });
    expect(new Set(Array.from(train.labels as Float32Array)).size).toBe(3);
    expect(r.history[0]!.metrics['train_loss']).toBeCloseTo(num / den, 5);
    expect(r.classWeights).toEqual([1, 2, 4]);
    expect(r.metrics['val_loss']).toBe((await evaluateModel(model, validation, task)).metrics['loss']);
  });

  it('multi-label: per-label positive weights scale the positive term (pos_weight), averaged over entries', async () => {
    const train = blobs(16, 1);
    const r = await trainModel(tinyCbr(2), { train }, { ...oneStep, classWeights: [3, 0.5] });
    let sum = 0;
    const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    firstStepLogits(2, train.images, 16).forEach((z, i) =>
      z.forEach((v, l) => {
        const y = train.labels[i * 2 + l]!;
        sum += y ? [3, 0.5][l]! * softplus(-v) : softplus(v);
      }),
    );
    expect(r.history[0]!.metrics['train_loss']).toBeCloseTo(sum / 32, 5);
  });

  it("'balanced' is computed from the training labels and logged once", async () => {
    const train = blobs(64, 1);
    const lines: string[] = [];
    const r = await trainModel(
      tinyCbr(2),
      { train },
      { ...base, progress: true, maxSteps: 2, classWeights: 'balanced' },
      { progressSink: { write: (s: string) => lines.push(s), isTTY: false } },
    );
    const expected = [0, 1].map((l) => {
      const pos = train.labels.filter((_, i) => i % 2 === l && train.labels[i] === 1).length;
      return Math.fround((64 - pos) / pos);
    });
    expect(r.classWeights).toEqual(expected);
    expect(lines.filter((s) => s.startsWith('class weights (balanced, from 64 training samples): ')).length).toBe(1);
  });

  it('a wrong number of weights is refused before training', async () => {
    const err = await trainModel(tinyCbr(2), { train: blobs(16, 1) }, { ...base, classWeights: [1, 2, 3] }).catch(
      (e: unknown) => e,
    );
    expect((err as TrainError).code).toBe('TRAIN_BAD_OPTIONS');
    expect((err as Error).message).toBe('classWeights: 3 numbers given; the training data has 2 label columns');
  });
});

describe('augment and input', () => {
  /** The first training batch as the model receives it (captured by the tf-op hook, which runs after both). */
  async function firstBatch(options: Partial<TrainOptions>): Promise<Float32Array> {
    let seen: Float32Array | undefined;
    const augment = (x: tf.Tensor4D) => {
      seen ??= x.dataSync() as Float32Array;
      return x;
    };
    await resolveBackend(options.backend ?? base.backend); // the model's variables live on the run's backend
    await trainModel(tinyCbr(2), { train: blobs(32, 1) }, { ...base, maxSteps: 2, ...options }, { augment });
    return seen!;
  }

  it('augmentation is seeded: the same run repeats, another seed or no augmentation differs, and the model trains', async () => {
    const augment = {
      hflip: true,
      vflip: true,
      rotate: 15,
      crop: { scale: [0.6, 1] as [number, number] },
      brightness: 0.1,
      contrast: 0.1,
    };
    const a = await firstBatch({ augment });
    expect(Array.from(await firstBatch({ augment }))).toEqual(Array.from(a));
    expect(Array.from(await firstBatch({ augment, seed: 4 }))).not.toEqual(Array.from(a));
    expect(Array.from(await firstBatch({}))).not.toEqual(Array.from(a));
    const r = await trainModel(
      tinyCbr(2),
      { train: blobs(128, 1), validation: blobs(64, 2) },
      { ...base, epochs: 3, augment: { hflip: true } },
    );
    expect(r.metrics['val_auc']!).toBeGreaterThan(0.8); // left-right flips keep top/bottom labels valid
  });

  it('the augmented batch does not depend on the backend', async () => {
    const augment = { hflip: true, rotate: 30, brightness: 0.2 };
    const wasm = await firstBatch({ augment });
    const cpu = await firstBatch({ augment, backend: { backend: 'cpu' } });
    await resolveBackend({ backend: 'wasm', threads: 1 });
    expect(Array.from(cpu)).toEqual(Array.from(wasm));
  });

  it("input 'tf' feeds 2u - 1 to the model in training, evaluation and activation capture", async () => {
    const data = blobs(32, 1);
    const x = await firstBatch({ input: 'tf', batchSize: 32, maxSteps: 1 });
    const want = Array.from(data.images, (u) => Math.fround(u * 2 - 1));
    expect(Array.from(x).sort((p, q) => p - q)).toEqual(want.sort((p, q) => p - q)); // shuffled rows, same values
    const model = tinyCbr(2);
    const mapped = tf.tensor4d(
      data.images.map((u) => u * 2 - 1),
      [32, 8, 8, 1],
    );
    const ev = await evaluateModel(model, data, { type: 'multilabel' }, { input: 'tf' });
    expect(Array.from(ev.probabilities)).toEqual(Array.from(tf.sigmoid(model.predict(mapped) as tf.Tensor).dataSync()));
    const acts = await captureActivations(model, data, ['gap'], { input: 'tf' });
    const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('gap').output as tf.SymbolicTensor });
    expect(Array.from(acts['gap']!.data)).toEqual(Array.from((probe.predict(mapped) as tf.Tensor).dataSync()));
  });

  it("'caffe' and 'torch' on greyscale images are refused with the channel count", async () => {
    const err = await trainModel(tinyCbr(2), { train: blobs(16, 1) }, { ...base, input: 'torch' }).catch(
      (e: unknown) => e,
    );
    expect((err as TrainError).code).toBe('TRAIN_BAD_OPTIONS');
    expect((err as Error).message).toBe("input 'torch' needs 3-channel RGB images; the training images have 1 channel");
    await expect(evaluateModel(tinyCbr(2), blobs(4, 1), { type: 'multilabel' }, { input: 'caffe' })).rejects.toThrow(
      /input 'caffe' needs 3-channel RGB images; the validation images have 1 channel/,
    );
    await expect(
      evaluateModel(tinyCbr(2), blobs(4, 1), { type: 'multilabel' }, { input: 'bgr' as never }),
    ).rejects.toThrow(/^evaluateModel: input: Invalid option: expected one of "unit"\|"tf"\|"caffe"\|"torch"$/);
  });
});

describe('batchNormMomentum', () => {
  it('sets every batch-norm layer moving average momentum for the run, then restores it', async () => {
    const train = blobs(16, 1);
    const probe = (m: tf.LayersModel) =>
      tf.model({ inputs: m.inputs, outputs: m.getLayer('conv1').output as tf.SymbolicTensor });
    const batchMean = (m: tf.LayersModel) =>
      tf.tidy(() =>
        Array.from(
          tf.mean(probe(m).predict(tf.tensor4d(train.images, [16, 8, 8, 1])) as tf.Tensor, [0, 1, 2]).dataSync(),
        ),
      );
    // One step over the whole set: moving mean = momentum * 0 + (1 - momentum) * batch mean of conv1's output.
    for (const momentum of [0, 0.9, undefined]) {
      const model = tinyCbr(2);
      const mean = batchMean(model);
      await trainModel(
        model,
        { train },
        { ...base, maxSteps: 1, ...(momentum === undefined ? {} : { batchNormMomentum: momentum }) },
      );
      const moving = Array.from(model.getLayer('bn1').getWeights()[2]!.dataSync());
      const keep = momentum ?? 0.99; // tfjs's default
      moving.forEach((v, i) => expect(v, `momentum ${momentum}, channel ${i}`).toBeCloseTo((1 - keep) * mean[i]!, 5));
      expect((model.getLayer('bn1') as unknown as { momentum: number }).momentum).toBe(0.99);
    }
  });
});

describe('a recipe from a pipeline file', () => {
  it('parses with trainingRecipeSchema and drives trainModel with the run-specific fields added', async () => {
    const recipe = trainingRecipeSchema.parse({
      epochs: 2,
      batchSize: 16,
      evalEvery: 2,
      optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
      schedule: { type: 'step', every: 2, gamma: 0.5 },
      warmupSteps: 1,
      input: 'tf',
      augment: { hflip: true, rotate: 5 },
      classWeights: 'balanced',
      batchNormMomentum: 0.9,
      keepBest: { monitor: 'val_loss', mode: 'min' },
    });
    const r = await trainModel(
      tinyCbr(2),
      { train: blobs(64, 1), validation: blobs(32, 2) },
      { ...recipe, ...quiet, task: base.task, seed: 1 },
    );
    expect(r.steps).toBe(8);
    expect(r.history.map((h) => h.lr)).toEqual([0.05, 0.025, 0.0125, 0.00625]); // steps 1, 3, 5, 7 (0-based) of warm-up 1 + step decay
    expect(r.checkpoint.kind).toBe('best');
    expect(r.classWeights).toHaveLength(2);
  });
});
