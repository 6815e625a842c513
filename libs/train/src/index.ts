// @transfusion/train: compute backends, the training loop, metrics and activation capture.
export * as tf from '@tensorflow/tfjs';
export * from './errors.js';
export * from './backend/resolve.js';
export type { Attempt } from './backend/optional.js';
export { OUR_WASM_KERNELS, registerWasmTrainingKernels } from './backend/wasm-kernels.js';
export { MAX_WASM_THREADS } from './backend/wasm-threaded.js';
export type { Batch, BatchOptions, Dataset } from './data/dataset.js';
export { ArrayDataset, type ArrayDatasetInput, asDataset, type DatasetLike, datasetFromArrays } from './data/array-dataset.js';
export { ArrowDataset, type ArrowDatasetOptions, arrowDatasetOptionsSchema, openArrowDataset } from './data/arrow-dataset.js';
export * from './metrics/index.js';
export { buildBenchCbr, type BenchCbrOptions, benchCbrOptionsSchema } from './models/bench-cbr.js';
export { forwardFlopsPerImage, layerFlops, trainingFlopsPerImage } from './models/flops.js';
export { captureActivations, type CaptureOptions } from './activations.js';
export { checkpointPath, loadCheckpoint, saveCheckpoint, type CheckpointMeta } from './training/checkpoint.js';
export { type Evaluation, evaluateModel, taskMetrics } from './training/evaluate.js';
export { bootstrapEvaluation, type EvaluationCiOptions } from './training/bootstrap-evaluation.js';
export { sigmoidBce, softmaxCe } from './training/losses.js';
export { type OptimizerConfig, optimizerSchema } from './training/optimizer.js';
export { formatProgress, ProgressBar, type ProgressSink } from './training/progress.js';
export { learningRateAt, type ScheduleConfig, scheduleSchema } from './training/schedule.js';
export { type Task, type TaskConfig, taskSchema } from './training/task.js';
export { type FloatTensor, restoreWeights, snapshotWeights, weightName } from './training/tensors.js';
export {
  type HistoryEntry, type TrainHooks, type TrainOptions, type TrainResult, trainModel, trainOptionsSchema,
} from './training/train-model.js';
export { mulberry32, permutation } from './random.js';
export { BENCH_MODELS, runTrainBenchmark, type TrainBenchOptions, type TrainBenchResult, trainBenchOptionsSchema } from './bench/train-bench.js';
export { findTorchPython, runTorchPeer, type TorchResult } from './bench/torch-peer.js';
