import { initKey, initOrder } from './init.js';
import type { Init, ModelInfo, Run, StudyResults, Task } from './schema.js';
import { mean, summarize, type Summary } from './stats.js';

/** Mean ± std over seeds of one AUC (or other metric with a CI), with the per-run bootstrap CI bounds averaged over seeds. */
export interface AucSummary extends Summary {
  ciLow: number;
  ciHigh: number;
}

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
  /** The runs' distinct `transferSource`s, joined with ' / ' (undefined when none says). */
  transferSource?: string;
  params: number;
  flopsPerImage: number;
  trainSeconds: Summary;
  imagesPerSecond: Summary;
}

function summarizeWithCi(values: { value: number; ciLow: number; ciHigh: number }[]): AucSummary {
  return {
    ...summarize(values.map((v) => v.value)),
    ciLow: mean(values.map((v) => v.ciLow)),
    ciHigh: mean(values.map((v) => v.ciHigh)),
  };
}

/** Groups runs by setting, in the order models are listed and inits are displayed. */
export function groupRuns(results: StudyResults): RunGroup[] {
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
    const perLabel: Record<string, AucSummary> = {};
    for (const label of task.labels) {
      const values = runs.map((r) => r.auc.perLabel[label]);
      if (values.every((v) => v !== undefined)) perLabel[label] = summarizeWithCi(values);
    }
    const metrics: Record<string, AucSummary> = {};
    for (const name of Object.keys(first.metrics ?? {}).sort()) {
      const values = runs.map((r) => r.metrics?.[name]);
      if (values.every((v) => v !== undefined)) metrics[name] = summarizeWithCi(values);
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
      macro: summarizeWithCi(runs.map((r) => r.auc.macro)),
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

export function findGroup(groups: readonly RunGroup[], q: { task?: string; regime?: string; model: string; initKey: string }): RunGroup | undefined {
  return groups.find(
    (g) =>
      g.model.id === q.model &&
      g.initKey === q.initKey &&
      (q.task === undefined || g.task.id === q.task) &&
      (q.regime === undefined || g.regime === q.regime),
  );
}
