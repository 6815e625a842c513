import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TrainError } from '../src/errors.js';
import { loadCheckpoint } from '../src/training/checkpoint.js';
import { evaluateModel } from '../src/training/evaluate.js';
import { trainModel } from '../src/training/train-model.js';
import { base, blobCounts, blobs, tinyCbr, wasmSuiteWithTempDir } from './helpers.js';

const tempDir = wasmSuiteWithTempDir('train-test-');

describe('trainModel', () => {
  it('learns a multi-label task: loss falls and validation AUC is high', async () => {
    const model = tinyCbr(2);
    const r = await trainModel(model, { train: blobs(256, 1), validation: blobs(128, 2) }, { ...base, epochs: 4 });
    expect(r.steps).toBe(64);
    expect(r.history.map((h) => h.step)).toEqual([16, 32, 48, 64]);
    const first = r.history[0]!.metrics;
    const last = r.history[r.history.length - 1]!.metrics;
    expect(last['train_loss']!).toBeLessThan(first['train_loss']!);
    expect(last['val_auc']!).toBeGreaterThan(0.85);
    expect(last['val_auc/top']).toBeDefined();
    expect(last['val_auc/bottom']).toBeDefined();
    expect(r.metrics).toEqual(last);
    expect(Object.keys(r.weights)).toEqual(model.weights.map((w) => w.name));
    expect(r.backend.name).toBe('wasm');
    expect(r.imagesSeen).toBe(64 * 16);
  });

  it('is deterministic for a seed and changes with the seed', async () => {
    const run = async (seed: number) =>
      trainModel(
        tinyCbr(2),
        { train: blobs(64, 1), validation: blobs(32, 2) },
        { ...base, seed, maxSteps: 6, evalEvery: 3 },
      );
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a.history.map((h) => h.metrics)).toEqual(b.history.map((h) => h.metrics));
    expect(Array.from(a.weights['conv1/kernel']!.data)).toEqual(Array.from(b.weights['conv1/kernel']!.data));
    expect(Array.from(a.weights['conv1/kernel']!.data)).not.toEqual(Array.from(c.weights['conv1/kernel']!.data));
  });

  it('ignores masked labels entirely (their values do not change the result)', async () => {
    const data = blobs(64, 4);
    const mask = new Uint8Array(data.labels.length).fill(1);
    for (let i = 0; i < 64; i += 3) mask[i * 2 + 1] = 0;
    const flipped = Float32Array.from(data.labels);
    for (let i = 0; i < flipped.length; i++) if (!mask[i]) flipped[i] = Number.NaN; // U-Ignore placeholder
    const opts = { ...base, maxSteps: 4 };
    const a = await trainModel(tinyCbr(2), { train: { ...data, mask }, validation: { ...data, mask } }, opts);
    const b = await trainModel(
      tinyCbr(2),
      { train: { ...data, labels: flipped, mask }, validation: { ...data, labels: flipped, mask } },
      opts,
    );
    expect(Array.from(a.weights['logits/kernel']!.data)).toEqual(Array.from(b.weights['logits/kernel']!.data));
    expect(a.metrics['val_loss']).toBe(b.metrics['val_loss']);
    const c = await trainModel(tinyCbr(2), { train: data, validation: data }, opts);
    expect(Array.from(c.weights['logits/kernel']!.data)).not.toEqual(Array.from(a.weights['logits/kernel']!.data));
  });

  it('trains a multi-class ordinal task with softmax CE and reports accuracy, kappa and referable AUC', async () => {
    const r = await trainModel(
      tinyCbr(3),
      { train: blobCounts(256, 7), validation: blobCounts(96, 8) },
      {
        ...base,
        task: { type: 'multiclass', numClasses: 3, ordinal: true, referableClass: 1 },
        epochs: 3,
        optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
        schedule: { type: 'cosine' },
        warmupSteps: 4,
      },
    );
    const m = r.metrics;
    for (const k of ['val_loss', 'val_acc', 'val_auc', 'val_kappa', 'val_referable_auc'])
      expect(Number.isFinite(m[k]!)).toBe(true);
    expect(m['val_acc']!).toBeGreaterThan(0.6);
    expect(m['val_kappa']!).toBeGreaterThan(0.4);
  });

  it('uses batch-norm batch statistics in training and moving statistics in evaluation', async () => {
    const model = tinyCbr(2);
    const train = blobs(64, 1);
    const before = Array.from(model.getLayer('bn1').getWeights()[2]!.dataSync()); // moving mean
    await trainModel(model, { train }, { ...base, maxSteps: 5 });
    const after = Array.from(model.getLayer('bn1').getWeights()[2]!.dataSync());
    expect(after).not.toEqual(before);
    const ev = await evaluateModel(model, { ...train, labels: train.labels }, { type: 'multilabel' });
    const x = tf.tensor4d(train.images, [64, 8, 8, 1]);
    const inference = tf.sigmoid(model.predict(x) as tf.Tensor).dataSync();
    const training = tf.sigmoid(model.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Array.from(ev.probabilities)).toEqual(Array.from(inference));
    expect(Array.from(training)).not.toEqual(Array.from(inference));
  });

  it('stops early, restores the best weights and records the best step', async () => {
    const model = tinyCbr(2);
    // Monitoring the validation loss as a 'max' metric: falling loss never "improves" after the first evaluation.
    const r = await trainModel(
      model,
      { train: blobs(64, 1), validation: blobs(32, 2) },
      {
        ...base,
        maxSteps: 50,
        evalEvery: 1,
        earlyStopping: { monitor: 'val_loss', mode: 'max', patience: 2 },
      },
    );
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBe(3);
    expect(r.checkpoint).toEqual({
      kind: 'best',
      step: 1,
      epoch: 0,
      monitor: 'val_loss',
      value: r.history[0]!.metrics['val_loss'],
    });
    expect(r.metrics).toEqual(r.history[0]!.metrics);
    expect(Array.from(model.getWeights()[0]!.dataSync())).toEqual(Array.from(r.weights['conv1/kernel']!.data));
  });

  it('writes Arrow checkpoints that load back to the trained weights', async () => {
    const ck = join(tempDir(), 'ck');
    const r = await trainModel(
      tinyCbr(2),
      { train: blobs(64, 1) },
      { ...base, maxSteps: 4, checkpoint: { dir: ck, every: 2 } },
    );
    expect((await readdir(ck)).sort()).toEqual(['step-00000002.arrow', 'step-00000004.arrow']);
    expect(r.checkpoints).toHaveLength(2);
    const w = await loadCheckpoint(r.checkpoints[1]!);
    for (const [k, v] of Object.entries(r.weights)) expect(Array.from(w[k]!.data)).toEqual(Array.from(v.data));
  });

  it('leaves no tensors behind (optimiser slots, batches, gradients and kernel temporaries are freed)', async () => {
    const model = tinyCbr(2);
    const data = { train: blobs(64, 1), validation: blobs(32, 2) };
    await trainModel(model, data, { ...base, maxSteps: 2 }); // first run creates lazily built state
    const before = tf.memory().numTensors;
    await trainModel(model, data, { ...base, maxSteps: 8, evalEvery: 4 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports progress on the given sink', async () => {
    const lines: string[] = [];
    await trainModel(
      tinyCbr(2),
      { train: blobs(32, 1) },
      { ...base, progress: true, maxSteps: 2 },
      { progressSink: { write: (s: string) => lines.push(s), isTTY: false } },
    );
    expect(lines[0]).toMatch(/^training 'tiny-cbr' on wasm 4\.22\.0 .*: 2 steps of 16/);
    expect(lines.at(-1)).toMatch(/\[#{20}\] 2\/2 .*steps\/s .*img\/s ETA/);
  });
});

describe('trainModel rejects bad input with clear errors', () => {
  const expectCode = async (p: Promise<unknown>, code: string, msg: RegExp) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainError);
    expect((err as TrainError).code).toBe(code);
    expect((err as Error).message).toMatch(msg);
  };
  it('invalid options name the field', async () => {
    await expectCode(
      trainModel(tinyCbr(2), { train: blobs(16, 1) }, { ...base, batchSize: 0 }),
      'TRAIN_BAD_OPTIONS',
      /batchSize/,
    );
    await expectCode(
      trainModel(tinyCbr(2), { train: blobs(16, 1) }, { ...base, optimizer: { type: 'rmsprop' } as never }),
      'TRAIN_BAD_OPTIONS',
      /optimizer/,
    );
    await expectCode(
      trainModel(tinyCbr(2), { train: blobs(8, 1) }, { ...base, batchSize: 16 }),
      'TRAIN_BAD_OPTIONS',
      /batchSize 16 exceeds the 8 training samples/,
    );
  });
  it('image shape, label width and label values are checked', async () => {
    await expectCode(
      trainModel(tinyCbr(2, 3), { train: blobs(16, 1) }, base),
      'TRAIN_BAD_DATA',
      /images are 8x8x1 but model 'tiny-cbr' expects 8x8x3/,
    );
    await expectCode(
      trainModel(tinyCbr(3), { train: blobs(16, 1) }, base),
      'TRAIN_BAD_MODEL',
      /outputs 3 values per image; the multilabel task needs 2/,
    );
    const bad = blobs(16, 1);
    bad.labels[5] = 2;
    await expectCode(
      trainModel(tinyCbr(2), { train: bad }, base),
      'TRAIN_BAD_DATA',
      /train \(epoch 0\): row 2, label 1 is 2; expected 0 or 1/,
    );
    await expectCode(
      trainModel(tinyCbr(3), { train: blobCounts(16, 1) }, { ...base, task: { type: 'multiclass', numClasses: 2 } }),
      'TRAIN_BAD_MODEL',
      /needs 2/,
    );
  });
  it('a model that ends in softmax/sigmoid is refused (the loop wants logits)', async () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const out = tf.layers
      .dense({ units: 2, activation: 'sigmoid' })
      .apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
    await expectCode(
      trainModel(tf.model({ inputs: input, outputs: out }), { train: blobs(16, 1) }, base),
      'TRAIN_BAD_MODEL',
      /expects logits/,
    );
  });
  it('an early-stopping monitor that is not a metric is named with the available ones', async () => {
    await expectCode(
      trainModel(
        tinyCbr(2),
        { train: blobs(32, 1), validation: blobs(16, 2) },
        { ...base, maxSteps: 2, earlyStopping: { monitor: 'auc', mode: 'max', patience: 1 } },
      ),
      'TRAIN_BAD_OPTIONS',
      /'auc' is not a history metric \(have: train_loss, val_loss, val_auc/,
    );
  });
  it('a diverging loss stops with TRAIN_NON_FINITE_LOSS naming the step', async () => {
    // A corrupt input (NaN pixels from the augmentation) must stop training, not silently poison the weights.
    let calls = 0;
    const augment = (x: tf.Tensor4D) => (++calls === 2 ? (tf.mul(x, Number.NaN) as tf.Tensor4D) : x);
    await expectCode(
      trainModel(tinyCbr(2), { train: blobs(32, 1) }, { ...base, maxSteps: 5 }, { augment }),
      'TRAIN_NON_FINITE_LOSS',
      /loss became NaN at step 1 \(epoch 0\)/,
    );
  });
});
