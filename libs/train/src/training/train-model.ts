// trainModel: a tfjs LayersModel + datasets + options -> trained weights, history and metrics.
// Usable without the pipeline engine. Deterministic for a given seed on one backend (data order,
// augmentation randomness; initial weights are the caller's, e.g. seeded initialisers).
import * as tf from '@tensorflow/tfjs';
import { type BackendInfo, describeBackend, resolveBackend } from '../backend/resolve.js';
import { asDataset, type DatasetLike } from '../data/array-dataset.js';
import type { Batch, Dataset } from '../data/dataset.js';
import { describeZodIssues, TrainError } from '../errors.js';
import { type TrainOptions, trainOptionsSchema } from '../options/train-options.js';
import { mulberry32 } from '@transfusion/random';
import { batchLoss } from './batch-loss.js';
import { setBatchNormMomentum } from './batch-norm.js';
import { fuseLayers } from './fused-layers.js';
import { BestTracker } from './best-evaluation.js';
import { saveCheckpoint } from './checkpoint.js';
import { checkModel, checkMonitor } from './check-inputs.js';
import { resolveClassWeights } from './class-weights.js';
import { checkLabels, evaluateModel } from './evaluate.js';
import { checkInputChannels } from './input-transform.js';
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

/** What stays fixed for the whole run. */
interface Run {
  model: tf.LayersModel;
  o: ParsedTrainOptions;
  train: Dataset;
  validation: Dataset | undefined;
  backend: BackendInfo;
  hooks: TrainHooks;
  sink: ProgressSink;
  stepsPerEpoch: number;
  totalSteps: number;
  evalEvery: number;
  classWeights: Float32Array | undefined;
  params: Param[];
  optimizer: Optimizer;
  progress: ProgressBar | undefined;
  /** Decides which weights are kept: keepBest, else early stopping's restoreBest. */
  kept: BestTracker | undefined;
  /** Counts evaluations since the best for early stopping (`kept` itself when it monitors the same). */
  stopper: BestTracker | undefined;
}

/** Everything the loop changes as it goes: what a resume point saves and restores. */
interface LoopState {
  step: number;
  epoch: number;
  /** Batches of `epoch` trained so far (a resumed run skips them). */
  batchInEpoch: number;
  images: number;
  lossSum: number;
  lossCount: number;
  lastMetrics: Record<string, number>;
  stoppedEarly: boolean;
  lastCheckpointStep: number;
  history: HistoryEntry[];
  checkpoints: string[];
  /** performance.now() when training started (moved back by a resumed run's elapsed time). */
  start: number;
}

type ParsedTrainOptions = ReturnType<typeof trainOptionsSchema.parse>;

export async function trainModel(
  model: tf.LayersModel,
  data: { train: DatasetLike; validation?: DatasetLike },
  options: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const o = parseOptions(options);
  const backend = await resolveBackend(o.backend ?? {});
  const train = asDataset(data.train, 'train');
  const validation = data.validation ? asDataset(data.validation, 'validation') : undefined;
  checkInputs(model, train, validation, o);
  const run = await prepareRun(model, o, train, validation, backend, hooks);
  const restoreMomentum =
    o.batchNormMomentum !== undefined ? setBatchNormMomentum(model, o.batchNormMomentum) : undefined;
  const unfuseLayers = fuseLayers(model);
  const s: LoopState = {
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    images: 0,
    lossSum: 0,
    lossCount: 0,
    lastMetrics: {},
    stoppedEarly: false,
    lastCheckpointStep: -1,
    history: [],
    checkpoints: [],
    start: performance.now(),
  };
  // Taken after fuseLayers, as the weights the loop trains.
  const fingerprint = loopFingerprint(run);
  const resumedAt = await resumeIfAsked(run, s, fingerprint);
  try {
    if (resumedAt !== 'done') await trainEpochs(run, s, fingerprint, resumedAt === 'training');
    await finishTraining(run, s, fingerprint, resumedAt === 'done');
    return returnedResult(run, s);
  } finally {
    run.optimizer.dispose();
    restoreMomentum?.();
    unfuseLayers();
  }
}

