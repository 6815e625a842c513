// Runs a model in inference mode over a dataset and computes the task's metrics.
import * as tf from '@tensorflow/tfjs';
import { asDataset, type DatasetLike } from '../data/array-dataset.js';
import { describeZodIssues, TrainError } from '../errors.js';
import { gradeThresholdAuc, multiLabelAuc, oneVsRestAuc } from '../metrics/auc.js';
import { accuracy, argmaxRows, quadraticWeightedKappa, thresholdAccuracy } from '../metrics/classification.js';
import { checkInputChannels, parseInputTransform } from './input-transform.js';
import { sigmoidBce, softmaxCe } from './losses.js';
import type { InputTransform } from '../options/input-transform.js';
import { type Task, type TaskConfig, taskSchema } from '../options/task.js';
import { batchImages } from './tensors.js';

export interface Evaluation {
  /** Metric name -> value (names without the 'val_' prefix the training history adds). */
  metrics: Record<string, number>;
  /** N x K probabilities (sigmoid for multi-label, softmax for multi-class). */
  probabilities: Float32Array;
  labels: Float32Array;
  mask?: Float32Array;
  patients?: string[];
  n: number;
}

/** Checks that labels fit the task; a multi-class label must be an integer class index. */
/** `rows` maps batch rows to dataset rows so the message names the sample the user can find. */
export function checkLabels(
  task: Task,
  y: Float32Array,
  labelWidth: number,
  where: string,
  mask?: ArrayLike<number>,
  rows?: ArrayLike<number>,
): void {
  for (let i = 0; i < y.length; i++) {
    if (mask && !mask[i]) continue;
    const v = y[i]!;
    const bad =
      task.type === 'multiclass' ? !(Number.isInteger(v) && v >= 0 && v < task.numClasses) : !(v === 0 || v === 1);
    if (bad) {
      const expected =
        task.type === 'multiclass' ? `a class index 0..${task.numClasses - 1}` : '0 or 1 (mask uncertain labels out)';
      const r = Math.floor(i / labelWidth);
      throw new TrainError(
        'TRAIN_BAD_DATA',
        `${where}: row ${rows ? rows[r] : r}, label ${i % labelWidth} is ${v}; expected ${expected}`,
        { row: rows ? rows[r] : r },
      );
    }
  }
}

/** Labels with masked-out entries set to 0, so a NaN/-1 placeholder cannot leak into the loss (NaN * 0 = NaN). */
export function maskedLabels(y: Float32Array, mask?: ArrayLike<number>): Float32Array {
  if (!mask) return y;
  const out = Float32Array.from(y);
  for (let i = 0; i < out.length; i++) if (!mask[i]) out[i] = 0;
  return out;
}

/**
 * The task's metrics from probabilities (N x K) and labels (N x L): multi-label → macro and per-label AUC and
 * 0.5-threshold accuracy; multi-class → accuracy, one-vs-rest AUC, QWK (ordinal), AUC of P(class >= k).
 * Undefined values (a class absent from the set) are NaN. Also used on bootstrap resamples.
 */
export function taskMetrics(
  task: Task,
  probs: Float32Array,
  labels: Float32Array,
  k: number,
  mask?: Float32Array,
): Record<string, number> {
  const metrics: Record<string, number> = {};
  if (task.type === 'multilabel') {
    const auc = multiLabelAuc(probs, labels, k, mask);
    metrics['auc'] = auc.macro;
    auc.perLabel.forEach((v, i) => {
      metrics[`auc/${task.labelNames?.[i] ?? i}`] = v;
    });
    try {
      metrics['acc'] = thresholdAccuracy(probs, labels, 0.5, mask);
    } catch {
      metrics['acc'] = NaN; // every label masked out
    }
    return metrics;
  }
  const classes = Int32Array.from(labels);
  const pred = argmaxRows(probs, k);
  metrics['acc'] = accuracy(pred, classes);
  metrics['auc'] = oneVsRestAuc(probs, classes, k);
  if (task.ordinal)
    metrics['kappa'] = quadraticWeightedKappa(
      classes,
      pred,
      Array.from({ length: k }, (_, i) => i),
    );
  if (task.referableClass !== undefined) {
    try {
      metrics['referable_auc'] = gradeThresholdAuc(probs, classes, k, task.referableClass);
    } catch {
      metrics['referable_auc'] = NaN; // one side of the threshold absent from this set
    }
  }
  return metrics;
}

