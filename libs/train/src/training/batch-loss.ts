import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/dataset.js';
import type { Task } from '../options/task.js';
import { maskedLabels } from './evaluate.js';
import { sigmoidBce, softmaxCe } from './losses.js';

/**
 * The batch's training loss. `classWeights`: per class (multi-class: row i weighs classWeights[y_i], the mean is
 * Σ w·ℓ / Σ w) or per label (multi-label: BCE pos_weight).
 */
export function batchLoss(
  model: tf.LayersModel,
  task: Task,
  x: tf.Tensor4D,
  batch: Batch,
  labelWidth: number,
  classWeights?: Float32Array,
): tf.Scalar {
  const logits = model.apply(x, { training: true }) as tf.Tensor2D;
  const y = maskedLabels(batch.y, batch.mask);
  if (task.type === 'multilabel') {
    const m = batch.mask ? tf.tensor2d(Float32Array.from(batch.mask), [batch.n, labelWidth]) : undefined;
    return sigmoidBce(
      logits,
      tf.tensor2d(y, [batch.n, labelWidth]),
      m,
      classWeights ? tf.tensor1d(classWeights) : undefined,
    );
  }
  if (!batch.mask && !classWeights) return softmaxCe(logits, tf.tensor1d(y));
  const rowWeights = new Float32Array(batch.n);
  for (let i = 0; i < batch.n; i++)
    rowWeights[i] = (batch.mask ? batch.mask[i]! : 1) * (classWeights ? classWeights[y[i]!]! : 1);
  return softmaxCe(logits, tf.tensor1d(y), tf.tensor1d(rowWeights));
}