function parseOptions(options: TrainOptions): ParsedTrainOptions {
  const parsed = trainOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new TrainError('TRAIN_BAD_OPTIONS', `training options: ${describeZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

function checkInputs(
  model: tf.LayersModel,
  train: Dataset,
  validation: Dataset | undefined,
  o: ParsedTrainOptions,
): void {
  checkModel(model, train, o.task, 'train');
  if (validation) checkModel(model, validation, o.task, 'validation');
  checkInputChannels(o.input, train.imageShape[2], 'the training images');
  checkMonitor(o.keepBest, 'keepBest', validation !== undefined);
  checkMonitor(o.earlyStopping, 'earlyStopping', validation !== undefined);
}

/** Step counts, class weights, optimiser and trackers; announces the run on the progress sink. */
async function prepareRun(
  model: tf.LayersModel,
  o: ParsedTrainOptions,
  train: Dataset,
  validation: Dataset | undefined,
  backend: BackendInfo,
  hooks: TrainHooks,
): Promise<Run> {
  const stepsPerEpoch = o.dropRemainder ? Math.floor(train.size / o.batchSize) : Math.ceil(train.size / o.batchSize);
  if (stepsPerEpoch === 0) {
    throw new TrainError(
      'TRAIN_BAD_OPTIONS',
      `batchSize ${o.batchSize} exceeds the ${train.size} training samples (dropRemainder is on)`,
    );
  }
  const totalSteps = Math.min(o.maxSteps ?? Infinity, o.epochs * stepsPerEpoch);
  const sink = hooks.progressSink ?? process.stderr;
  const classWeights = await resolveClassWeights(o.classWeights, o.task, train);
  if (classWeights && o.classWeights === 'balanced' && o.progress) {
    sink.write(
      `class weights (balanced, from ${train.size} training samples): ${Array.from(classWeights, (w) => w.toPrecision(4)).join(', ')}\n`,
    );
  }
  const params: Param[] = model.trainableWeights.map((w) => ({
    name: weightName(w),
    variable: w.read() as tf.Variable,
    decay: w.shape.length >= 2,
  }));
  const optimizer = new Optimizer(o.optimizer);
  const progress = o.progress ? new ProgressBar(sink) : undefined;
  if (o.progress)
    sink.write(`training '${model.name}' on ${describeBackend(backend)}: ${totalSteps} steps of ${o.batchSize}\n`);
  // keepBest, else early stopping's restoreBest, decides which weights are kept; early stopping alone only counts.
  const es = o.earlyStopping;
  const keep = o.keepBest ?? (es?.restoreBest ? es : undefined);
  const kept = keep ? new BestTracker(keep, o.keepBest ? 'keepBest' : 'earlyStopping') : undefined;
  const stopper = es ? (kept && !o.keepBest ? kept : new BestTracker(es, 'earlyStopping')) : undefined;
  return {
    model,
    o,
    train,
    validation,
    backend,
    hooks,
    sink,
    stepsPerEpoch,
    totalSteps,
    evalEvery: o.evalEvery ?? stepsPerEpoch,
    classWeights,
    params,
    optimizer,
    progress,
    kept,
    stopper,
  };
}

/**
 * What a resumed run must share with the one that wrote the checkpoint: the options that shape the loop, the
 * model's weights and the data sizes. Not the backend: another one resumes fine, only not bitwise.
 */
function loopFingerprint({ o, model, train, validation }: Run): string {
  const { resume: _resume, progress: _progress, backend: _backend, checkpoint: _checkpoint, ...loopOptions } = o;
  return resumeFingerprint({
    options: loopOptions,
    model: model.weights.map((w) => [weightName(w), w.shape]),
    train: [train.size, ...train.imageShape, train.labelWidth],
    validation: validation ? [validation.size, ...validation.imageShape, validation.labelWidth] : null,
  });
}

/** Restores the run's last resume point, if asked and one matches; returns the phase it was written in. */
async function resumeIfAsked(run: Run, s: LoopState, fingerprint: string): Promise<ResumeState['phase'] | undefined> {
  const { o, model, optimizer, kept, stopper } = run;
  const resumed = o.resume ? await loadResumePoint(o.resume.dir, fingerprint) : undefined;
  if (!resumed) return undefined;
  const r = resumed.state;
  restoreWeights(model, resumed.weights);
  optimizer.importState(resumed.optimizer);
  if (kept && r.kept) kept.importState(r.kept, resumed.bestWeights);
  if (stopper && stopper !== kept && r.stopper) stopper.importState(r.stopper, undefined);
  ({
    step: s.step,
    epoch: s.epoch,
    batchInEpoch: s.batchInEpoch,
    images: s.images,
    lossSum: s.lossSum,
    lossCount: s.lossCount,
  } = r);
  ({
    lastMetrics: s.lastMetrics,
    stoppedEarly: s.stoppedEarly,
    lastCheckpointStep: s.lastCheckpointStep,
    history: s.history,
    checkpoints: s.checkpoints,
  } = r);
  s.start -= r.elapsedSeconds * 1000;
  if (o.progress) {
    const here = describeBackend(run.backend);
    run.sink.write(
      `resuming from ${o.resume!.dir} at step ${s.step} (epoch ${s.epoch})${r.backend !== here ? `; it was written on ${r.backend}, this run is on ${here}, so the result will not be bitwise the same` : ''}\n`,
    );
  }
  return r.phase;
}

/** Epoch after epoch until the step budget is spent or early stopping says stop. */
async function trainEpochs(run: Run, s: LoopState, fingerprint: string, resumedMidRun: boolean): Promise<void> {
  // A run resumed in the middle of an epoch finishes that epoch (its remaining batches, or only the epoch count
  // when the checkpoint came after its last step), exactly as the uninterrupted run does.
  let inEpoch = resumedMidRun;
  while (inEpoch || (s.step < run.totalSteps && !s.stoppedEarly)) {
    inEpoch = false;
    if (s.batchInEpoch < run.stepsPerEpoch && s.step < run.totalSteps && !s.stoppedEarly)
      await trainEpoch(run, s, fingerprint);
    s.epoch++;
    s.batchInEpoch = 0;
  }
}

/** The batches of epoch `s.epoch` in its seeded order, skipping those a resumed run already trained. */
async function trainEpoch(run: Run, s: LoopState, fingerprint: string): Promise<void> {
  const { o, train } = run;
  const skip = s.batchInEpoch;
  let index = 0;
  const batches = train.batches({
    batchSize: o.batchSize,
    shuffle: true,
    seed: o.seed,
    epoch: s.epoch,
    dropRemainder: o.dropRemainder,
    prepare: { input: o.input, augment: o.augment !== undefined },
  });
  for await (const batch of batches) {
    if (index++ < skip) continue;
    if (s.step >= run.totalSteps || s.stoppedEarly) break;
    const loss = await optimiserStep(run, s, batch);
    s.step++;
    s.batchInEpoch = index;
    s.images += batch.n;
    s.lossSum += loss;
    s.lossCount++;
    run.hooks.onStep?.(s.step, loss, batch.n);
    run.progress?.update({
      step: s.step,
      totalSteps: run.totalSteps,
      images: s.images,
      metrics: { loss, ...pickShown(s.lastMetrics) },
    });
    await afterStep(run, s, fingerprint);
  }
}

/** One optimiser step on `batch` (augmented as the options and hooks say); returns the batch loss. */
async function optimiserStep(run: Run, s: LoopState, batch: Batch): Promise<number> {
  const { o, train, hooks, model, params, optimizer } = run;
  checkLabels(o.task, batch.y, train.labelWidth, `train (epoch ${s.epoch})`, batch.mask, batch.rows);
  const lr = learningRateAt(s.step, optimizer.baseLr, o.schedule, o.warmupSteps, run.totalSteps);
  const rnd = mulberry32((o.seed * 0x27d4eb2d + s.step * 0x165667b1 + 1) >>> 0);
  const augment = o.augment ? { options: o.augment, seed: o.seed, step: s.step } : undefined;
  const { value, grads } = tf.tidy(() => {
    let x = batchImages(batch, train.imageShape, o.input, augment);
    if (hooks.augment) x = hooks.augment(x, rnd);
    const xs = x;
    return tf.variableGrads(
      () => batchLoss(model, o.task, xs, batch, train.labelWidth, run.classWeights),
      params.map((p) => p.variable),
    );
  });
  const loss = (await value.data())[0]!;
  if (!Number.isFinite(loss)) {
    tf.dispose([value, ...Object.values(grads)]);
    throw new TrainError(
      'TRAIN_NON_FINITE_LOSS',
      `loss became ${loss} at step ${s.step} (epoch ${s.epoch}); lower the learning rate or check the inputs`,
      { step: s.step },
    );
  }
  optimizer.apply(params, grads, lr);
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

/** Evaluation, checkpoint and resume point, each when its period comes round. */
async function afterStep(run: Run, s: LoopState, fingerprint: string): Promise<void> {
  const { o } = run;
  if (s.step % run.evalEvery === 0 || s.step === run.totalSteps) await evaluate(run, s);
  if (o.checkpoint?.every !== undefined && s.step % o.checkpoint.every === 0) await checkpoint(run, s);
  if (o.resume && s.step % o.resume.every === 0) await saveResume(run, s, fingerprint, 'training');
}

/** Records the training loss since the last evaluation and the validation metrics; feeds the trackers. */
async function evaluate(run: Run, s: LoopState): Promise<void> {
  const { o, model, validation, kept, stopper } = run;
  const metrics: Record<string, number> = { train_loss: s.lossCount ? s.lossSum / s.lossCount : NaN };
  s.lossSum = 0;
  s.lossCount = 0;
  if (validation) {
    const ev = await evaluateModel(model, validation, o.task, { batchSize: o.evalBatchSize, input: o.input });
    for (const [k, v] of Object.entries(ev.metrics)) metrics[`val_${k}`] = v;
  }
  const entry: HistoryEntry = {
    step: s.step,
    epoch: s.epoch,
    lr: learningRateAt(Math.max(0, s.step - 1), run.optimizer.baseLr, o.schedule, o.warmupSteps, run.totalSteps),
    metrics,
    seconds: (performance.now() - s.start) / 1000,
  };
  s.history.push(entry);
  s.lastMetrics = metrics;
  await run.hooks.onEvaluation?.(entry);
  kept?.offer(metrics, s.step, s.epoch, () => snapshotWeights(model));
  if (stopper && stopper !== kept) stopper.offer(metrics, s.step, s.epoch);
  if (o.earlyStopping && stopper && stopper.sinceBest >= o.earlyStopping.patience) s.stoppedEarly = true;
  if (o.checkpoint && o.checkpoint.every === undefined) await checkpoint(run, s);
}

async function checkpoint(run: Run, s: LoopState): Promise<void> {
  const { o } = run;
  if (!o.checkpoint || s.lastCheckpointStep === s.step) return;
  s.lastCheckpointStep = s.step;
  s.checkpoints.push(
    await saveCheckpoint(o.checkpoint.dir, snapshotWeights(run.model), {
      step: s.step,
      epoch: s.epoch,
      backend: describeBackend(run.backend),
      metrics: s.lastMetrics,
    }),
  );
}

async function saveResume(run: Run, s: LoopState, fingerprint: string, phase: ResumeState['phase']): Promise<void> {
  const { o, kept, stopper } = run;
  if (!o.resume) return;
  const { start, ...counters } = s;
  const state: ResumeState = {
    format: 'transfusion-resume/1',
    fingerprint,
    backend: describeBackend(run.backend),
    phase,
    ...counters,
    elapsedSeconds: (performance.now() - start) / 1000,
    optimizerStep: 0,
    optimizerSlots: {}, // filled from the optimiser state by saveResumePoint
  };
  if (kept) state.kept = kept.exportState();
  if (stopper && stopper !== kept) state.stopper = stopper.exportState();
  const bestWeights = kept?.best?.weights;
  await saveResumePoint(o.resume.dir, {
    state,
    weights: snapshotWeights(run.model),
    optimizer: run.optimizer.exportState(),
    ...(bestWeights ? { bestWeights } : {}),
  });
}

/** The final evaluation and checkpoint (when the last step had none) and the 'done' resume point. */
async function finishTraining(run: Run, s: LoopState, fingerprint: string, alreadyDone: boolean): Promise<void> {
  if (s.history.length === 0 || s.history[s.history.length - 1]!.step !== s.step) await evaluate(run, s);
  // The last step's weights go to disk before the best ones (if any) replace them in the model.
  if (run.o.checkpoint) await checkpoint(run, s);
  if (!alreadyDone) await saveResume(run, s, fingerprint, 'done');
}

/** The best evaluation's weights and metrics when a tracker kept them (put back in the model), else the last. */
function returnedResult(run: Run, s: LoopState): TrainResult {
  const { kept } = run;
  const last = s.history[s.history.length - 1]!;
  let metrics = s.lastMetrics;
  let returned: ReturnedCheckpoint = { kind: 'last', step: last.step, epoch: last.epoch };
  const best = kept?.best;
  if (best?.weights) {
    if (best.step !== s.step) restoreWeights(run.model, best.weights);
    metrics = best.metrics;
    returned = { kind: 'best', step: best.step, epoch: best.epoch, monitor: kept!.config.monitor, value: best.value };
  }
  const seconds = (performance.now() - s.start) / 1000;
  run.progress?.done({ step: s.step, totalSteps: run.totalSteps, images: s.images, metrics: pickShown(metrics) });
  const result: TrainResult = {
    weights: best?.weights ?? snapshotWeights(run.model),
    history: s.history,
    metrics,
    checkpoint: returned,
    steps: s.step,
    epochs: s.epoch,
    stoppedEarly: s.stoppedEarly,
    imagesSeen: s.images,
    seconds,
    imagesPerSecond: s.images / seconds,
    backend: run.backend,
    checkpoints: s.checkpoints,
  };
  if (run.classWeights) result.classWeights = Array.from(run.classWeights);
  return result;
}

/** The few metrics worth showing on the progress line. */
function pickShown(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['val_loss', 'val_auc', 'val_acc', 'val_kappa'])
    if (m[k] !== undefined && Number.isFinite(m[k])) out[k] = m[k]!;
  return out;
}
