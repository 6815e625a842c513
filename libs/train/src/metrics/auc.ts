// ROC AUC, exact and tie-aware: the Mann-Whitney U statistic with mid-ranks, which equals the trapezoidal
// area under the ROC curve that scikit-learn's roc_auc_score computes.
import { TrainError } from '../errors.js';
import { type NumArray, requireBinary, requireFinite, requireSameLength } from './validate.js';

/** AUC of `scores` for binary `labels` (0/1). Throws if only one class is present (as scikit-learn does). */
export function rocAuc(scores: NumArray, labels: NumArray): number {
  requireSameLength('rocAuc', scores, labels);
  requireFinite('rocAuc', scores, 'scores');
  requireBinary('rocAuc', labels, 'labels');
  const v = aucOrNaN(scores, labels);
  if (Number.isNaN(v)) {
    throw new TrainError('METRIC_BAD_INPUT', 'rocAuc: only one class present in labels; ROC AUC is not defined');
  }
  return v;
}

/** Same as rocAuc but returns NaN when a class is missing (for per-label reporting); inputs are trusted. */
export function aucOrNaN(scores: NumArray, labels: NumArray): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const midRank = (i + j) / 2 + 1; // 1-based average rank of the tie group
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!] === 1) {
        pos++;
        rankSumPos += midRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface MultiLabelAuc {
  /** One AUC per label; NaN where the (masked) label has a single class. */
  perLabel: number[];
  /** Mean over labels with a defined AUC. */
  macro: number;
  /** How many labels entered the macro mean. */
  defined: number;
}

/**
 * Per-label and macro AUC for N x L row-major scores/labels. `mask` (N x L, 1 = counts) drops ignored
 * entries label by label (e.g. uncertain CheXpert labels under U-Ignore).
 */
export function multiLabelAuc(scores: NumArray, labels: NumArray, numLabels: number, mask?: NumArray): MultiLabelAuc {
  requireSameLength('multiLabelAuc', scores, labels);
  if (!Number.isInteger(numLabels) || numLabels < 1 || scores.length % numLabels !== 0) {
    throw new TrainError(
      'METRIC_BAD_INPUT',
      `multiLabelAuc: ${scores.length} scores do not split into rows of ${numLabels} labels`,
    );
  }
  if (mask) requireSameLength('multiLabelAuc', mask, labels, 'mask', 'labels');
  requireFinite('multiLabelAuc', scores, 'scores');
  const n = scores.length / numLabels;
  const perLabel: number[] = [];
  for (let l = 0; l < numLabels; l++) {
    const s: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = i * numLabels + l;
      if (mask && !mask[k]) continue;
      if (labels[k] !== 0 && labels[k] !== 1) {
        throw new TrainError(
          'METRIC_BAD_INPUT',
          `multiLabelAuc: labels row ${i}, label ${l} is ${labels[k]} (expected 0 or 1, or mask it out)`,
        );
      }
      s.push(scores[k]!);
      y.push(labels[k]!);
    }
    perLabel.push(aucOrNaN(s, y));
  }
  const ok = perLabel.filter((v) => !Number.isNaN(v));
  return { perLabel, macro: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN, defined: ok.length };
}

/**
 * Referable-DR style AUC from a K-grade probability output (N x K rows): score = P(grade >= k),
 * positive = true grade >= k. Default k = 2 (moderate DR or worse).
 */
export function gradeThresholdAuc(probs: NumArray, grades: NumArray, numGrades: number, k = 2): number {
  if (probs.length !== grades.length * numGrades) {
    throw new TrainError(
      'METRIC_BAD_INPUT',
      `gradeThresholdAuc: expected ${grades.length} x ${numGrades} probabilities, got ${probs.length}`,
    );
  }
  if (!Number.isInteger(k) || k < 1 || k >= numGrades) {
    throw new TrainError(
      'METRIC_BAD_INPUT',
      `gradeThresholdAuc: threshold grade ${k} must be between 1 and ${numGrades - 1}`,
    );
  }
  const score = new Float64Array(grades.length);
  const y = new Uint8Array(grades.length);
  for (let i = 0; i < grades.length; i++) {
    let s = 0;
    for (let g = k; g < numGrades; g++) s += probs[i * numGrades + g]!;
    score[i] = s;
    y[i] = grades[i]! >= k ? 1 : 0;
  }
  return rocAuc(score, y);
}

/** Mean one-vs-rest AUC over classes for multi-class probabilities (MedMNIST's multi-class AUC). */
export function oneVsRestAuc(probs: NumArray, classes: NumArray, numClasses: number): number {
  if (probs.length !== classes.length * numClasses) {
    throw new TrainError(
      'METRIC_BAD_INPUT',
      `oneVsRestAuc: expected ${classes.length} x ${numClasses} probabilities, got ${probs.length}`,
    );
  }
  const onehot = new Uint8Array(probs.length);
  for (let i = 0; i < classes.length; i++) onehot[i * numClasses + classes[i]!] = 1;
  return multiLabelAuc(probs, onehot, numClasses).macro;
}
