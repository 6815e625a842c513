export * from './errors.js';
export * from './matrix.js';
export {
  crossMoments,
  crossMomentsParallel,
  layerMoments,
  layerMomentsParallel,
  mergeCross,
  mergeLayer,
  mergePair,
  MomentAccumulator,
  pairMoments,
  pairMomentsParallel,
  type CrossMoments,
  type LayerMoments,
  type PairMoments,
  type ParallelOptions,
} from './moments.js';
export { eigh, type Eigen } from './eigh.js';
export * from './options.js';
export { PairSimilarity, similarityFromMoments, similarityFromMomentsParallel, svccaKeepCount } from './similarity.js';
export * from './results.js';
export * from './compare.js';
export * from './conv.js';
export * from './npy.js';
export * from './baseline.js';
export { layerBasis, type LayerBasis } from './basis.js';
export { thresholdMean } from './canonical.js';
export { readActivations } from './read-activations.js';
export { rbfCka, type RbfCkaOptions } from './rbf-cka.js';
export { LINALG_MODES, linalgModeSchema, resolveLinalg, type LinalgBackend, type LinalgMode } from './linalg.js';
export {
  compareActivationFiles,
  compareFilesOptionsSchema,
  type CompareFilesOptions,
  type CompareFilesResult,
} from './compare-files.js';
export { linalgFacts } from './linalg-facts.js';
// Every option schema (methods, similarity, conv layers, linalg mode), also at '@transfusion/cca/schemas'.
export * from './schemas.js';
