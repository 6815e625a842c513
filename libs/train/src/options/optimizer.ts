import { z } from 'zod';

/** Adam or SGD (momentum, Nesterov); weight decay is decoupled (AdamW/SGDW) and applies to conv/dense kernels only. */
export const optimizerSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('adam'),
      lr: z.number().positive().default(1e-3),
      beta1: z.number().min(0).max(1).default(0.9),
      beta2: z.number().min(0).max(1).default(0.999),
      epsilon: z.number().positive().default(1e-7),
      weightDecay: z.number().min(0).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal('sgd'),
      lr: z.number().positive().default(0.01),
      momentum: z.number().min(0).max(1).default(0.9),
      nesterov: z.boolean().default(false),
      weightDecay: z.number().min(0).default(0),
    })
    .strict(),
]);
export type OptimizerConfig = z.input<typeof optimizerSchema>;
