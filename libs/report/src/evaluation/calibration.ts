// Calibration of a run's test probabilities: reliability bins and the expected calibration error (Guo et al.,
// "On Calibration of Modern Neural Networks", ICML 2017).
import type { RunScorer } from '../test-scores.js';

/** One equal-width bin of predicted probability. */
export interface ReliabilityBin {
  /** The bin covers (lower, upper]; the first bin also holds 0. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability (confidence) of the bin's predictions; NaN when the bin is empty. */
  confidence: number;
  /** Share of the bin's predictions that came true (label present, or top class correct); NaN when empty. */
  observed: number;
}

export interface Reliability {
  bins: ReliabilityBin[];
  /** Predictions binned. */
  total: number;
  /** Σ_b (n_b / N) · |observed_b − confidence_b| over the non-empty bins. */
  ece: number;
}

/** The bin of probability p among `bins` equal-width bins (b/bins, (b+1)/bins]; 0 falls in the first. */
export function binOf(p: number, bins: number): number {
  // Compared with the edges b / bins themselves, so that an edge such as 0.3 lands in the bin it closes, as
  // p * bins (3.0000000000000004 for 0.3) alone would not guarantee.
  let b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
  while (b > 0 && p <= b / bins) b--;
  while (b < bins - 1 && p > (b + 1) / bins) b++;
  return b;
}

/** Reliability bins and ECE of predicted probabilities against 0/1 outcomes. */
export function reliability(confidence: ArrayLike<number>, outcome: ArrayLike<number>, bins = 10): Reliability {
  const count = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  const hitSum = new Float64Array(bins);
  for (let i = 0; i < confidence.length; i++) {
    const b = binOf(confidence[i]!, bins);
    count[b] += 1;
    confSum[b] += confidence[i]!;
    hitSum[b] += outcome[i] ? 1 : 0;
  }
  const total = confidence.length;
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const n = count[b]!;
    const conf = n > 0 ? confSum[b]! / n : Number.NaN;
    const obs = n > 0 ? hitSum[b]! / n : Number.NaN;
    if (n > 0) ece += (n / total) * Math.abs(obs - conf);
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: n, confidence: conf, observed: obs });
  }
  return { bins: out, total, ece: total > 0 ? ece : Number.NaN };
}

/** What a run's calibration is judged on: one probability and whether it came true, per prediction. */
export interface CalibrationPairs {
  confidence: number[];
  outcome: number[];
}

/**
 * Binary and multi-label: every known (image, label) probability against the label. Multi-class: the
 * probability of the predicted (most probable) class against whether it is the true class (top-label
 * calibration, as Guo et al.).
 */
export function calibrationPairs(scorer: RunScorer): CalibrationPairs {
  const { n, k, classes, positive, known } = scorer.data;
  const out: CalibrationPairs = { confidence: [], outcome: [] };
  for (let i = 0; i < n; i++) {
    if (classes) {
      const predicted = scorer.predicted[i]!;
      out.confidence.push(scorer.scores[i * k + predicted]!);
      out.outcome.push(predicted === classes[i] ? 1 : 0);
      continue;
    }
    for (let l = 0; l < k; l++) {
      if (!known[i * k + l]) continue;
      out.confidence.push(scorer.scores[i * k + l]!);
      out.outcome.push(positive[i * k + l]!);
    }
  }
  return out;
}
