import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { buildModel } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('Inception-v3 trains: its batch norm without scale works in training mode and adds no γ weight', async () => {
  const { model } = buildModel({ name: 'inception-v3', inputSize: 75, channels: 1, classes: 2, width: 0.125 });
  const before = model.countParams();
  model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
  const x = tf.randomNormal([2, 75, 75, 1], 0, 1, 'float32', 1);
  const y = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const history = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  expect(Number.isFinite(history.history['loss']![0] as number)).toBe(true);
  expect(model.countParams()).toBe(before);
  expect(model.weights.some((w) => w.name.includes('gamma'))).toBe(false);
  tf.dispose([x, y]);
});
