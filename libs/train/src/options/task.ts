import { z } from 'zod';

export const taskSchema = z.discriminatedUnion('type', [
  /** Independent binary labels (CheXpert, ChestX-ray14; binary tasks are L = 1). Sigmoid BCE. */
  z.object({ type: z.literal('multilabel'), labelNames: z.array(z.string()).optional() }).strict(),
  /** One class index per sample (DR grades 0-4). Softmax CE. */
  z
    .object({
      type: z.literal('multiclass'),
      numClasses: z.number().int().min(2),
      /** Ordered grades: also report quadratic weighted kappa. */
      ordinal: z.boolean().default(false),
      /** Also report the AUC of P(class >= k) for "class >= k" (referable DR: k = 2). */
      referableClass: z.number().int().min(1).optional(),
    })
    .strict(),
]);
export type TaskConfig = z.input<typeof taskSchema>;
export type Task = z.output<typeof taskSchema>;
