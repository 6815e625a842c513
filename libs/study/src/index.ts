export { stages } from './registry.js';
export { syntheticDatasetStage } from './stages/synthetic-dataset.js';
export { datasetSummaryStage } from './stages/dataset-summary.js';
export { prepareDatasetStage } from './stages/prepare-dataset.js';
export { pretrainStage } from './stages/pretrain.js';
export { importDatasetStage } from './stages/import-dataset.js';
export { importWeightsStage } from './stages/import-weights.js';
export { trainStage } from './stages/train.js';
export { evaluateStage } from './stages/evaluate.js';
export { captureActivationsStage } from './stages/capture-activations.js';
export { filterSnapshotStage } from './stages/filter-snapshot.js';
export { ccaAnalysisStage } from './stages/cca-analysis.js';
export { convergenceStage } from './stages/convergence.js';
export { reportStage } from './stages/report.js';
export { RUN_META_KEY, runInfoSchema, runOfFile, runOfTable, StudyError, type RunInfo } from './lib/run-info.js';
// The study's artifact kinds, for a user's registry whose stages read or write the study's artifacts.
export {
  activationsKind,
  convergenceKind,
  datasetSummaryKind,
  filtersKind,
  historyKind,
  imageSetKind,
  metricsKind,
  predictionsKind,
  similarityKind,
  sourceHistoryKind,
  sourceWeightsKind,
  weightsKind,
} from './lib/artifact-kinds.js';
export { publishReport, type PublishResult } from './publish.js';
