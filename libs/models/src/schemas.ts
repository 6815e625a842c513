// @transfusion/models/schemas: the zod schemas of the model options (zoo names, architecture, init strategies),
// importing nothing but zod and the lib's error class, so a pipeline file can be validated without loading tfjs
// (checked by test/schemas-entry.test.ts).
export {
  type Architecture,
  architectureSchema,
  MODEL_NAMES,
  type ModelName,
  type ModelOptions,
  modelOptionsSchema,
} from './spec.js';
export {
  type GaborFilterOptions,
  gaborFilterOptionsSchema,
  type GaborInitOptions,
  gaborInitOptionsSchema,
  type InitStrategy,
  type InitStrategyName,
  initStrategySchema,
  type MeanVarOptions,
  meanVarOptionsSchema,
  type RandomInitOptions,
  randomInitOptionsSchema,
  type RandomScheme,
  randomSchemeSchema,
  type SlimOptions,
  slimOptionsSchema,
  type TransferOptions,
  transferOptionsSchema,
  type TransfusionOptions,
  transfusionOptionsSchema,
} from './init/options.js';
