// The hierarchical bootstrap behind every interval of the report: a resample draws the test patients once
// (with replacement, shared by every arm, so a comparison is paired on the same images) and, within each arm,
// the seeds (with replacement). The statistic is a contrast of arm means, e.g. mean AUC(transfer) − mean
// AUC(random), or a single arm's mean for the tables' "interval of the mean".
import { mulberry32 } from '@transfusion/random';
import type { Run } from './schema.js';
import { mean } from './stats.js';
import type { ResampledMetric, RunScorer, TestData } from './test-scores.js';
import { unitWeights } from './test-scores.js';

export interface BootstrapSettings {
  resamples: number;
  /** Two-sided coverage of the percentile interval, e.g. 0.95. */
  level: number;
  seed: number;
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
  /** What a resample draws: the test patients and the seeds, or only the seeds (no per-image scores to resample). */
  resampled: 'patients and seeds' | 'seeds';
  /** The seeds of each arm. */
  seeds: number[][];
}

/** Type-7 (linear) percentile of ascending values; an infinite neighbour is taken as is (no ∞ − ∞). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  if (lo === hi || !Number.isFinite(a) || !Number.isFinite(b)) return h - lo < 0.5 ? a : b;
  return a + (h - lo) * (b - a);
}

function intervalOf(
  estimate: number,
  draws: number[],
  s: BootstrapSettings,
  resampled: Interval['resampled'],
  seeds: number[][],
): Interval {
  // A resample whose statistic is undefined (e.g. a class absent from it) says nothing about either side.
  const kept = draws.filter((d) => !Number.isNaN(d)).sort((a, b) => a - b);
  const tail = (1 - s.level) / 2;
  return {
    estimate,
    low: percentile(kept, tail),
    high: percentile(kept, 1 - tail),
    level: s.level,
    resamples: kept.length,
    resampled,
    seeds,
  };
}

/**
 * Seed-level bootstrap of any statistic of arm means (steps to a threshold, CCA values, run-level AUCs when no
 * per-image scores exist): each arm's values are resampled with replacement, `statistic` gets the arm means.
 */
export function bootstrapArms(
  arms: { values: number[]; seeds: number[] }[],
  statistic: (means: number[]) => number,
  s: BootstrapSettings,
): Interval {
  const random = mulberry32(s.seed);
  const estimate = statistic(arms.map((a) => mean(a.values)));
  const draws: number[] = [];
  for (let b = 0; b < s.resamples; b++) {
    draws.push(statistic(arms.map((a) => mean(a.values.map(() => a.values[Math.floor(random() * a.values.length)]!)))));
  }
  return intervalOf(
    estimate,
    draws,
    s,
    'seeds',
    arms.map((a) => a.seeds),
  );
}

/**
 * An arm of a contrast: the runs (seeds) of one setting, their test scorers when every run has per-image
 * scores, and the arm's coefficient in the contrast.
 */
export interface ContrastArm {
  runs: Run[];
  scorers?: RunScorer[];
  coefficient: number;
}

/** A run's metric on the whole test set as the run reports it (the seed-level fallback). */
function reported(run: Run, metric: ResampledMetric, labels: readonly string[]): number {
  if (metric === 'auc') return run.auc.macro.value;
  if (typeof metric === 'object') return run.auc.perLabel[labels[metric.label] ?? '']?.value ?? Number.NaN;
  return run.metrics?.[metric]?.value ?? Number.NaN;
}

/** Image weights of one resample of the patients: each image counts as often as its patient was drawn. */
export function resamplePatients(data: TestData, random: () => number, out: Float64Array): Float64Array {
  const drawn = new Float64Array(data.patients);
  for (let p = 0; p < data.patients; p++) drawn[Math.floor(random() * data.patients)]! += 1;
  for (let i = 0; i < data.n; i++) out[i] = drawn[data.patientOf[i]!]!;
  return out;
}

/**
 * Σ coefficient × (mean over the arm's seeds of `metric`), with its hierarchical-bootstrap interval. Paired on
 * the test images when every run has a scorer (all on one task's test set); otherwise seeds only.
 */
export function estimateContrast(
  arms: ContrastArm[],
  metric: ResampledMetric,
  s: BootstrapSettings,
  labels: readonly string[] = [],
): Interval {
  const seeds = arms.map((a) => a.runs.map((r) => r.seed));
  const data = arms[0]?.scorers?.[0]?.data;
  const paired =
    data !== undefined &&
    arms.every((a) => a.scorers !== undefined && a.scorers.length > 0 && a.scorers.every((sc) => sc.data === data));
  if (!paired) {
    return bootstrapArms(
      arms.map((a) => ({ values: a.runs.map((r) => reported(r, metric, labels)), seeds: a.runs.map((r) => r.seed) })),
      (means) => means.reduce((acc, m, i) => acc + arms[i]!.coefficient * m, 0),
      s,
    );
  }
  const lists = arms.map((a) => a.scorers!);
  const contrast = (w: Float64Array, pick: (list: RunScorer[]) => RunScorer[]): number =>
    lists.reduce((acc, list, i) => acc + arms[i]!.coefficient * mean(pick(list).map((sc) => sc.metric(metric, w))), 0);
  const estimate = contrast(unitWeights(data.n), (list) => list);
  const random = mulberry32(s.seed);
  const w = new Float64Array(data.n);
  const draws: number[] = [];
  for (let b = 0; b < s.resamples; b++) {
    resamplePatients(data, random, w);
    draws.push(contrast(w, (list) => list.map(() => list[Math.floor(random() * list.length)]!)));
  }
  return intervalOf(estimate, draws, s, 'patients and seeds', seeds);
}
