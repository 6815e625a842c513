import { initKey, initOrder } from './init.js';
import type { Init, ModelInfo, Run, StudyResults, Task } from './schema.js';
import { estimateContrast, type BootstrapSettings } from './paired-bootstrap.js';
import { mean, summarize, type Summary } from './stats.js';
import { runScorers, type ResampledMetric, type RunScorer } from './test-scores.js';

/**
 * Mean ± sample std over seeds of one test metric, with the interval of that mean from the hierarchical
 * bootstrap (test patients and seeds resampled); NaN bounds when the runs carry no per-image test scores.
 */
export interface AucSummary extends Summary {
  ciLow: number;
  ciHigh: number;
}

/** The report's bootstrap: the evaluation's resamples and level, a fixed seed so a report is reproducible. */
export const bootstrapSettings = (results: StudyResults): BootstrapSettings => ({
  ...results.evaluation.bootstrap,
  seed: 0,
});

/** All seeds of one (task, data regime, model, init) setting. */
export interface RunGroup {
  task: Task;
  regime: Run['data']['regime'];
  trainImages: number;
  model: ModelInfo;
  init: Init;
  initKey: string;
  runs: Run[];
  seeds: number[];
  macro: AucSummary;
  perLabel: Record<string, AucSummary>;
  /** Further test metrics (`acc`, `kappa`, …) that every seed of the group has. */
  metrics: Record<string, AucSummary>;
  /** Per-image test scorers of the runs (same order), when every run has test scores. */
  scorers?: RunScorer[];
  /** The runs' distinct `transferSource`s, joined with ' / ' (undefined when none says). */
  transferSource?: string;
  params: number;
  flopsPerImage: number;
  trainSeconds: Summary;
  imagesPerSecond: Summary;
}

/** The seeds' values summarized, with the bootstrap interval of their mean when the runs have scorers. */
function summarizeMean(
  runs: Run[],
  values: number[],
  metric: ResampledMetric,
  scorers: RunScorer[] | undefined,
  settings: BootstrapSettings,
): AucSummary {
  if (!scorers) return { ...summarize(values), ciLow: Number.NaN, ciHigh: Number.NaN };
  const ci = estimateContrast([{ runs, scorers, coefficient: 1 }], metric, settings);
  return { ...summarize(values), ciLow: ci.low, ciHigh: ci.high };
}

/** Groups runs by setting, in the order models are listed and inits are displayed. */
export function groupRuns(
  results: StudyResults,
  scorerOf: ReadonlyMap<string, RunScorer> = runScorers(results),
): RunGroup[] {
  const settings = bootstrapSettings(results);
  const models = new Map(results.models.map((m, i) => [m.id, { m, i }]));
  const tasks = new Map(results.tasks.map((t, i) => [t.id, { t, i }]));
  const byKey = new Map<string, Run[]>();
  for (const run of results.runs) {
    const key = JSON.stringify([run.task, run.data.regime, run.model, initKey(run.init)]);
    const list = byKey.get(key) ?? [];
    list.push(run);
    byKey.set(key, list);
  }
  const groups: RunGroup[] = [];
  for (const runs of byKey.values()) {
    const first = runs[0]!;
    const task = tasks.get(first.task)!.t;
    const found = runs.map((r) => scorerOf.get(r.id));
    const scorers = found.every((s) => s !== undefined) ? (found as RunScorer[]) : undefined;
    const perLabel: Record<string, AucSummary> = {};
    task.labels.forEach((label, l) => {
      const values = runs.map((r) => r.auc.perLabel[label]?.value);
      if (values.every((v) => v !== undefined))
        perLabel[label] = summarizeMean(
          runs,
          values as number[],
          { label: l },
          task.labels.length > 1 ? scorers : undefined,
          settings,
        );
    });
    if (task.labels.length === 1 && perLabel[task.labels[0]!])
      perLabel[task.labels[0]!] = summarizeMean(
        runs,
        runs.map((r) => r.auc.macro.value),
        'auc',
        scorers,
        settings,
      );
    const metrics: Record<string, AucSummary> = {};
    for (const name of Object.keys(first.metrics ?? {}).sort()) {
      const values = runs.map((r) => r.metrics?.[name]?.value);
      if (!values.every((v) => v !== undefined)) continue;
      const resampled = name === 'acc' || (name === 'kappa' && task.kind === 'multiclass');
      metrics[name] = summarizeMean(
        runs,
        values as number[],
        name as ResampledMetric,
        resampled ? scorers : undefined,
        settings,
      );
    }
    const sources = [...new Set(runs.flatMap((r) => (r.transferSource ? [r.transferSource] : [])))];
    groups.push({
      ...(sources.length ? { transferSource: sources.join(' / ') } : {}),
      task,
      regime: first.data.regime,
      trainImages: Math.round(mean(runs.map((r) => r.data.trainImages))),
      model: models.get(first.model)!.m,
      init: first.init,
      initKey: initKey(first.init),
      runs,
      seeds: runs.map((r) => r.seed).sort((a, b) => a - b),
      macro: summarizeMean(
        runs,
        runs.map((r) => r.auc.macro.value),
        'auc',
        scorers,
        settings,
      ),
      ...(scorers ? { scorers } : {}),
      perLabel,
      metrics,
      params: Math.round(mean(runs.map((r) => r.cost.params))),
      flopsPerImage: mean(runs.map((r) => r.cost.flopsPerImage)),
      trainSeconds: summarize(runs.map((r) => r.cost.trainSeconds)),
      imagesPerSecond: summarize(runs.map((r) => r.cost.imagesPerSecond)),
    });
  }
  const order = (g: RunGroup): number[] => [
    tasks.get(g.task.id)!.i,
    g.regime === 'full' ? 0 : 1,
    models.get(g.model.id)!.i,
    initOrder(g.init, g.model),
  ];
  return groups.sort((a, b) => {
    const oa = order(a);
    const ob = order(b);
    for (let i = 0; i < oa.length; i++) if (oa[i] !== ob[i]) return oa[i]! - ob[i]!;
    return 0;
  });
}

export function findGroup(
  groups: readonly RunGroup[],
  q: { task?: string; regime?: string; model: string; initKey: string },
): RunGroup | undefined {
  return groups.find(
    (g) =>
      g.model.id === q.model &&
      g.initKey === q.initKey &&
      (q.task === undefined || g.task.id === q.task) &&
      (q.regime === undefined || g.regime === q.regime),
  );
}
