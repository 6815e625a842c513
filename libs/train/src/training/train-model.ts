// trainModel: a tfjs LayersModel + datasets + options -> trained weights, history and metrics.
// Usable without the pipeline engine. Deterministic for a given seed on one backend (data order,
// augmentation randomness; initial weights are the caller's, e.g. seeded initialisers).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { type BackendInfo, backendOptionsSchema, describeBackend, resolveBackend } from '../backend/resolve.js';
import { asDataset, type DatasetLike } from '../data/array-dataset.js';
import type { Batch, Dataset } from '../data/dataset.js';
import { describeZodIssues, TrainError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { saveCheckpoint } from './checkpoint.js';
import { checkLabels, evaluateModel, maskedLabels } from './evaluate.js';
import { sigmoidBce, softmaxCe } from './losses.js';
import { Optimizer, optimizerSchema, type Param } from './optimizer.js';
import { ProgressBar, type ProgressSink } from './progress.js';
import { learningRateAt, scheduleSchema } from './schedule.js';
import { type Task, taskSchema } from './task.js';
import { batchImages, type FloatTensor, restoreWeights, snapshotWeights, weightName } from './tensors.js';

export const trainOptionsSchema = z
  .object({
    task: taskSchema,
    epochs: z.number().int().positive().default(1),
    /** Stop after this many optimiser steps (overrides epochs when smaller). */
    maxSteps: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().default(32),
    optimizer: optimizerSchema.default({ type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }),
    schedule: scheduleSchema.default({ type: 'constant' }),
    warmupSteps: z.number().int().min(0).default(0),
    /** Evaluate on the validation set every N steps (default: once per epoch) and after the last step. */
    evalEvery: z.number().int().positive().optional(),
    evalBatchSize: z.number().int().positive().default(64),
    earlyStopping: z
      .object({
        /** A history metric such as 'val_auc' or 'val_loss'. */
        monitor: z.string().min(1),
        mode: z.enum(['min', 'max']),
        /** Evaluations without improvement before stopping. */
        patience: z.number().int().min(1),
        minDelta: z.number().min(0).default(0),
        /** Return (and leave in the model) the weights of the best evaluation. */
        restoreBest: z.boolean().default(true),
      })
      .strict()
      .optional(),
    checkpoint: z
      .object({
        dir: z.string().min(1),
        /** Save every N steps (default: at every evaluation) and always at the end. */
        every: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    seed: z.number().int().default(0),
    /** Multiplier for uint8 pixels (default 1/255); float images are used as they are. */
    uint8Scale: z.number().positive().default(1 / 255),
    /** Drop the last smaller batch of an epoch (batch-norm statistics of tiny batches are noisy). */
    dropRemainder: z.boolean().default(true),
    /** Progress bar on stderr. */
    progress: z.boolean().default(true),
    backend: backendOptionsSchema.optional(),
  })
  .strict();
export type TrainOptions = z.input<typeof trainOptionsSchema>;

export interface TrainHooks {
  /** Seeded augmentation applied to each training batch (inside tf.tidy); `rnd` is deterministic per step. */
  augment?: (x: tf.Tensor4D, rnd: () => number) => tf.Tensor4D;
  /** Called after each evaluation (e.g. to stream history to a file). */
  onEvaluation?: (entry: HistoryEntry) => void | Promise<void>;
  /** Where the progress bar goes (default process.stderr). */
  progressSink?: ProgressSink;
  /** Called after every optimiser step with the 1-based step count and the batch loss (benchmarks time steps with it). */
  onStep?: (step: number, loss: number, images: number) => void;
}

export interface HistoryEntry {
  step: number;
  epoch: number;
  lr: number;
  /** Mean training loss since the previous entry, plus 'val_*' metrics when a validation set is given. */
  metrics: Record<string, number>;
  /** Wall-clock seconds since training started. */
  seconds: number;
}

export interface TrainResult {
  weights: Record<string, FloatTensor>;
  history: HistoryEntry[];
  /** Metrics of the returned weights (the best evaluation when restored, else the last). */
  metrics: Record<string, number>;
  steps: number;
  epochs: number;
  bestStep?: number;
  stoppedEarly: boolean;
  imagesSeen: number;
  seconds: number;
  imagesPerSecond: number;
  backend: BackendInfo;
  checkpoints: string[];
}


function checkModel(model: tf.LayersModel, data: Dataset, task: Task, name: string): void {
  const inShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || !inShape || inShape.length !== 4) {
    throw new TrainError('TRAIN_BAD_MODEL', `model '${model.name}' must have one NHWC image input, has ${JSON.stringify(model.inputs.map((i) => i.shape))}`);
  }
  const [h, w, c] = inShape.slice(1);
  const [dh, dw, dc] = data.imageShape;
  if ((h !== null && h !== dh) || (w !== null && w !== dw) || c !== dc) {
    throw new TrainError('TRAIN_BAD_DATA', `${name}: images are ${dh}x${dw}x${dc} but model '${model.name}' expects ${h}x${w}x${c}`);
  }
  const outShape = model.outputs[0]?.shape;
  const units = outShape?.[outShape.length - 1];
  const want = task.type === 'multiclass' ? task.numClasses : data.labelWidth;
  if (model.outputs.length !== 1 || units !== want) {
    throw new TrainError('TRAIN_BAD_MODEL', `model '${model.name}' outputs ${units} values per image; the ${task.type} task needs ${want}`);
  }
  if (task.type === 'multiclass' && data.labelWidth !== 1) {
    throw new TrainError('TRAIN_BAD_DATA', `${name}: a multiclass task needs one label column (the class index), got ${data.labelWidth}`);
  }
  const last = model.layers[model.layers.length - 1];
  const act = (last?.getConfig() as { activation?: string }).activation;
  if (act === 'sigmoid' || act === 'softmax') {
    throw new TrainError('TRAIN_BAD_MODEL', `model '${model.name}': the last layer applies '${act}'; trainModel expects logits (use a linear last layer)`);
  }
}

function batchLoss(model: tf.LayersModel, task: Task, x: tf.Tensor4D, batch: Batch, labelWidth: number): tf.Scalar {
  const logits = model.apply(x, { training: true }) as tf.Tensor2D;
  const m = batch.mask ? tf.tensor2d(Float32Array.from(batch.mask), [batch.n, labelWidth]) : undefined;
  const y = maskedLabels(batch.y, batch.mask);
  if (task.type === 'multilabel') return sigmoidBce(logits, tf.tensor2d(y, [batch.n, labelWidth]), m);
  return softmaxCe(logits, tf.tensor1d(y), m ? (tf.reshape(m, [batch.n]) as tf.Tensor1D) : undefined);
}

export async function trainModel(
  model: tf.LayersModel,
  data: { train: DatasetLike; validation?: DatasetLike },
  options: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const parsed = trainOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TrainError('TRAIN_BAD_OPTIONS', `training options: ${describeZodIssues(parsed.error.issues)}`);
  const o = parsed.data;
  const backend = await resolveBackend(o.backend ?? {});
  const train = asDataset(data.train, 'train');
  const validation = data.validation ? asDataset(data.validation, 'validation') : undefined;
  checkModel(model, train, o.task, 'train');
  if (validation) checkModel(model, validation, o.task, 'validation');

  const stepsPerEpoch = o.dropRemainder ? Math.floor(train.size / o.batchSize) : Math.ceil(train.size / o.batchSize);
  if (stepsPerEpoch === 0) {
    throw new TrainError('TRAIN_BAD_OPTIONS', `batchSize ${o.batchSize} exceeds the ${train.size} training samples (dropRemainder is on)`);
  }
  const totalSteps = Math.min(o.maxSteps ?? Infinity, o.epochs * stepsPerEpoch);
  const evalEvery = o.evalEvery ?? stepsPerEpoch;
  const params: Param[] = model.trainableWeights.map((w) => ({ name: weightName(w), variable: w.read() as tf.Variable, decay: w.shape.length >= 2 }));
  const optimizer = new Optimizer(o.optimizer);
  const progress = o.progress ? new ProgressBar(hooks.progressSink ?? process.stderr) : undefined;
  const sink = hooks.progressSink ?? process.stderr;
  if (o.progress) sink.write(`training '${model.name}' on ${describeBackend(backend)}: ${totalSteps} steps of ${o.batchSize}\n`);

  const history: HistoryEntry[] = [];
  const checkpoints: string[] = [];
  const start = performance.now();
  let step = 0;
  let epoch = 0;
  let images = 0;
  let lossSum = 0;
  let lossCount = 0;
  let lastMetrics: Record<string, number> = {};
  let best: { value: number; step: number; weights: Record<string, FloatTensor>; metrics: Record<string, number> } | undefined;
  let sinceBest = 0;
  let stoppedEarly = false;
  let lastCheckpointStep = -1;

  const evaluate = async (): Promise<void> => {
    const metrics: Record<string, number> = { train_loss: lossCount ? lossSum / lossCount : NaN };
    lossSum = 0;
    lossCount = 0;
    if (validation) {
      const ev = await evaluateModel(model, validation, o.task, { batchSize: o.evalBatchSize, uint8Scale: o.uint8Scale });
      for (const [k, v] of Object.entries(ev.metrics)) metrics[`val_${k}`] = v;
    }
    const entry: HistoryEntry = {
      step, epoch, lr: learningRateAt(Math.max(0, step - 1), optimizer.baseLr, o.schedule, o.warmupSteps, totalSteps),
      metrics, seconds: (performance.now() - start) / 1000,
    };
    history.push(entry);
    lastMetrics = metrics;
    await hooks.onEvaluation?.(entry);
    const es = o.earlyStopping;
    if (es) {
      const v = metrics[es.monitor];
      if (v === undefined) {
        throw new TrainError('TRAIN_BAD_OPTIONS', `earlyStopping.monitor '${es.monitor}' is not a history metric (have: ${Object.keys(metrics).join(', ')})`);
      }
      const improved = best === undefined || (es.mode === 'max' ? v > best.value + es.minDelta : v < best.value - es.minDelta);
      if (improved && Number.isFinite(v)) {
        best = { value: v, step, weights: es.restoreBest ? snapshotWeights(model) : {}, metrics };
        sinceBest = 0;
      } else if (++sinceBest >= es.patience) stoppedEarly = true;
    }
    if (o.checkpoint && o.checkpoint.every === undefined) await checkpoint();
  };

  const checkpoint = async (): Promise<void> => {
    if (!o.checkpoint || lastCheckpointStep === step) return;
    lastCheckpointStep = step;
    checkpoints.push(await saveCheckpoint(o.checkpoint.dir, snapshotWeights(model), { step, epoch, backend: describeBackend(backend), metrics: lastMetrics }));
  };

  try {
    while (step < totalSteps && !stoppedEarly) {
      for await (const batch of train.batches({ batchSize: o.batchSize, shuffle: true, seed: o.seed, epoch, dropRemainder: o.dropRemainder })) {
        if (step >= totalSteps || stoppedEarly) break;
        checkLabels(o.task, batch.y, train.labelWidth, `train (epoch ${epoch})`, batch.mask, batch.rows);
        const lr = learningRateAt(step, optimizer.baseLr, o.schedule, o.warmupSteps, totalSteps);
        const rnd = mulberry32((o.seed * 0x27d4eb2d + step * 0x165667b1 + 1) >>> 0);
        const { value, grads } = tf.tidy(() => {
          let x = batchImages(batch, train.imageShape, o.uint8Scale);
          if (hooks.augment) x = hooks.augment(x, rnd);
          const xs = x;
          return tf.variableGrads(() => batchLoss(model, o.task, xs, batch, train.labelWidth), params.map((p) => p.variable));
        });
        const loss = (await value.data())[0]!;
        if (!Number.isFinite(loss)) {
          tf.dispose([value, ...Object.values(grads)]);
          throw new TrainError('TRAIN_NON_FINITE_LOSS', `loss became ${loss} at step ${step} (epoch ${epoch}); lower the learning rate or check the inputs`, { step });
        }
        optimizer.apply(params, grads, lr);
        tf.dispose([value, ...Object.values(grads)]);
        step++;
        images += batch.n;
        lossSum += loss;
        lossCount++;
        hooks.onStep?.(step, loss, batch.n);
        progress?.update({ step, totalSteps, images, metrics: { loss, ...pickShown(lastMetrics) } });
        if (step % evalEvery === 0 || step === totalSteps) await evaluate();
        if (o.checkpoint?.every !== undefined && step % o.checkpoint.every === 0) await checkpoint();
      }
      epoch++;
    }
    if (history.length === 0 || history[history.length - 1]!.step !== step) await evaluate();
    let metrics = lastMetrics;
    let bestStep: number | undefined;
    if (o.earlyStopping && best) {
      bestStep = best.step;
      if (o.earlyStopping.restoreBest) {
        restoreWeights(model, best.weights);
        metrics = best.metrics;
      }
    }
    if (o.checkpoint) await checkpoint();
    const seconds = (performance.now() - start) / 1000;
    progress?.done({ step, totalSteps, images, metrics: pickShown(metrics) });
    const result: TrainResult = {
      weights: snapshotWeights(model), history, metrics, steps: step, epochs: epoch, stoppedEarly,
      imagesSeen: images, seconds, imagesPerSecond: images / seconds, backend, checkpoints,
    };
    if (bestStep !== undefined) result.bestStep = bestStep;
    return result;
  } finally {
    optimizer.dispose();
  }
}

/** The few metrics worth showing on the progress line. */
function pickShown(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['val_loss', 'val_auc', 'val_acc', 'val_kappa']) if (m[k] !== undefined && Number.isFinite(m[k])) out[k] = m[k]!;
  return out;
}
