export { buildReportFiles, jsonReplacer, renderReport, type ReportFile } from './build.js';
export { ReportError } from './errors.js';
export {
  evaluateFindings,
  statements,
  verdicts,
  FINDINGS_METHOD,
  type Comparison,
  type Finding,
  type Verdict,
} from './findings.js';
export { estimateContrast, bootstrapArms, type BootstrapSettings, type Interval } from './paired-bootstrap.js';
export { delongContrast, type DeLongResult } from './delong.js';
export { RunScorer, runScorers, testDataOf, type TestData } from './test-scores.js';
export { groupRuns, type RunGroup, type AucSummary } from './aggregate.js';
export type { BenchmarkSection } from './benchmark.js';
export { medmnistV2, type PublishedDataset, type PublishedRow, type PublishedSuite } from './published/medmnist-v2.js';
export { parseReportOptions, reportOptionsSchema, type ReportOptions, type ReportOptionsInput } from './options.js';
export { parseStudyResults } from './validate.js';
export { stagesOf } from './init.js';
export { initVsFinalFits, comparisonOf, type InitVsFinalFit } from './similarity-fits.js';
export {
  studyResultsSchema,
  runSchema,
  initSchema,
  ccaResultSchema,
  ccaVariantSchema,
  filterSnapshotSchema,
  provenanceSchema,
  modelInfoSchema,
  taskSchema,
  testSetSchema,
  runMetricsSchema,
  checkpointSchema,
  stageNames,
  paperModels,
  benchmarkSuites,
  type StudyResults,
  type StudyResultsInput,
  type Run,
  type RunMetrics,
  type Checkpoint,
  type BenchmarkSuite,
  type Init,
  type CcaResult,
  type CcaVariant,
  type FilterSnapshot,
  type Provenance,
  type ModelInfo,
  type Task,
  type TestSet,
  type Tensor,
  type StageName,
  type PaperModel,
} from './schema.js';
export { dagSvg, dagLayers } from './dag-figure.js';
export { readStudyResults } from './read-results.js';
