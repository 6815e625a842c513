// ROC curves of a run's test scores: the exact operating points of one label, their TPR at a fixed FPR grid
// (so that curves of several labels or seeds can be averaged vertically), and the macro average over labels.
import type { RunScorer } from '../test-scores.js';

/** The operating points of one label, in order of decreasing threshold, from (0, 0) to (1, 1). */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** The score threshold of each point (score ≥ threshold is called positive); Infinity for the first point. */
  thresholds: number[];
}

/**
 * The exact ROC of scores against 0/1 outcomes, as scikit-learn's `roc_curve(..., drop_intermediate=False)`:
 * one point per distinct score, images of equal score passing the threshold together (a tie of positives and
 * negatives is a diagonal step, which is what counting ties as half in the AUC means), preceded by (0, 0).
 * Undefined when either class is absent: no rate can be formed.
 */
export function rocCurve(scores: ArrayLike<number>, positive: ArrayLike<number>): RocCurve | undefined {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < positive.length; i++) positives += positive[i] ? 1 : 0;
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Number.POSITIVE_INFINITY] };
  let tp = 0;
  let fp = 0;
  for (let p = 0; p < order.length; p++) {
    const i = order[p]!;
    if (positive[i]) tp++;
    else fp++;
    const next = order[p + 1];
    if (next !== undefined && scores[next] === scores[i]) continue; // the rest of this tie group passes with it
    curve.fpr.push(fp / negatives);
    curve.tpr.push(tp / positives);
    curve.thresholds.push(scores[i]!);
  }
  return curve;
}

/** Area under the piecewise-linear curve through the points (trapezoids); equals the AUC with ties counted half. */
export function rocArea(curve: RocCurve): number {
  let area = 0;
  for (let p = 1; p < curve.fpr.length; p++)
    area += ((curve.fpr[p]! - curve.fpr[p - 1]!) * (curve.tpr[p]! + curve.tpr[p - 1]!)) / 2;
  return area;
}

/** `steps + 1` evenly spaced false-positive rates from 0 to 1. */
export const fprGrid = (steps = 100): number[] => Array.from({ length: steps + 1 }, (_, i) => i / steps);

/**
 * The curve's TPR at each FPR of the grid, as Fawcett's (2006) vertical averaging reads a curve: at an FPR the
 * curve passes through, the highest TPR it reaches there (the top of a vertical step); between points, linear
 * interpolation. So at FPR 0 the value is the TPR reached before the first false positive.
 */
export function tprAtGrid(curve: RocCurve, grid: readonly number[]): number[] {
  const { fpr, tpr } = curve;
  let p = 0;
  return grid.map((f) => {
    while (p + 1 < fpr.length && fpr[p + 1]! <= f) p++;
    if (fpr[p] === f || p + 1 === fpr.length) return tpr[p]!;
    const t = (f - fpr[p]!) / (fpr[p + 1]! - fpr[p]!);
    return tpr[p]! + t * (tpr[p + 1]! - tpr[p]!);
  });
}

/** One label's scores and outcomes over the images where that label is known. */
export function labelColumn(scorer: RunScorer, label: number): { scores: number[]; positive: number[] } {
  const { n, k, positive, known } = scorer.data;
  const out: { scores: number[]; positive: number[] } = { scores: [], positive: [] };
  for (let i = 0; i < n; i++) {
    const j = i * k + label;
    if (!known[j]) continue;
    out.scores.push(scorer.scores[j]!);
    out.positive.push(positive[j]!);
  }
  return out;
}

/**
 * A run's ROC at the grid: for one label, that label's curve; for several labels (multi-label) or classes
 * (multi-class, one-vs-rest), the mean TPR over the labels whose curve exists (both outcomes present).
 */
export function macroRocAtGrid(scorer: RunScorer, grid: readonly number[]): number[] {
  const sum = new Float64Array(grid.length);
  let labels = 0;
  for (let l = 0; l < scorer.data.k; l++) {
    const { scores, positive } = labelColumn(scorer, l);
    const curve = rocCurve(scores, positive);
    if (!curve) continue;
    tprAtGrid(curve, grid).forEach((t, g) => (sum[g] += t));
    labels++;
  }
  return Array.from(sum, (s) => (labels > 0 ? s / labels : Number.NaN));
}
