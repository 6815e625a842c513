// Class weights for the training loss: explicit numbers or 'balanced' (from the training labels, as
// sklearn's compute_class_weight for classes and n_neg / n_pos per label for PyTorch's pos_weight).
import type { Dataset } from '../data/dataset.js';
import { TrainError } from '../errors.js';
import type { ClassWeightsConfig } from '../options/class-weights.js';
import type { Task } from '../options/task.js';
import { checkLabels } from './evaluate.js';

function labelName(task: Task, i: number): string {
  return task.type === 'multilabel' && task.labelNames?.[i] !== undefined
    ? `label '${task.labelNames[i]}' (${i})`
    : `label ${i}`;
}

/**
 * Per class (multi-class, K values) or per label column (multi-label, L positive-class weights) from the
 * training labels, counting unmasked entries only: multi-class n / (K · n_k); multi-label n_neg / n_pos.
 * Reads the dataset once. A class without samples, or a label without positives or negatives, is an error.
 */
export async function balancedClassWeights(task: Task, data: Dataset, name = 'train'): Promise<Float32Array> {
  const width = task.type === 'multiclass' ? task.numClasses : data.labelWidth;
  const positives = new Float64Array(width);
  const counted = new Float64Array(width);
  let rows = 0;
  for await (const batch of data.batches({ batchSize: 256, shuffle: false, seed: 0, epoch: 0, dropRemainder: false })) {
    checkLabels(task, batch.y, data.labelWidth, name, batch.mask, batch.rows);
    for (let i = 0; i < batch.y.length; i++) {
      if (batch.mask && !batch.mask[i]) continue;
      if (task.type === 'multiclass') {
        positives[batch.y[i]!]++;
        rows++;
      } else {
        const l = i % data.labelWidth;
        counted[l]++;
        positives[l] += batch.y[i]!;
      }
    }
  }
  const out = new Float32Array(width);
  for (let k = 0; k < width; k++) {
    if (task.type === 'multiclass') {
      if (positives[k] === 0)
        throw new TrainError(
          'TRAIN_BAD_DATA',
          `classWeights 'balanced': ${name} has no sample of class ${k} (of ${width})`,
          { class: k },
        );
      out[k] = rows / (width * positives[k]!);
    } else {
      const negatives = counted[k]! - positives[k]!;
      if (positives[k] === 0 || negatives === 0) {
        throw new TrainError(
          'TRAIN_BAD_DATA',
          `classWeights 'balanced': ${name} has no ${positives[k] === 0 ? 'positive' : 'negative'} sample for ${labelName(task, k)}`,
          { label: k },
        );
      }
      out[k] = negatives / positives[k]!;
    }
  }
  return out;
}

/** The loss weights of a run, or undefined for none; explicit weights must have one value per class / label. */
export async function resolveClassWeights(
  config: ClassWeightsConfig | undefined,
  task: Task,
  data: Dataset,
): Promise<Float32Array | undefined> {
  if (config === undefined) return undefined;
  if (config === 'balanced') return balancedClassWeights(task, data);
  const want = task.type === 'multiclass' ? task.numClasses : data.labelWidth;
  if (config.length !== want) {
    const what =
      task.type === 'multiclass'
        ? `the multiclass task has ${want} classes`
        : `the training data has ${want} label columns`;
    throw new TrainError('TRAIN_BAD_OPTIONS', `classWeights: ${config.length} numbers given; ${what}`, {
      field: 'classWeights',
    });
  }
  return Float32Array.from(config);
}
