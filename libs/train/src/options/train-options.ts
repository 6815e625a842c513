// trainModel's options, and the part of them a pipeline file sets under `training:` (the recipe).
import { z } from 'zod';
import { augmentSchema } from './augment.js';
import { backendOptionsSchema } from './backend.js';
import { classWeightsSchema } from './class-weights.js';
import { inputTransformSchema } from './input-transform.js';
import { optimizerSchema } from './optimizer.js';
import { scheduleSchema } from './schedule.js';
import { taskSchema } from './task.js';

/** A history metric to watch: 'val_auc', 'val_loss', 'train_loss', 'val_auc/<label>', ... */
const monitorSchema = z.string().min(1);

export const earlyStoppingSchema = z
  .object({
    monitor: monitorSchema,
    mode: z.enum(['min', 'max']),
    /** Evaluations without improvement before stopping. */
    patience: z.number().int().min(1),
    minDelta: z.number().min(0).default(0),
    /** Return (and leave in the model) the weights of the best evaluation (unless keepBest says otherwise). */
    restoreBest: z.boolean().default(true),
  })
  .strict();

/** Return the weights of the evaluation with the best `monitor` value instead of the last ones. */
export const keepBestSchema = z
  .object({
    monitor: monitorSchema,
    mode: z.enum(['min', 'max']),
    /** An evaluation must beat the best by more than this to replace it. */
    minDelta: z.number().min(0).default(0),
  })
  .strict();

export const checkpointOptionsSchema = z
  .object({
    dir: z.string().min(1),
    /** Save every N steps (default: at every evaluation) and always at the end. */
    every: z.number().int().positive().optional(),
  })
  .strict();

/** Resumable training: the whole loop state every N steps in `dir/resume.arrow` (the latest only), resumed from there. */
export const resumeOptionsSchema = z
  .object({
    dir: z.string().min(1),
    /** Save every N optimiser steps (and once at the end). */
    every: z.number().int().positive(),
  })
  .strict();

export const trainOptionsSchema = z
  .object({
    task: taskSchema,
    epochs: z.number().int().positive().default(1),
    /** Stop after this many optimiser steps (overrides epochs when smaller). */
    maxSteps: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().default(32),
    optimizer: optimizerSchema.default({
      type: 'adam',
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      weightDecay: 0,
    }),
    schedule: scheduleSchema.default({ type: 'constant' }),
    warmupSteps: z.number().int().min(0).default(0),
    /** Evaluate on the validation set every N steps (default: once per epoch) and after the last step. */
    evalEvery: z.number().int().positive().optional(),
    evalBatchSize: z.number().int().positive().default(64),
    earlyStopping: earlyStoppingSchema.optional(),
    keepBest: keepBestSchema.optional(),
    checkpoint: checkpointOptionsSchema.optional(),
    /** Continue from `dir`'s resume checkpoint if there is one, and write one every `every` steps. */
    resume: resumeOptionsSchema.optional(),
    seed: z.number().int().default(0),
    /** How pixels become model inputs (uint8 x -> x/255 for 'unit'); float32 pixels count as x/255 already. */
    input: inputTransformSchema.default('unit'),
    /** Seeded augmentation of the training batches (default: none). */
    augment: augmentSchema.optional(),
    /** Loss weights per class (multi-class) or positive-class weights per label (multi-label); default none. */
    classWeights: classWeightsSchema.optional(),
    /** Momentum of every BatchNormalization layer's moving statistics during this training (default: the layers' own). */
    batchNormMomentum: z.number().min(0).lt(1).optional(),
    /** Drop the last smaller batch of an epoch (batch-norm statistics of tiny batches are noisy). */
    dropRemainder: z.boolean().default(true),
    /** Progress bar on stderr. */
    progress: z.boolean().default(true),
    backend: backendOptionsSchema.optional(),
  })
  .strict();
export type TrainOptions = z.input<typeof trainOptionsSchema>;

/** What a pipeline file sets under `training:`: the options without those the caller decides per run. */
export const trainingRecipeSchema = trainOptionsSchema.omit({
  task: true,
  seed: true,
  progress: true,
  backend: true,
  checkpoint: true,
  resume: true,
});
export type TrainingRecipe = z.input<typeof trainingRecipeSchema>;
