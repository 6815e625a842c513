import { z } from 'zod';

/** The architecture part of a model: everything but what the data decides (input size, channels, classes). */
export const architectureSchema = z.strictObject({
  name: z.enum(['cbr-large-t', 'cbr-large-w', 'cbr-small', 'cbr-tiny', 'cbr-tiny-32', 'resnet50', 'inception-v3']),
  width: z.number().positive().max(16).default(1),
  blocks: z.array(z.number().int().positive()).length(4).optional(),
  stageWidth: z.record(z.string(), z.number().positive().max(16)).default({}),
  lastStage: z.string().min(1).optional(),
});
export type Architecture = z.infer<typeof architectureSchema>;

/** Optimisation settings of one run (the rest of trainModel's options keep their defaults). */
export const trainingSchema = z.strictObject({
  epochs: z.number().int().positive().default(1),
  maxSteps: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().default(32),
  lr: z.number().positive().default(1e-3),
  weightDecay: z.number().min(0).default(0),
  /** Validation every N steps: the convergence curves' resolution. */
  evalEvery: z.number().int().positive().optional(),
  /**
   * Batch-norm moving-average momentum. Keras's 0.99 needs thousands of steps before the moving statistics
   * (used at evaluation) forget their initial 0/1; short CPU runs use 0.9.
   */
  bnMomentum: z.number().min(0).lt(1).default(0.99),
});
export type Training = z.infer<typeof trainingSchema>;
