import { TrainError } from '../errors.js';
import { type NumArray, requireBinary, requireFinite, requireSameLength } from './validate.js';

/**
 * Cohen's kappa with quadratic weights (scikit-learn `cohen_kappa_score(a, b, weights='quadratic')`).
 * `labels` fixes the rating scale (e.g. [0,1,2,3,4]); by default it is the sorted union of observed values,
 * exactly as scikit-learn does.
 */
export function quadraticWeightedKappa(a: NumArray, b: NumArray, labels?: number[]): number {
  requireSameLength('quadraticWeightedKappa', a, b, 'first ratings', 'second ratings');
  if (a.length === 0) throw new TrainError('METRIC_BAD_INPUT', 'quadraticWeightedKappa: no ratings');
  const scale = labels ?? [...new Set([...Array.from(a), ...Array.from(b)])].sort((x, y) => x - y);
  const pos = new Map(scale.map((v, i) => [v, i]));
  const k = scale.length;
  const obs = new Float64Array(k * k);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const ia = pos.get(a[i]!);
    const ib = pos.get(b[i]!);
    if (ia === undefined || ib === undefined) {
      if (labels) continue; // scikit-learn ignores pairs outside an explicit label set
      throw new TrainError('METRIC_BAD_INPUT', `quadraticWeightedKappa: rating ${a[i]} / ${b[i]} at ${i}`);
    }
    obs[ia * k + ib]! += 1;
    n++;
  }
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      rows[i]! += obs[i * k + j]!;
      cols[j]! += obs[i * k + j]!;
    }
  let num = 0;
  let den = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const w = (i - j) * (i - j);
      num += w * obs[i * k + j]!;
      den += (w * rows[i]! * cols[j]!) / n;
    }
  if (den === 0) return num === 0 ? 1 : NaN; // a single rating everywhere: perfect agreement by convention
  return 1 - num / den;
}

/** Index of the largest value in each row of an N x K matrix. */
export function argmaxRows(values: NumArray, k: number): Int32Array {
  const n = values.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (values[i * k + j]! > values[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** Fraction of equal entries (multi-class: predicted vs true class). */
export function accuracy(predicted: NumArray, truth: NumArray): number {
  requireSameLength('accuracy', predicted, truth, 'predictions', 'truth');
  if (truth.length === 0) throw new TrainError('METRIC_BAD_INPUT', 'accuracy: no samples');
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) ok++;
  return ok / truth.length;
}

/** Accuracy of thresholded probabilities against 0/1 labels (MedMNIST's binary / multi-label ACC). */
export function thresholdAccuracy(probs: NumArray, labels: NumArray, threshold = 0.5, mask?: NumArray): number {
  requireSameLength('thresholdAccuracy', probs, labels, 'probabilities');
  let ok = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (mask && !mask[i]) continue;
    n++;
    if ((probs[i]! > threshold ? 1 : 0) === labels[i]) ok++;
  }
  if (n === 0) throw new TrainError('METRIC_BAD_INPUT', 'thresholdAccuracy: no (unmasked) samples');
  return ok / n;
}

export interface OperatingPoint {
  sensitivity: number;
  specificity: number;
  /** Predict positive when score >= threshold. */
  threshold: number;
}

/**
 * Highest sensitivity whose specificity is at least `minSpecificity`, over all thresholds of the ROC
 * curve (ties handled: a threshold never splits equal scores). Equals max(tpr[fpr <= 1 - spec]) of
 * scikit-learn's roc_curve.
 */
export function sensitivityAtSpecificity(scores: NumArray, labels: NumArray, minSpecificity: number): OperatingPoint {
  requireSameLength('sensitivityAtSpecificity', scores, labels);
  requireFinite('sensitivityAtSpecificity', scores, 'scores');
  requireBinary('sensitivityAtSpecificity', labels, 'labels');
  if (!(minSpecificity >= 0 && minSpecificity <= 1)) {
    throw new TrainError(
      'METRIC_BAD_INPUT',
      `sensitivityAtSpecificity: specificity ${minSpecificity} must be in [0, 1]`,
    );
  }
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((x, y) => scores[y]! - scores[x]!);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i]!;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0)
    throw new TrainError('METRIC_BAD_INPUT', 'sensitivityAtSpecificity: labels need both classes');
  let best: OperatingPoint = { sensitivity: 0, specificity: 1, threshold: Infinity };
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; ) {
    const s = scores[idx[i]!]!;
    while (i < idx.length && scores[idx[i]!] === s) {
      if (labels[idx[i]!] === 1) tp++;
      else fp++;
      i++;
    }
    const spec = 1 - fp / neg;
    if (spec + 1e-12 >= minSpecificity && tp / pos > best.sensitivity)
      best = { sensitivity: tp / pos, specificity: spec, threshold: s };
  }
  return best;
}
