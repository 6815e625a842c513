import { tableFromArrays, type Table } from 'apache-arrow';
import {
  buildModel,
  getWeights,
  initialise,
  modelOptionsFor,
  modelSummary,
  saveWeights,
  setWeights,
  type InitStrategy,
  type WeightMap,
  type WeightSource,
  type ZooModel,
} from '@transfusion/models';
import {
  describeBackend,
  inputTransformSchema,
  resolveBackend,
  trainModel,
  type HistoryEntry,
  type InputTransform,
  type ReturnedCheckpoint,
  type TaskConfig,
} from '@transfusion/train';
import { runMetadata, StudyError, type RunInfo } from './run-info.js';
import { sourceWeightsMetadata } from './artifact-kinds.js';
import type { Architecture } from '@transfusion/models/schemas';
import type { Training } from './schemas.js';
import type { TaskData } from './task-data.js';

export interface TrainedModel {
  zm: ZooModel;
  initial: WeightMap;
  history: HistoryEntry[];
  checkpoint: ReturnedCheckpoint;
  input: InputTransform;
  seconds: number;
  imagesPerSecond: number;
  backend: string;
  params: number;
  flopsPerImage: number;
}

/**
 * The input transform of a run: the recipe's `input` if set, else the input the source weights were trained on,
 * else 'unit'. Weights that the run starts from (`usesSource`) and an explicit recipe that disagrees is an error:
 * feeding Keras ResNet50 weights [0, 1] pixels instead of BGR-minus-mean silently wastes the transfer.
 */
export function runInput(training: Training, source: WeightSource | undefined, usesSource: boolean): InputTransform {
  let fromWeights: InputTransform | undefined;
  if (source?.preprocessing !== undefined) {
    const parsed = inputTransformSchema.safeParse(source.preprocessing);
    if (!parsed.success)
      throw new StudyError(
        'STUDY_BAD_ARTIFACT',
        `${source.origin}: the weights say they were trained on '${source.preprocessing}' input, which libs/train does not know (${inputTransformSchema.options.join(', ')})`,
      );
    fromWeights = parsed.data;
  }
  if (usesSource && fromWeights && training.input !== undefined && training.input !== fromWeights) {
    throw new StudyError(
      'STUDY_BAD_INPUT',
      `training.input is '${training.input}', but the source weights ${source!.origin} were trained on '${fromWeights}' input; remove training.input (it then follows the weights) or set it to '${fromWeights}'`,
    );
  }
  return training.input ?? fromWeights ?? 'unit';
}

/** Builds the model for the data, initialises it, trains it with the recipe. */
export async function trainRun(args: {
  architecture: Architecture;
  size: number;
  channels: number;
  classes: number;
  init: InitStrategy;
  source?: WeightSource;
  train: Parameters<typeof trainModel>[1]['train'];
  validation: Parameters<typeof trainModel>[1]['validation'];
  task: TaskConfig;
  training: Training;
  seed: number;
  log: (m: string) => void;
  /** Resume checkpoints: continue from `dir` if a killed run left one there, and write one every `every` steps. */
  resume?: { dir: string; every: number };
}): Promise<TrainedModel> {
  // The backend first: variables are created on it, not moved later.
  const backend = await resolveBackend();
  args.log(`backend ${describeBackend(backend)}`);
  const options = modelOptionsFor(
    { ...args.architecture, inputSize: args.size, channels: args.channels, classes: args.classes },
    args.init,
  );
  const zm = buildModel(options);
  const { weights, report } = initialise(zm, args.init, args.source);
  for (const w of report.warnings) args.log(`init: ${w}`);
  setWeights(zm, weights, 'init');
  const initial = getWeights(zm);
  const summary = modelSummary(zm);
  const usesSource = args.init.strategy !== 'random';
  const input = runInput(args.training, args.source, usesSource);
  const result = await trainModel(
    zm.model,
    { train: args.train, validation: args.validation },
    {
      ...args.training,
      input,
      task: args.task,
      seed: args.seed,
      progress: true,
      ...(args.resume ? { resume: args.resume } : {}),
    },
  );
  return {
    zm,
    initial,
    history: result.history,
    checkpoint: result.checkpoint,
    input,
    seconds: result.seconds,
    imagesPerSecond: result.imagesPerSecond,
    backend: describeBackend(result.backend),
    params: summary.params.total,
    flopsPerImage: summary.flops,
  };
}

/**
 * trainRun on a task's streamed train and val splits, resumable from the stage's work dir (a checkpoint every
 * `checkpointEvery` steps); closes the data's reader threads however the run ends.
 */
export function trainOnTaskData(
  data: TaskData,
  run: {
    architecture: Architecture;
    init: InitStrategy;
    source?: WeightSource;
    training: Training;
    seed: number;
    checkpointEvery: number;
  },
  ctx: { log: (m: string) => void; workDir: string },
): Promise<TrainedModel> {
  return trainRun({
    architecture: run.architecture,
    size: data.size,
    channels: data.channels,
    classes: data.classes,
    init: run.init,
    source: run.source,
    train: data.train,
    validation: data.val,
    task: data.task,
    training: run.training,
    seed: run.seed,
    log: ctx.log,
    resume: { dir: ctx.workDir, every: run.checkpointEvery },
  }).finally(() => data.close());
}

/**
 * Weights as an Arrow tensors file carrying the model spec (so loadWeights knows the architecture), the input they
 * were trained on, and the run or what they were pretrained on.
 */
export async function writeWeights(
  path: string,
  weights: WeightMap,
  zm: ZooModel,
  meta: { input: InputTransform; run?: RunInfo; pretrainedOn?: string },
): Promise<void> {
  const metadata = {
    ...(meta.run ? runMetadata(meta.run) : {}),
    ...(meta.pretrainedOn ? sourceWeightsMetadata(meta.pretrainedOn) : {}),
  };
  await saveWeights(path, weights, zm.spec, { preprocessing: meta.input, metadata });
}

/** One row per evaluation: step, epoch, lr, seconds, train loss and every validation metric as a column. */
export function historyTable(history: HistoryEntry[]): Table {
  const keys = [...new Set(history.flatMap((h) => Object.keys(h.metrics)))].sort();
  const cols: Record<string, Float64Array | Int32Array> = {
    step: Int32Array.from(history, (h) => h.step),
    epoch: Int32Array.from(history, (h) => h.epoch),
    lr: Float64Array.from(history, (h) => h.lr),
    seconds: Float64Array.from(history, (h) => h.seconds),
  };
  for (const k of keys) cols[k] = Float64Array.from(history, (h) => h.metrics[k] ?? NaN);
  return tableFromArrays(cols);
}
