import { z } from 'zod';
import { initStrategySchema } from '@transfusion/models/schemas';
import { inputTransformSchema, resumeOptionsSchema, trainingRecipeSchema } from '@transfusion/train/schemas';

// The study's params composed from the libs' own schemas (the architecture itself is @transfusion/models's
// `architectureSchema`), so every option a lib offers is reachable from a pipeline file and checked by that lib.

/**
 * A run's training recipe: libs/train's own `trainingRecipeSchema` (every option of the training loop: optimiser,
 * schedule, augmentation, class weights, best checkpoint, batch-norm momentum, ...). Only `input` differs: left
 * out, it follows the source weights (the input they were pretrained on), else 'unit'.
 */
export const trainingSchema = trainingRecipeSchema.extend({ input: inputTransformSchema.optional() });
export type Training = z.infer<typeof trainingSchema>;

/**
 * Optimiser steps between resume checkpoints of a training stage (in the engine's per-key working folder): a killed
 * run resumes from the last one. Each one writes the weights and the optimiser state (~3x the weights) to disk.
 * libs/train's `resume.every`, with the study's default.
 */
export const checkpointEverySchema = resumeOptionsSchema.shape.every.default(200);

const strategies = initStrategySchema.options.map((o) => ({ name: o.shape.strategy.value, staged: 'upTo' in o.shape }));
const plain = strategies.filter((s) => !s.staged).map((s) => s.name);
const staged = strategies.filter((s) => s.staged).map((s) => s.name);
const shortName = new RegExp(`^(${plain.join('|')}|(${staged.join('|')})-[a-z0-9_]+)$`);

/**
 * A train stage's `init`: a @transfusion/models init strategy as an object, checked by the lib's
 * `initStrategySchema` (its `seed` may be left out: the run's seed fills it in), or its short name as a matrix
 * value: a strategy without a stage (`random`, `pretrained`, ...) or `<strategy>-<stage>` for one that takes
 * pretrained stages up to one (`transfusion-block2`, `slim-mixed7`). Kept as written, so the cache key follows the
 * pipeline file.
 */
export const initParamSchema = z.union([z.string(), z.record(z.string(), z.unknown())]).superRefine((init, ctx) => {
  if (typeof init === 'string') {
    if (!shortName.test(init))
      ctx.addIssue({
        code: 'custom',
        message: `expected ${plain.join(', ')}, ${staged.map((s) => `${s}-<stage>`).join(' or ')}`,
      });
    return;
  }
  const r = initStrategySchema.safeParse({ seed: 0, ...init });
  if (!r.success)
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
});
