export * from './errors.js';
export * from './spec.js';
export * from './zoo.js';
export type { StageInfo } from './arch/graph.js';
export { CBR_CONFIGS, PAPER_REPORTED_PARAMS, paperStyleParamCount, type CbrName } from './arch/cbr.js';
export { RESNET50_BLOCKS } from './arch/resnet.js';
export { INCEPTION_MIN_SIZE } from './arch/inception.js';
export * from './weights.js';
export * from './summary.js';
export * from './stages.js';
export * from './filters.js';
export { randomInit, randomWeight, fans, kernelVariance } from './init/random.js';
export { pretrainedInit, adaptInputChannels, type InitReport, type InitResult } from './init/transfer.js';
export { transfusionInit } from './init/transfusion.js';
export { slimHybridOptions, slimHybridInit } from './init/slim.js';
export { meanVarInit } from './init/meanvar.js';
export { gaborInit, gaborKernel, gaborGrid, type GaborParams } from './init/gabor.js';
export * from './io/layers-format.js';
export * from './io/keras-h5.js';
export * from './io/artifact.js';
export { useCpuBackend } from './cpu-backend.js';
export { summarizeZoo, summarizeZooOptionsSchema, type SummarizeZooOptions } from './summarize-zoo.js';
export {
  importWeightsFile,
  importWeightsFileOptionsSchema,
  type ImportWeightsFileOptions,
  type ImportWeightsFileResult,
} from './import-weights-file.js';
export { initialise, modelOptionsFor, needsSource } from './init/strategy.js';
// Every option schema (architecture, init strategies), also at '@transfusion/models/schemas'.
export * from './schemas.js';
export * from './flops.js';
