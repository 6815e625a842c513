import { execStage, type AnyStage } from '@transfusion/pipeline';
import { datasetSummaryStage } from './stages/dataset-summary.js';
import { syntheticDatasetStage } from './stages/synthetic-dataset.js';

/** Every stage the study's pipelines may use; `transfusion run` loads this registry by default. */
export const stages: AnyStage[] = [execStage, syntheticDatasetStage, datasetSummaryStage];
