import * as tf from '@tensorflow/tfjs';
import { TrainError } from '../errors.js';
import type { Batch } from '../data/dataset.js';
import type { Augment } from '../options/augment.js';
import type { InputTransform } from '../options/input-transform.js';
import { augmentBatch } from './augment.js';
import { applyInputTransform } from './input-transform.js';

/** Plain float32 tensor record, the same shape as @transfusion/arrow-io's `Tensor<'float32'>`. */
export interface FloatTensor {
  dtype: 'float32';
  shape: number[];
  data: Float32Array;
}

/** Seeded augmentation of one training batch: the options and where in the run it is. */
export interface BatchAugment {
  options: Augment;
  seed: number;
  /** 0-based optimiser step. */
  step: number;
}

/** Images of a batch as an NHWC float tensor: augmented (training) in [0,1] units, then the input transform. */
export function batchImages(
  batch: Batch,
  shape: readonly [number, number, number],
  input: InputTransform,
  augment?: BatchAugment,
): tf.Tensor4D {
  const per = shape[0] * shape[1] * shape[2];
  if (batch.x.length !== batch.n * per) {
    throw new TrainError(
      'TRAIN_BAD_DATA',
      `batch of ${batch.n} images has ${batch.x.length} values, expected ${batch.n}x${shape.join('x')} = ${batch.n * per}`,
    );
  }
  if (batch.inputs !== undefined) {
    if (augment || batch.inputs !== input || !(batch.x instanceof Float32Array)) {
      throw new TrainError(
        'TRAIN_BAD_DATA',
        `batch holds model inputs for input '${batch.inputs}'${augment ? ' but is to be augmented' : `, the model takes '${input}'`}: the dataset prepared it for another use`,
      );
    }
    return tf.tensor4d(batch.x, [batch.n, shape[0], shape[1], shape[2]]);
  }
  let pixels = batch.x;
  if (augment)
    pixels = augmentBatch(
      applyInputTransform(pixels, shape[2], 'unit'),
      batch.n,
      shape,
      augment.options,
      augment.seed,
      augment.step,
    );
  // Float pixels under 'unit' are the inputs already: no copy.
  const data =
    pixels instanceof Float32Array && input === 'unit' ? pixels : applyInputTransform(pixels, shape[2], input);
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
      throw new TrainError(
        'TRAIN_BAD_MODEL',
        `weights: '${weightName(w)}' has shape [${s.shape}] but the model expects [${w.shape}]`,
      );
    }
    return tf.tensor(s.data, s.shape, 'float32');
  });
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
}
