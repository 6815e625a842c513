// The report's input and option schemas alone (zod only): what a pipeline stage validates its params against
// without loading the renderer (vega, resvg, sharp). `@transfusion/report/schemas`.
export {
  benchmarkSuites,
  initSchema,
  modelInfoSchema,
  paperModels,
  stageNames,
  taskSchema,
  type BenchmarkSuite,
  type Init,
  type ModelInfo,
  type PaperModel,
  type StageName,
  type Task,
} from './schema.js';
export { stagesOf } from './init.js';
export { reportOptionsSchema, type ReportOptions, type ReportOptionsInput } from './options.js';
