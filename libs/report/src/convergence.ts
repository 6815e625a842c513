import type { RunGroup } from './aggregate.js';
import type { ReportOptions } from './options.js';
import type { Run } from './schema.js';
import { mean, sampleStd } from './stats.js';

export interface CurvePoint {
  step: number;
  mean: number;
  std: number;
  n: number;
}

/** The convergence metric of one run as (step, value), skipping points that lack it. */
export function runCurve(run: Run, metric: string): { step: number; value: number }[] {
  return run.history.flatMap((h) => (metric in h.metrics ? [{ step: h.step, value: h.metrics[metric]! }] : []));
}

/** Mean ± std over seeds at each evaluated step (a step is kept when at least one seed evaluated it). */
export function meanCurve(runs: readonly Run[], metric: string): CurvePoint[] {
  const bySteps = new Map<number, number[]>();
  for (const run of runs) {
    for (const p of runCurve(run, metric)) {
      const list = bySteps.get(p.step) ?? [];
      list.push(p.value);
      bySteps.set(p.step, list);
    }
  }
  return [...bySteps.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, vs]) => ({ step, mean: mean(vs), std: vs.length > 1 ? sampleStd(vs) : 0, n: vs.length }));
}

/** First evaluated step at which the metric reaches `threshold`, or null if it never does. */
export function stepsToThreshold(run: Run, metric: string, threshold: number): number | null {
  for (const p of runCurve(run, metric)) if (p.value >= threshold) return p.step;
  return null;
}

/** A run's last evaluated value of the metric (its final validation AUC), NaN when it has none. */
export function finalValue(run: Run, metric: string): number {
  return runCurve(run, metric).at(-1)?.value ?? Number.NaN;
}

/**
 * The AUC level at which convergence speed is compared on a task, relative to that task (never an absolute
 * AUC, which a harder task might never reach): chance (0.5) plus `thresholdFraction` of the way to the task's
 * best final AUC — the highest mean (over seeds) final validation AUC of any setting of the task.
 */
export function convergenceThreshold(taskGroups: readonly RunGroup[], metric: string, options: ReportOptions): number {
  const finals = taskGroups.map((g) => mean(g.runs.map((r) => finalValue(r, metric)))).filter((v) => !Number.isNaN(v));
  const best = Math.max(...finals);
  return 0.5 + options.thresholdFraction * (best - 0.5);
}

export interface StepsSummary {
  initKey: string;
  /** Per seed; null where the run never reached the threshold. */
  perRun: (number | null)[];
  /** Mean over seeds, or null unless every seed reached the threshold (a slower seed must not vanish from the mean). */
  mean: number | null;
  reached: number;
  runs: number;
}

export function summarizeSteps(group: RunGroup, metric: string, threshold: number): StepsSummary {
  const perRun = group.runs.map((r) => stepsToThreshold(r, metric, threshold));
  const hit = perRun.filter((s): s is number => s !== null);
  return {
    initKey: group.initKey,
    perRun,
    mean: hit.length === perRun.length && hit.length > 0 ? mean(hit) : null,
    reached: hit.length,
    runs: perRun.length,
  };
}
