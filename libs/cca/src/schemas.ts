// @transfusion/cca/schemas: the zod schemas of the analysis options (methods, similarity options, conv layers,
// linear-algebra mode), importing nothing but zod and the lib's error class, so a pipeline file can be validated
// without loading the native addon (checked by test/schemas-entry.test.ts).
export { type ConvOptions, convOptionsSchema } from './conv-options.js';
export { LINALG_MODES, type LinalgMode, linalgModeSchema } from './linalg-mode.js';
export { METHODS, type Method, type SimilarityOptions, similarityOptionsSchema } from './options.js';
