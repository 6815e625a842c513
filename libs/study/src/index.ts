export { stages } from './registry.js';
export { syntheticDatasetStage } from './stages/synthetic-dataset.js';
export { datasetSummaryStage } from './stages/dataset-summary.js';
