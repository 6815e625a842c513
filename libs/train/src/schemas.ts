// @transfusion/train/schemas: the zod schemas of the training options, importing nothing but zod, so a
// pipeline file can be validated without loading tfjs (checked by test/schemas-entry.test.ts).
export { type AugmentConfig, augmentSchema } from './options/augment.js';
export {
  BACKEND_NAMES,
  type BackendName,
  type BackendOptions,
  backendOptionsSchema,
  MAX_WASM_THREADS,
} from './options/backend.js';
export { type ClassWeightsConfig, classWeightsSchema } from './options/class-weights.js';
export { type EvaluationCiOptions, evaluationCiOptionsSchema } from './options/evaluation-ci.js';
export { INPUT_TRANSFORMS, type InputTransform, inputTransformSchema } from './options/input-transform.js';
export { type OptimizerConfig, optimizerSchema } from './options/optimizer.js';
export { type ScheduleConfig, scheduleSchema } from './options/schedule.js';
export { type Task, type TaskConfig, taskSchema } from './options/task.js';
export {
  checkpointOptionsSchema,
  earlyStoppingSchema,
  keepBestSchema,
  resumeOptionsSchema,
  type TrainingRecipe,
  trainingRecipeSchema,
  type TrainOptions,
  trainOptionsSchema,
} from './options/train-options.js';
