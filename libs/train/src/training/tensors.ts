import * as tf from '@tensorflow/tfjs';
import { TrainError } from '../errors.js';
import type { Batch } from '../data/dataset.js';

/** Plain float32 tensor record, the same shape as @transfusion/arrow-io's `Tensor<'float32'>`. */
export interface FloatTensor {
  dtype: 'float32';
  shape: number[];
  data: Float32Array;
}

/** Images of a batch as an NHWC float tensor; uint8 pixels are multiplied by `uint8Scale`. */
export function batchImages(batch: Batch, shape: readonly [number, number, number], uint8Scale: number): tf.Tensor4D {
  const per = shape[0] * shape[1] * shape[2];
  if (batch.x.length !== batch.n * per) {
    throw new TrainError('TRAIN_BAD_DATA', `batch of ${batch.n} images has ${batch.x.length} values, expected ${batch.n}x${shape.join('x')} = ${batch.n * per}`);
  }
  let data: Float32Array;
  if (batch.x instanceof Uint8Array) {
    data = new Float32Array(batch.x.length);
    for (let i = 0; i < data.length; i++) data[i] = batch.x[i]! * uint8Scale;
  } else data = batch.x;
  return tf.tensor4d(data, [batch.n, shape[0], shape[1], shape[2]]);
}

/**
 * The model's weights (trainable and not, e.g. batch-norm moving statistics) by their layer-scoped name
 * ('conv1/kernel'). tfjs suffixes variable names to keep them unique per process ('conv1/kernel_3'), so
 * the original name is the stable key.
 */
export function weightName(w: tf.LayerVariable): string {
  return w.originalName;
}

export function snapshotWeights(model: tf.LayersModel): Record<string, FloatTensor> {
  const out: Record<string, FloatTensor> = {};
  for (const w of model.weights) {
    const t = w.read();
    out[weightName(w)] = { dtype: 'float32', shape: [...t.shape], data: t.dataSync() as Float32Array };
  }
  return out;
}

/** Writes a snapshot back into the model; every model weight must be present with the right shape. */
export function restoreWeights(model: tf.LayersModel, weights: Record<string, FloatTensor>): void {
  const tensors = model.weights.map((w) => {
    const s = weights[weightName(w)];
    if (!s) throw new TrainError('TRAIN_BAD_MODEL', `weights: missing '${weightName(w)}'`);
    if (s.shape.join(',') !== w.shape.join(',')) {
      throw new TrainError('TRAIN_BAD_MODEL', `weights: '${weightName(w)}' has shape [${s.shape}] but the model expects [${w.shape}]`);
    }
    return tf.tensor(s.data, s.shape, 'float32');
  });
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
}
