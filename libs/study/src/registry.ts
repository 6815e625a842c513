import { execStage, type AnyStage } from '@transfusion/pipeline';
import { captureActivationsStage } from './stages/capture-activations.js';
import { ccaAnalysisStage } from './stages/cca-analysis.js';
import { convergenceStage } from './stages/convergence.js';
import { datasetSummaryStage } from './stages/dataset-summary.js';
import { evaluateStage } from './stages/evaluate.js';
import { filterSnapshotStage } from './stages/filter-snapshot.js';
import { importDatasetStage } from './stages/import-dataset.js';
import { importWeightsStage } from './stages/import-weights.js';
import { prepareDatasetStage } from './stages/prepare-dataset.js';
import { pretrainStage } from './stages/pretrain.js';
import { reportStage } from './stages/report.js';
import { syntheticDatasetStage } from './stages/synthetic-dataset.js';
import { trainStage } from './stages/train.js';

/** Every stage the study's pipelines may use; `transfusion run` loads this registry by default. */
export const stages: AnyStage[] = [
  execStage,
  syntheticDatasetStage,
  importDatasetStage,
  prepareDatasetStage,
  datasetSummaryStage,
  pretrainStage,
  importWeightsStage,
  trainStage,
  evaluateStage,
  captureActivationsStage,
  filterSnapshotStage,
  ccaAnalysisStage,
  convergenceStage,
  reportStage,
];
