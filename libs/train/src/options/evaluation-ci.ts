import { z } from 'zod';

/** Bootstrap intervals of an evaluation (`bootstrapEvaluation`): percentile intervals from resampled rows or patients. */
export const evaluationCiOptionsSchema = z
  .object({
    /** Number of resamples (pROC's default is 2000). */
    replicates: z.number().int().min(1).default(2000),
    /** Two-sided level: 0.95 gives the 2.5th and 97.5th percentiles. */
    level: z.number().gt(0).lt(1).default(0.95),
    seed: z.number().int().default(0),
    /** Resample whole patients (default: when the evaluation has patient ids; both eyes of a patient move together). */
    byPatient: z.boolean().optional(),
  })
  .strict();
export type EvaluationCiOptions = z.input<typeof evaluationCiOptionsSchema>;
