import { z } from 'zod';

export const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  /** lr * gamma^floor((step - warmup) / every) */
  z
    .object({ type: z.literal('step'), every: z.number().int().positive(), gamma: z.number().positive().max(1) })
    .strict(),
  /** Cosine decay from lr to minLr over the steps after warm-up. */
  z.object({ type: z.literal('cosine'), minLr: z.number().min(0).default(0) }).strict(),
]);
export type ScheduleConfig = z.input<typeof scheduleSchema>;
