// Activation capture for the representational analysis (CCA): the outputs of named layers over a dataset,
// in dataset order, in inference mode (batch norm uses its moving statistics).
import * as tf from '@tensorflow/tfjs';
import { type ArrayDatasetInput, ArrayDataset } from './data/array-dataset.js';
import type { Dataset } from './data/dataset.js';
import { TrainError } from './errors.js';
import type { InputTransform } from './options/input-transform.js';
import { checkInputChannels, parseInputTransform } from './training/input-transform.js';
import { batchImages, type FloatTensor } from './training/tensors.js';

export interface CaptureOptions {
  batchSize?: number;
  /** Pixels -> model inputs; use the training run's (default 'unit'). */
  input?: InputTransform;
  /** Capture at most this many samples (the first ones in dataset order). */
  limit?: number;
}

/** Returns, per layer name, a float32 tensor [N, ...layer output shape] (N x H x W x C for conv layers). */
export async function captureActivations(
  model: tf.LayersModel,
  data: Dataset | ArrayDatasetInput,
  layerNames: readonly string[],
  options: CaptureOptions = {},
): Promise<Record<string, FloatTensor>> {
  if (layerNames.length === 0) throw new TrainError('TRAIN_BAD_OPTIONS', 'captureActivations: no layer names given');
  const dataset = 'batches' in data ? data : new ArrayDataset(data, 'activations');
  const input = parseInputTransform(options.input, 'captureActivations');
  checkInputChannels(input, dataset.imageShape[2], 'the images');
  const known = model.layers.map((l) => l.name);
  const outputs = layerNames.map((name) => {
    if (!known.includes(name)) {
      throw new TrainError(
        'TRAIN_BAD_OPTIONS',
        `captureActivations: model '${model.name}' has no layer '${name}' (layers: ${known.join(', ')})`,
      );
    }
    const out = model.getLayer(name).output;
    if (Array.isArray(out))
      throw new TrainError('TRAIN_BAD_OPTIONS', `captureActivations: layer '${name}' has several outputs`);
    return out;
  });
  const probe = tf.model({ inputs: model.inputs, outputs });
  const n = Math.min(dataset.size, options.limit ?? Infinity);
  const result: Record<string, FloatTensor> = {};
  const perSample = outputs.map((o) =>
    o.shape.slice(1).map((d, i) => {
      if (d === null)
        throw new TrainError('TRAIN_BAD_MODEL', `captureActivations: layer output dimension ${i + 1} is not fixed`);
      return d;
    }),
  );
  layerNames.forEach((name, i) => {
    const shape = [n, ...perSample[i]!];
    result[name] = { dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
  });
  let row = 0;
  for await (const batch of dataset.batches({
    batchSize: options.batchSize ?? 64,
    shuffle: false,
    seed: 0,
    epoch: 0,
    dropRemainder: false,
    prepare: { input, augment: false },
  })) {
    if (row >= n) break;
    const take = Math.min(batch.n, n - row);
    const acts = tf.tidy(() => {
      const x = batchImages(batch, dataset.imageShape, input);
      const y = probe.predict(x);
      return Array.isArray(y) ? y : [y];
    });
    for (const [i, name] of layerNames.entries()) {
      const values = (await acts[i]!.data()) as Float32Array;
      const per = values.length / batch.n;
      result[name]!.data.set(values.subarray(0, take * per), row * per);
    }
    tf.dispose(acts);
    row += take;
  }
  return result;
}
