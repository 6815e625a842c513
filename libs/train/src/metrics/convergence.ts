import { TrainError } from '../errors.js';

export interface HistoryPoint {
  step: number;
  metrics: Record<string, number>;
}

/**
 * First step at which `metric` reaches `threshold` (>= for 'max' metrics like AUC, <= for 'min' like loss),
 * or null if it never does. The study's "steps to convergence" comparisons use this.
 */
export function stepsToThreshold(
  history: readonly HistoryPoint[],
  metric: string,
  threshold: number,
  mode: 'max' | 'min' = 'max',
): number | null {
  if (!Number.isFinite(threshold))
    throw new TrainError('METRIC_BAD_INPUT', `stepsToThreshold: threshold ${threshold} is not finite`);
  if (history.length > 0 && !history.some((h) => metric in h.metrics)) {
    const known = [...new Set(history.flatMap((h) => Object.keys(h.metrics)))].join(', ');
    throw new TrainError(
      'METRIC_BAD_INPUT',
      `stepsToThreshold: no history entry has metric '${metric}' (known: ${known})`,
    );
  }
  const sorted = [...history].sort((a, b) => a.step - b.step);
  for (const h of sorted) {
    const v = h.metrics[metric];
    if (v === undefined || Number.isNaN(v)) continue;
    if (mode === 'max' ? v >= threshold : v <= threshold) return h.step;
  }
  return null;
}