export interface EvaluateOptions {
  /** Default 64. */
  batchSize?: number;
  /** Pixels -> model inputs, as in training (default 'unit'). */
  input?: InputTransform;
  /** Names the dataset in error messages (default 'validation'). */
  name?: string;
}

export async function evaluateModel(
  model: tf.LayersModel,
  dataset: DatasetLike,
  taskConfig: TaskConfig,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const parsedTask = taskSchema.safeParse(taskConfig);
  if (!parsedTask.success)
    throw new TrainError('TRAIN_BAD_OPTIONS', `task: ${describeZodIssues(parsedTask.error.issues)}`);
  const task = parsedTask.data;
  const name = options.name ?? 'validation';
  const input = parseInputTransform(options.input, 'evaluateModel');
  const data = asDataset(dataset, name);
  checkInputChannels(input, data.imageShape[2], `the ${name} images`);
  const bs = options.batchSize ?? 64;
  const k = task.type === 'multiclass' ? task.numClasses : data.labelWidth;
  const probs = new Float32Array(data.size * k);
  const labels = new Float32Array(data.size * data.labelWidth);
  let mask: Float32Array | undefined;
  const patients: string[] = [];
  let n = 0;
  let lossSum = 0;
  let lossWeight = 0;
  for await (const batch of data.batches({
    batchSize: bs,
    shuffle: false,
    seed: 0,
    epoch: 0,
    dropRemainder: false,
    prepare: { input, augment: false },
  })) {
    checkLabels(task, batch.y, data.labelWidth, name, batch.mask, batch.rows);
    const [p, loss, weight] = tf.tidy(() => {
      const x = batchImages(batch, data.imageShape, input);
      const logits = model.apply(x, { training: false }) as tf.Tensor2D;
      const y = tf.tensor2d(maskedLabels(batch.y, batch.mask), [batch.n, data.labelWidth]);
      const m = batch.mask ? tf.tensor2d(Float32Array.from(batch.mask), [batch.n, data.labelWidth]) : undefined;
      if (task.type === 'multilabel') {
        const w = m ? tf.sum(m) : tf.scalar(batch.n * data.labelWidth);
        return [tf.sigmoid(logits), tf.mul(sigmoidBce(logits, y, m), tf.maximum(w, 1)), w];
      }
      const m1 = m ? (tf.reshape(m, [batch.n]) as tf.Tensor1D) : undefined;
      const w = m1 ? tf.sum(m1) : tf.scalar(batch.n);
      return [
        tf.softmax(logits),
        tf.mul(softmaxCe(logits, tf.reshape(y, [batch.n]) as tf.Tensor1D, m1), tf.maximum(w, 1)),
        w,
      ];
    });
    probs.set(await p.data(), n * k);
    lossSum += (await loss.data())[0]!;
    lossWeight += (await weight.data())[0]!;
    tf.dispose([p, loss, weight]);
    labels.set(maskedLabels(batch.y, batch.mask), n * data.labelWidth);
    if (batch.mask) {
      mask ??= new Float32Array(labels.length).fill(1);
      mask.set(batch.mask, n * data.labelWidth);
    }
    if (batch.patients) patients.push(...batch.patients);
    n += batch.n;
  }
  if (n === 0) throw new TrainError('TRAIN_BAD_DATA', `${name}: the dataset is empty`);
  const metrics: Record<string, number> = {
    loss: lossWeight > 0 ? lossSum / lossWeight : NaN,
    ...taskMetrics(task, probs, labels, k, mask),
  };
  const out: Evaluation = { metrics, probabilities: probs, labels, n };
  if (mask) out.mask = mask;
  if (patients.length === n) out.patients = patients;
  return out;
}
