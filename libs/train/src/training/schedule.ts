import type { z } from 'zod';
import type { scheduleSchema } from '../options/schedule.js';

/**
 * Learning rate at 0-based `step` of `totalSteps`: linear warm-up from lr/warmupSteps to lr over the first
 * `warmupSteps`, then the schedule.
 */
export function learningRateAt(
  step: number,
  baseLr: number,
  schedule: z.output<typeof scheduleSchema>,
  warmupSteps: number,
  totalSteps: number,
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
