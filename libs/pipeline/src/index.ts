export { defineStage, kindsOf, makeRegistry, portKinds } from './stage.js';
export type {
  AnyStage,
  FilesValue,
  InputSpec,
  OutputValueOf,
  PathValue,
  StageContext,
  StageDefinition,
  StageRegistry,
  ValueOf,
} from './stage.js';
export { ARTIFACT_STORAGES, BUILTIN_KINDS, defineArtifactKind, jsonField, kindOf } from './artifact-kind.js';
export type { ArtifactKind, ArtifactStorage, BuiltinKindName, KindRef } from './artifact-kind.js';
export { execStage } from './stages/exec.js';
export { loadPipelineFile, parseSetFlag, pipelineFileSchema } from './pipeline-file.js';
export type { LoadedPipelineFile, PipelineFileContent } from './pipeline-file.js';
export { downstreamOf, matchStages, planPipeline, selectStages, upstreamOf } from './plan.js';
export type { Plan, PlannedInput, PlannedStage, Selection } from './plan.js';
export { loadRegistry } from './registry.js';
export { Session } from './session.js';
export { cacheKey, KEY_FORMAT } from './cache-key.js';
export type { KeyPreimage } from './cache-key.js';
export { fingerprintDataPath, CONTENT_HASH_LIMIT } from './data-fingerprint.js';
export type { DataFingerprint } from './data-fingerprint.js';
export { canonicalJson } from './canonical-json.js';
export { codeClosure } from './code-hash.js';
export type { CodeClosure } from './code-hash.js';
export { CodeScanError } from './module-imports.js';
export { Store } from './store.js';
export type { OutputRecord, RunRecord, LatestRun } from './store.js';
export { forcedStages, localExecutor, runPipeline } from './run-pipeline.js';
export type { RunObserver, RunOptions, RunSummary, StageEvent, StageExecutor, StageStatus } from './run-pipeline.js';
export { dryRunPipeline, explainPipeline, explainChange } from './explain.js';
export type { DryRunResult, DryRunStage, StageExplanation } from './explain.js';
export { collectGarbage } from './gc.js';
export type { GcResult } from './gc.js';
export { PipelineError, PipelineFileError, StageError, StoreError, UsageError, formatIssue } from './errors.js';
export type { FileIssue, KindMismatch } from './errors.js';
export { runOrReuse, stageTaskSchema, taskFor } from './stage-task.js';
export type { StageTask, TaskHooks, TaskOptions, TaskOutcome } from './stage-task.js';
export { stageThreadsEnv } from './spawn-stage.js';
export { dagMermaid, dagTree, loadPlan, pipelineDag } from './dag.js';
export type { DagEdge, DagNode, PipelineDag } from './dag.js';
export {
  metricsDiff,
  paramsChangeSummary,
  paramsDiff,
  pickPair,
  pickRun,
  readRunLogs,
  runLogSchema,
  runMetrics,
} from './runs.js';
export type { MetricRow, RunLog } from './runs.js';
export { closest, didYouMean, editDistance } from './suggest.js';
export { exportRun } from './export-run.js';
export type { ExportResult } from './export-run.js';
export { crc32c, eventFile, maskedCrc32c, scalarEvent, tfRecord } from './tfevents.js';
export type { ScalarEvent } from './tfevents.js';
