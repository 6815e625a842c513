// trainModel: a tfjs LayersModel + datasets + options -> trained weights, history and metrics.
// Usable without the pipeline engine. Deterministic for a given seed on one backend (data order,
// augmentation randomness; initial weights are the caller's, e.g. seeded initialisers).
import * as tf from '@tensorflow/tfjs';
import { type BackendInfo, describeBackend, resolveBackend } from '../backend/resolve.js';
import { asDataset, type DatasetLike } from '../data/array-dataset.js';
import type { Batch, Dataset } from '../data/dataset.js';
import { describeZodIssues, TrainError } from '../errors.js';
import type { Task } from '../options/task.js';
import { type TrainOptions, trainOptionsSchema } from '../options/train-options.js';
import { mulberry32 } from '@transfusion/random';
import { setBatchNormMomentum } from './batch-norm.js';
import { fuseLayers } from './fused-layers.js';
import { BestTracker, type Monitor } from './best-evaluation.js';
import { saveCheckpoint } from './checkpoint.js';
import { resolveClassWeights } from './class-weights.js';
import { checkLabels, evaluateModel, maskedLabels } from './evaluate.js';
import { checkInputChannels } from './input-transform.js';
import { sigmoidBce, softmaxCe } from './losses.js';
import { Optimizer, type Param } from './optimizer.js';
import { ProgressBar, type ProgressSink } from './progress.js';
import { loadResumePoint, resumeFingerprint, type ResumeState, saveResumePoint } from './resume.js';
import { learningRateAt } from './schedule.js';
import { batchImages, type FloatTensor, restoreWeights, snapshotWeights, weightName } from './tensors.js';

export { type TrainOptions, trainOptionsSchema };

