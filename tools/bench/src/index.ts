// The benchmarks as functions; `transfusion bench` (apps/cli) parses their flags and prints their results.
export { BenchOptionsError, type BenchOptionIssue } from './errors.js';
export { benchTrain } from './train.js';
export {
  benchCca,
  benchCcaOptionsSchema,
  type BenchCcaOptions,
  type BenchCcaResult,
  type BenchCcaSize,
} from './cca.js';
export {
  benchPipeline,
  benchPipelineOptionsSchema,
  benchPipelineYaml,
  type BenchPipelineOptions,
  type BenchPipelineResult,
} from './pipeline.js';
export { benchStream, benchStreamOptionsSchema, type BenchStreamOptions } from './stream.js';
export { benchImportTree, benchImportTreeOptionsSchema, type BenchImportTreeOptions } from './import-tree.js';
