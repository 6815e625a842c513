import { tableFromArrays, type Table } from 'apache-arrow';
import { writeTensors } from '@transfusion/arrow-io';
import {
  buildModel, getWeights, initialise, modelOptionsFor, modelSummary, SPEC_METADATA_KEY, setWeights,
  type InitStrategy, type WeightMap, type WeightSource, type ZooModel,
} from '@transfusion/models';
import { describeBackend, resolveBackend, trainModel, type HistoryEntry } from '@transfusion/train';
import { RUN_META_KEY, type RunInfo } from './run-info.js';
import type { Architecture, Training } from './schemas.js';

export interface TrainedModel {
  zm: ZooModel;
  initial: WeightMap;
  history: HistoryEntry[];
  seconds: number;
  imagesPerSecond: number;
  backend: string;
  params: number;
  flopsPerImage: number;
}

/** Builds the model for the data, initialises it, trains it. */
export async function trainRun(args: {
  architecture: Architecture;
  size: number;
  channels: number;
  classes: number;
  init: InitStrategy;
  source?: WeightSource;
  train: Parameters<typeof trainModel>[1]['train'];
  validation: Parameters<typeof trainModel>[1]['validation'];
  task: Parameters<typeof trainModel>[2]['task'];
  training: Training;
  seed: number;
  log: (m: string) => void;
}): Promise<TrainedModel> {
  // The backend first: variables are created on it, not moved later.
  const backend = await resolveBackend();
  args.log(`backend ${describeBackend(backend)}`);
  const options = modelOptionsFor({ ...args.architecture, inputSize: args.size, channels: args.channels, classes: args.classes }, args.init);
  const zm = buildModel(options);
  for (const layer of zm.model.layers) {
    // tfjs-layers reads `momentum` on every training call; there is no option for it on a built zoo model
    if (layer.getClassName() === 'BatchNormalization') (layer as unknown as { momentum: number }).momentum = args.training.bnMomentum;
  }
  const { weights, report } = initialise(zm, args.init, args.source);
  for (const w of report.warnings) args.log(`init: ${w}`);
  setWeights(zm, weights, 'init');
  const initial = getWeights(zm);
  const summary = modelSummary(zm);
  const t = args.training;
  const result = await trainModel(
    zm.model,
    { train: args.train, validation: args.validation },
    {
      task: args.task,
      epochs: t.epochs,
      ...(t.maxSteps !== undefined ? { maxSteps: t.maxSteps } : {}),
      ...(t.evalEvery !== undefined ? { evalEvery: t.evalEvery } : {}),
      batchSize: t.batchSize,
      optimizer: { type: 'adam', lr: t.lr, weightDecay: t.weightDecay },
      seed: args.seed,
      progress: true,
    },
  );
  return {
    zm, initial, history: result.history, seconds: result.seconds, imagesPerSecond: result.imagesPerSecond,
    backend: describeBackend(result.backend), params: summary.params.total, flopsPerImage: summary.flops,
  };
}

/** Weights as an Arrow tensors file carrying the model spec (so loadWeights knows the architecture) and the run. */
export async function writeWeights(path: string, weights: WeightMap, zm: ZooModel, run?: RunInfo): Promise<void> {
  const meta: Record<string, string> = { [SPEC_METADATA_KEY]: JSON.stringify(zm.spec) };
  if (run) meta[RUN_META_KEY] = JSON.stringify(run);
  await writeTensors(path, weights, meta);
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
