import { z } from 'zod';

/** How a conv layer's N×H×W×C activations become a datapoints × neurons matrix (see convToMatrix). */
export const convOptionsSchema = z
  .object({
    /** 'flatten': every spatial position is a datapoint (N·H·W × C), as in the SVCCA paper; 'pool': average over space (N × C). */
    mode: z.enum(['flatten', 'pool']).default('flatten'),
    /** Flatten only: keep at most this many datapoints, chosen uniformly without replacement with `seed`. */
    maxDatapoints: z.number().int().positive().optional(),
    seed: z.number().int().min(0).default(1),
  })
  .strict();
export type ConvOptions = z.input<typeof convOptionsSchema>;
