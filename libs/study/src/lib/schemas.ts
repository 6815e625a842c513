import { z } from 'zod';
import { inputTransformSchema, trainingRecipeSchema } from '@transfusion/train/schemas';

/** The architecture part of a model: everything but what the data decides (input size, channels, classes). */
export const architectureSchema = z.strictObject({
  name: z.enum(['cbr-large-t', 'cbr-large-w', 'cbr-small', 'cbr-tiny', 'cbr-tiny-32', 'resnet50', 'inception-v3']),
  width: z.number().positive().max(16).default(1),
  blocks: z.array(z.number().int().positive()).length(4).optional(),
  stageWidth: z.record(z.string(), z.number().positive().max(16)).default({}),
  lastStage: z.string().min(1).optional(),
});
export type Architecture = z.infer<typeof architectureSchema>;

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
 */
export const checkpointEverySchema = z.number().int().positive().default(200);
