import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureActivations } from '../src/activations.js';
import { releaseBackend, resolveBackend } from '../src/backend/resolve.js';
import { blobs, tinyCbr } from './helpers.js';

beforeAll(async () => {
  await resolveBackend({ backend: 'wasm', threads: 1 });
});
afterAll(() => releaseBackend());

describe('captureActivations', () => {
  it('returns N x H x W x C activations of named layers in dataset order, in inference mode', async () => {
    const model = tinyCbr(2);
    const data = blobs(37, 5);
    const acts = await captureActivations(model, data, ['relu1', 'gap'], { batchSize: 16 });
    expect(acts['relu1']!.shape).toEqual([37, 8, 8, 6]);
    expect(acts['gap']!.shape).toEqual([37, 6]);
    const probe = tf.model({
      inputs: model.inputs,
      outputs: [model.getLayer('relu1').output as tf.SymbolicTensor, model.getLayer('gap').output as tf.SymbolicTensor],
    });
    const [r, g] = probe.predict(tf.tensor4d(data.images, [37, 8, 8, 1])) as tf.Tensor[];
    expect(Array.from(acts['relu1']!.data)).toEqual(Array.from(r!.dataSync()));
    expect(Array.from(acts['gap']!.data)).toEqual(Array.from(g!.dataSync()));
    expect(acts['relu1']!.data.every((v) => v >= 0)).toBe(true);
  });

  it('honours a sample limit', async () => {
    const acts = await captureActivations(tinyCbr(2), blobs(40, 5), ['pool1'], { limit: 10, batchSize: 16 });
    expect(acts['pool1']!.shape).toEqual([10, 4, 4, 6]);
  });

  it('names the available layers when asked for an unknown one', async () => {
    await expect(captureActivations(tinyCbr(2), blobs(4, 5), ['conv9'])).rejects.toThrow(
      /has no layer 'conv9' \(layers: input.*conv1, bn1, relu1, pool1, gap, logits\)/,
    );
    await expect(captureActivations(tinyCbr(2), blobs(4, 5), [])).rejects.toThrow(/no layer names/);
  });
});
