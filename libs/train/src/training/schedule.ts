import { z } from 'zod';

export const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }).strict(),
  /** lr * gamma^floor((step - warmup) / every) */
  z.object({ type: z.literal('step'), every: z.number().int().positive(), gamma: z.number().positive().max(1) }).strict(),
  /** Cosine decay from lr to minLr over the steps after warm-up. */
  z.object({ type: z.literal('cosine'), minLr: z.number().min(0).default(0) }).strict(),
]);
export type ScheduleConfig = z.input<typeof scheduleSchema>;

/**
 * Learning rate at 0-based `step` of `totalSteps`: linear warm-up from lr/warmupSteps to lr over the first
 * `warmupSteps`, then the schedule.
 */
export function learningRateAt(
  step: number, baseLr: number, schedule: z.output<typeof scheduleSchema>, warmupSteps: number, totalSteps: number,
): number {
  if (step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  const t = step - warmupSteps;
  switch (schedule.type) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * schedule.gamma ** Math.floor(t / schedule.every);
    case 'cosine': {
      const span = Math.max(1, totalSteps - warmupSteps);
      const frac = Math.min(1, t / span);
      return schedule.minLr + 0.5 * (baseLr - schedule.minLr) * (1 + Math.cos(Math.PI * frac));
    }
  }
}
