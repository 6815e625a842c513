// The confusion matrix of a multi-class run's predicted (most probable) class, and its sum over seeds.
import type { RunScorer } from '../test-scores.js';

/** K × K counts, row = true class, column = predicted class. */
export type ConfusionCounts = number[][];

export function confusionCounts(classes: ArrayLike<number>, predicted: ArrayLike<number>, k: number): ConfusionCounts {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < classes.length; i++) m[classes[i]!]![predicted[i]!]! += 1;
  return m;
}

/** Counts summed over runs (each run classifies every test image once); undefined for a task without classes. */
export function summedConfusion(scorers: readonly RunScorer[]): ConfusionCounts | undefined {
  const first = scorers[0];
  if (!first?.data.classes) return undefined;
  const k = first.data.k;
  const sum = confusionCounts([], [], k);
  for (const s of scorers) {
    const m = confusionCounts(s.data.classes!, s.predicted, k);
    m.forEach((row, a) => row.forEach((v, b) => (sum[a]![b]! += v)));
  }
  return sum;
}

/** Each row divided by its total: of the images of a true class, the share given each class (NaN for an empty row). */
export function rowRates(m: ConfusionCounts): number[][] {
  return m.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total > 0 ? v / total : Number.NaN));
  });
}