export interface TrainHooks {
  /**
   * Custom tf-op augmentation of each training batch (inside tf.tidy), after the `augment` option and the input
   * transform; `rnd` is deterministic per step.
   */
  augment?: (x: tf.Tensor4D, rnd: () => number) => tf.Tensor4D;
  /** Called after each evaluation (e.g. to stream history to a file); not again for evaluations a resumed run restored. */
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

/** Which weights a run returned: the best evaluation's (keepBest, earlyStopping.restoreBest) or the last step's. */
export interface ReturnedCheckpoint {
  kind: 'best' | 'last';
  step: number;
  epoch: number;
  /** For 'best': the metric and its value at that evaluation. */
  monitor?: string;
  value?: number;
}

export interface TrainResult {
  /** The returned weights (also left in the model), as `checkpoint` says. */
  weights: Record<string, FloatTensor>;
  /** Every evaluation, whichever weights were returned. */
  history: HistoryEntry[];
  /** Metrics of the returned weights (the best evaluation's for kind 'best', else the last). */
  metrics: Record<string, number>;
  checkpoint: ReturnedCheckpoint;
  steps: number;
  epochs: number;
  stoppedEarly: boolean;
  imagesSeen: number;
  seconds: number;
  imagesPerSecond: number;
  backend: BackendInfo;
  /** Files written by the `checkpoint` option. */
  checkpoints: string[];
  /** The loss weights used (explicit or computed by 'balanced'); absent without classWeights. */
  classWeights?: number[];
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

/**
 * The batch's training loss. `classWeights`: per class (multi-class: row i weighs classWeights[y_i], the mean is
 * Σ w·ℓ / Σ w) or per label (multi-label: BCE pos_weight).
 */
function batchLoss(model: tf.LayersModel, task: Task, x: tf.Tensor4D, batch: Batch, labelWidth: number, classWeights?: Float32Array): tf.Scalar {
  const logits = model.apply(x, { training: true }) as tf.Tensor2D;
  const y = maskedLabels(batch.y, batch.mask);
  if (task.type === 'multilabel') {
    const m = batch.mask ? tf.tensor2d(Float32Array.from(batch.mask), [batch.n, labelWidth]) : undefined;
    return sigmoidBce(logits, tf.tensor2d(y, [batch.n, labelWidth]), m, classWeights ? tf.tensor1d(classWeights) : undefined);
  }
  if (!batch.mask && !classWeights) return softmaxCe(logits, tf.tensor1d(y));
  const rowWeights = new Float32Array(batch.n);
  for (let i = 0; i < batch.n; i++) rowWeights[i] = (batch.mask ? batch.mask[i]! : 1) * (classWeights ? classWeights[y[i]!]! : 1);
  return softmaxCe(logits, tf.tensor1d(y), tf.tensor1d(rowWeights));
}

/** A 'val_*' monitor cannot work without a validation set: say so before training, not after the first epoch. */
function checkMonitor(m: Monitor | undefined, option: string, hasValidation: boolean): void {
  if (m && !hasValidation && m.monitor !== 'train_loss') {
    throw new TrainError('TRAIN_BAD_OPTIONS', `${option}.monitor '${m.monitor}' needs a validation set (without one only 'train_loss' is recorded)`);
  }
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
  checkInputChannels(o.input, train.imageShape[2], 'the training images');
  checkMonitor(o.keepBest, 'keepBest', validation !== undefined);
  checkMonitor(o.earlyStopping, 'earlyStopping', validation !== undefined);

  const stepsPerEpoch = o.dropRemainder ? Math.floor(train.size / o.batchSize) : Math.ceil(train.size / o.batchSize);
  if (stepsPerEpoch === 0) {
    throw new TrainError('TRAIN_BAD_OPTIONS', `batchSize ${o.batchSize} exceeds the ${train.size} training samples (dropRemainder is on)`);
  }
  const totalSteps = Math.min(o.maxSteps ?? Infinity, o.epochs * stepsPerEpoch);
  const evalEvery = o.evalEvery ?? stepsPerEpoch;
  const sink = hooks.progressSink ?? process.stderr;
  const classWeights = await resolveClassWeights(o.classWeights, o.task, train);
  if (classWeights && o.classWeights === 'balanced' && o.progress) {
    sink.write(`class weights (balanced, from ${train.size} training samples): ${Array.from(classWeights, (w) => w.toPrecision(4)).join(', ')}\n`);
  }
  const params: Param[] = model.trainableWeights.map((w) => ({ name: weightName(w), variable: w.read() as tf.Variable, decay: w.shape.length >= 2 }));
  const optimizer = new Optimizer(o.optimizer);
  const progress = o.progress ? new ProgressBar(sink) : undefined;
  if (o.progress) sink.write(`training '${model.name}' on ${describeBackend(backend)}: ${totalSteps} steps of ${o.batchSize}\n`);
  const restoreMomentum = o.batchNormMomentum !== undefined ? setBatchNormMomentum(model, o.batchNormMomentum) : undefined;
  const unfuseLayers = fuseLayers(model);

  // keepBest, else early stopping's restoreBest, decides which weights are kept; early stopping alone only counts.
  const es = o.earlyStopping;
  const keep = o.keepBest ?? (es?.restoreBest ? es : undefined);
  const kept = keep ? new BestTracker(keep, o.keepBest ? 'keepBest' : 'earlyStopping') : undefined;
  const stopper = es ? (kept && !o.keepBest ? kept : new BestTracker(es, 'earlyStopping')) : undefined;

  let history: HistoryEntry[] = [];
  let checkpoints: string[] = [];
  let start = performance.now();
  let step = 0;
  let epoch = 0;
  /** Batches of `epoch` trained so far (a resumed run skips them). */
  let batchInEpoch = 0;
  let images = 0;
  let lossSum = 0;
  let lossCount = 0;
  let lastMetrics: Record<string, number> = {};
  let stoppedEarly = false;
  let lastCheckpointStep = -1;

  // What a resumed run must share with the one that wrote the checkpoint: the options that shape the loop, the
  // model's weights and the data sizes. Not the backend: another one resumes fine, only not bitwise.
  const { resume: _resume, progress: _progress, backend: _backend, checkpoint: _checkpoint, ...loopOptions } = o;
  const fingerprint = resumeFingerprint({
    options: loopOptions, model: model.weights.map((w) => [weightName(w), w.shape]), train: [train.size, ...train.imageShape, train.labelWidth],
    validation: validation ? [validation.size, ...validation.imageShape, validation.labelWidth] : null,
  });
  let finished = false;
  const resumed = o.resume ? await loadResumePoint(o.resume.dir, fingerprint) : undefined;
  if (resumed) {
    const r = resumed.state;
    restoreWeights(model, resumed.weights);
    optimizer.importState(resumed.optimizer);
    if (kept && r.kept) kept.importState(r.kept, resumed.bestWeights);
    if (stopper && stopper !== kept && r.stopper) stopper.importState(r.stopper, undefined);
    ({ step, epoch, batchInEpoch, images, lossSum, lossCount, lastMetrics, stoppedEarly, lastCheckpointStep } = r);
    history = r.history;
    checkpoints = r.checkpoints;
    start -= r.elapsedSeconds * 1000;
    finished = r.phase === 'done';
    if (o.progress) {
      const here = describeBackend(backend);
      sink.write(`resuming from ${o.resume!.dir} at step ${step} (epoch ${epoch})${r.backend !== here ? `; it was written on ${r.backend}, this run is on ${here}, so the result will not be bitwise the same` : ''}\n`);
    }
  }

  const saveResume = async (phase: ResumeState['phase']): Promise<void> => {
    if (!o.resume) return;
    const state: ResumeState = {
      format: 'transfusion-resume/1', fingerprint, backend: describeBackend(backend), phase, step, epoch, batchInEpoch, images, lossSum, lossCount,
      lastMetrics, stoppedEarly, lastCheckpointStep, checkpoints, elapsedSeconds: (performance.now() - start) / 1000, history,
      optimizerStep: 0, optimizerSlots: {}, // filled from the optimiser state by saveResumePoint
    };
    if (kept) state.kept = kept.exportState();
    if (stopper && stopper !== kept) state.stopper = stopper.exportState();
    const bestWeights = kept?.best?.weights;
    await saveResumePoint(o.resume.dir, { state, weights: snapshotWeights(model), optimizer: optimizer.exportState(), ...(bestWeights ? { bestWeights } : {}) });
  };

  const evaluate = async (): Promise<void> => {
    const metrics: Record<string, number> = { train_loss: lossCount ? lossSum / lossCount : NaN };
    lossSum = 0;
    lossCount = 0;
    if (validation) {
      const ev = await evaluateModel(model, validation, o.task, { batchSize: o.evalBatchSize, input: o.input });
      for (const [k, v] of Object.entries(ev.metrics)) metrics[`val_${k}`] = v;
    }
    const entry: HistoryEntry = {
      step, epoch, lr: learningRateAt(Math.max(0, step - 1), optimizer.baseLr, o.schedule, o.warmupSteps, totalSteps),
      metrics, seconds: (performance.now() - start) / 1000,
    };
    history.push(entry);
    lastMetrics = metrics;
    await hooks.onEvaluation?.(entry);
    kept?.offer(metrics, step, epoch, () => snapshotWeights(model));
    if (stopper && stopper !== kept) stopper.offer(metrics, step, epoch);
    if (es && stopper && stopper.sinceBest >= es.patience) stoppedEarly = true;
    if (o.checkpoint && o.checkpoint.every === undefined) await checkpoint();
  };

  const checkpoint = async (): Promise<void> => {
    if (!o.checkpoint || lastCheckpointStep === step) return;
    lastCheckpointStep = step;
    checkpoints.push(await saveCheckpoint(o.checkpoint.dir, snapshotWeights(model), { step, epoch, backend: describeBackend(backend), metrics: lastMetrics }));
  };

  try {
    // A run resumed in the middle of an epoch finishes that epoch (its remaining batches, or only the epoch count
    // when the checkpoint came after its last step), exactly as the uninterrupted run does.
    let inEpoch = resumed !== undefined && !finished;
    while (!finished && (inEpoch || (step < totalSteps && !stoppedEarly))) {
      inEpoch = false;
      const skip = batchInEpoch;
      let index = 0;
      if (skip < stepsPerEpoch && step < totalSteps && !stoppedEarly) for await (const batch of train.batches({ batchSize: o.batchSize, shuffle: true, seed: o.seed, epoch, dropRemainder: o.dropRemainder, prepare: { input: o.input, augment: o.augment !== undefined } })) {
        if (index++ < skip) continue;
        if (step >= totalSteps || stoppedEarly) break;
        checkLabels(o.task, batch.y, train.labelWidth, `train (epoch ${epoch})`, batch.mask, batch.rows);
        const lr = learningRateAt(step, optimizer.baseLr, o.schedule, o.warmupSteps, totalSteps);
        const rnd = mulberry32((o.seed * 0x27d4eb2d + step * 0x165667b1 + 1) >>> 0);
        const augment = o.augment ? { options: o.augment, seed: o.seed, step } : undefined;
        const { value, grads } = tf.tidy(() => {
          let x = batchImages(batch, train.imageShape, o.input, augment);
          if (hooks.augment) x = hooks.augment(x, rnd);
          const xs = x;
          return tf.variableGrads(() => batchLoss(model, o.task, xs, batch, train.labelWidth, classWeights), params.map((p) => p.variable));
        });
        const loss = (await value.data())[0]!;
        if (!Number.isFinite(loss)) {
          tf.dispose([value, ...Object.values(grads)]);
          throw new TrainError('TRAIN_NON_FINITE_LOSS', `loss became ${loss} at step ${step} (epoch ${epoch}); lower the learning rate or check the inputs`, { step });
        }
        optimizer.apply(params, grads, lr);
        tf.dispose([value, ...Object.values(grads)]);
        step++;
        batchInEpoch = index;
        images += batch.n;
        lossSum += loss;
        lossCount++;
        hooks.onStep?.(step, loss, batch.n);
        progress?.update({ step, totalSteps, images, metrics: { loss, ...pickShown(lastMetrics) } });
        if (step % evalEvery === 0 || step === totalSteps) await evaluate();
        if (o.checkpoint?.every !== undefined && step % o.checkpoint.every === 0) await checkpoint();
        if (o.resume && step % o.resume.every === 0) await saveResume('training');
      }
      epoch++;
      batchInEpoch = 0;
    }
    if (history.length === 0 || history[history.length - 1]!.step !== step) await evaluate();
    // The last step's weights go to disk before the best ones (if any) replace them in the model.
    if (o.checkpoint) await checkpoint();
    if (!finished) await saveResume('done');
    const last = history[history.length - 1]!;
    let metrics = lastMetrics;
    let returned: ReturnedCheckpoint = { kind: 'last', step: last.step, epoch: last.epoch };
    const best = kept?.best;
    if (best?.weights) {
      if (best.step !== step) restoreWeights(model, best.weights);
      metrics = best.metrics;
      returned = { kind: 'best', step: best.step, epoch: best.epoch, monitor: kept!.config.monitor, value: best.value };
    }
    const seconds = (performance.now() - start) / 1000;
    progress?.done({ step, totalSteps, images, metrics: pickShown(metrics) });
    const result: TrainResult = {
      weights: best?.weights ?? snapshotWeights(model), history, metrics, checkpoint: returned, steps: step, epochs: epoch, stoppedEarly,
      imagesSeen: images, seconds, imagesPerSecond: images / seconds, backend, checkpoints,
    };
    if (classWeights) result.classWeights = Array.from(classWeights);
    return result;
  } finally {
    optimizer.dispose();
    restoreMomentum?.();
    unfuseLayers();
  }
}

/** The few metrics worth showing on the progress line. */
function pickShown(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['val_loss', 'val_auc', 'val_acc', 'val_kappa']) if (m[k] !== undefined && Number.isFinite(m[k])) out[k] = m[k]!;
  return out;
}
