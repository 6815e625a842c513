// DeLong, DeLong & Clarke-Pearson (1988): the variance of a difference of correlated AUCs measured on the same
// images, from each image's "structural components" (placement values), computed by mid-ranks as in Sun & Xu
// (2014). Used as the analytic check beside the bootstrap: it sees the test-set variance only (the seeds are
// held fixed), and treats images as independent (patients are not grouped).
import { normalCdf, normalQuantile } from './normal.js';
import { midRanks } from './stats.js';
import type { RunScorer, TestData } from './test-scores.js';

/** One label's structural components: V10 per positive image, V01 per negative image; their means are the AUC. */
export interface Components {
  positives: number[];
  negatives: number[];
  v10: Float64Array;
  v01: Float64Array;
}

/** Structural components of binary `scores` (only `known` images), `positive` 0/1 per image. */
export function structuralComponents(scores: readonly number[], positive: readonly number[]): Components {
  const positives: number[] = [];
  const negatives: number[] = [];
  positive.forEach((p, i) => (p ? positives : negatives).push(i));
  const m = positives.length;
  const n = negatives.length;
  const all = midRanks(scores);
  const rx = midRanks(positives.map((i) => scores[i]!));
  const ry = midRanks(negatives.map((i) => scores[i]!));
  // V10(x) = P(Y < x) + ½P(Y = x) = (rank among all − rank among positives) / n; V01(y) = 1 − that of y / m.
  const v10 = Float64Array.from(positives, (i, a) => (all[i]! - rx[a]!) / n);
  const v01 = Float64Array.from(negatives, (i, b) => 1 - (all[i]! - ry[b]!) / m);
  return { positives, negatives, v10, v01 };
}

export interface DeLongResult {
  /** Σ coefficient × AUC of the arms (macro over labels). */
  delta: number;
  se: number;
  z: number;
  /** Two-sided p-value of delta = 0. */
  p: number;
  low: number;
  high: number;
  level: number;
}

/**
 * DeLong's test for a linear contrast Σ c_a · AUC_a of arms scored on the same test set; an arm with several
 * seeds enters with the mean of its seeds' components (the components of its mean AUC). For one label this is
 * DeLong's variance S10/m + S01/n of the contrast's components. For a macro AUC over several labels or classes
 * each image's influence is summed over labels before squaring (the delta method), which keeps the covariance
 * between labels measured on the same images; with one label it is DeLong's formula exactly.
 */
export function delongContrast(
  arms: { scorers: RunScorer[]; coefficient: number }[],
  level = 0.95,
): DeLongResult | undefined {
  const data: TestData | undefined = arms[0]?.scorers[0]?.data;
  if (!data || arms.some((a) => a.scorers.length === 0 || a.scorers.some((s) => s.data !== data))) return undefined;
  const { n: images, k } = data;
  const influence = new Float64Array(images);
  let delta = 0;
  let labels = 0;
  for (let l = 0; l < k; l++) {
    const idx: number[] = [];
    for (let i = 0; i < images; i++) if (data.known[i * k + l]) idx.push(i);
    const positive = idx.map((i) => data.positive[i * k + l]!);
    const m = positive.filter((p) => p).length;
    const n = idx.length - m;
    if (m < 2 || n < 2) continue; // the AUC (or its variance) is not defined for this label
    const d10 = new Float64Array(m);
    const d01 = new Float64Array(n);
    let positives: number[] = [];
    let negatives: number[] = [];
    for (const arm of arms) {
      for (const sc of arm.scorers) {
        const c = structuralComponents(
          idx.map((i) => sc.scores[i * k + l]!),
          positive,
        );
        const wgt = arm.coefficient / arm.scorers.length;
        c.v10.forEach((v, a) => (d10[a] += wgt * v));
        c.v01.forEach((v, b) => (d01[b] += wgt * v));
        positives = c.positives;
        negatives = c.negatives;
      }
    }
    const dl = d10.reduce((a, b) => a + b, 0) / m;
    delta += dl;
    labels++;
    // Centered, scaled so that the sum of squares is var(d10)/m + var(d01)/n (DeLong's small-sample form).
    const s10 = 1 / Math.sqrt(m * (m - 1));
    const s01 = 1 / Math.sqrt(n * (n - 1));
    positives.forEach((p, a) => (influence[idx[p]!] += (d10[a]! - dl) * s10));
    negatives.forEach((q, b) => (influence[idx[q]!] += (d01[b]! - dl) * s01));
  }
  if (labels === 0) return undefined;
  delta /= labels;
  let variance = 0;
  for (const x of influence) variance += (x / labels) ** 2;
  const se = Math.sqrt(variance);
  const z = se > 0 ? delta / se : delta === 0 ? 0 : Math.sign(delta) * Number.POSITIVE_INFINITY;
  const p = 2 * (1 - normalCdf(Math.abs(z)));
  const q = normalQuantile(1 - (1 - level) / 2);
  return { delta, se, z, p: Math.min(1, Math.max(0, p)), low: delta - q * se, high: delta + q * se, level };
}
