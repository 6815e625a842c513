// @transfusion/train: compute backends, the training loop, metrics and activation capture.
export * as tf from '@tensorflow/tfjs';
export * from './errors.js';
// Every option schema (task, optimiser, schedule, augmentation, recipe, ...), also at '@transfusion/train/schemas'.
export * from './schemas.js';
export * from './backend/resolve.js';
export type { Attempt } from './backend/optional.js';
export { OUR_WASM_KERNELS, registerWasmTrainingKernels } from './backend/wasm-kernels.js';
export type { Batch, BatchOptions, Dataset } from './data/dataset.js';
export { ArrayDataset, type ArrayDatasetInput, asDataset, type DatasetLike } from './data/array-dataset.js';
export {
  openStreamedImages,
  StreamedDataset,
  StreamedImageFile,
  type StreamedImagesOptions,
  streamedImagesOptionsSchema,
} from './data/streamed-dataset.js';
export * from './metrics/index.js';
export { buildBenchCbr, type BenchCbrOptions, benchCbrOptionsSchema } from './models/bench-cbr.js';
export { captureActivations, type CaptureOptions } from './activations.js';
export { computeFacts } from './compute-facts.js';
export { checkpointPath, loadCheckpoint, saveCheckpoint, type CheckpointMeta } from './training/checkpoint.js';
export { clearResumePoint, RESUME_FILE } from './training/resume.js';
export { type EvaluateOptions, type Evaluation, evaluateModel, taskMetrics } from './training/evaluate.js';
export { bootstrapEvaluation } from './training/bootstrap-evaluation.js';
export { sigmoidBce, softmaxCe } from './training/losses.js';
export { formatProgress, ProgressBar, type ProgressSink } from './training/progress.js';
export { learningRateAt } from './training/schedule.js';
export { type FloatTensor, restoreWeights, snapshotWeights, weightName } from './training/tensors.js';
export {
  type HistoryEntry,
  type ReturnedCheckpoint,
  type TrainHooks,
  type TrainResult,
  trainModel,
} from './training/train-model.js';
export { applyInputTransform, transformCoefficients } from './training/input-transform.js';
export { type AugmentDraw, applyAugmentation, augmentBatch, drawAugmentation } from './training/augment.js';
export { balancedClassWeights } from './training/class-weights.js';
export { setBatchNormMomentum } from './training/batch-norm.js';
export {
  BENCH_MODELS,
  type BenchModel,
  type BenchModelBuilder,
  runTrainBenchmark,
  type TrainBenchOptions,
  type TrainBenchResult,
  trainBenchOptionsSchema,
} from './bench/train-bench.js';
export { findTorchPython, runTorchPeer, type TorchResult } from './bench/torch-peer.js';
