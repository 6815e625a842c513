import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import { defineStage } from '@transfusion/pipeline';
import type { HistoryEntry } from '@transfusion/train';
import { runOfTable } from '../lib/run-info.js';

/**
 * Convergence (Figs 6–8) per run: best and final validation AUC and the first step reaching each threshold,
 * as absolute levels and as fractions of the way from chance (0.5) to the run's task's best AUC.
 */
export const convergenceStage = defineStage({
  id: 'convergence',
  source: import.meta.url,
  description: 'per run: best/final validation AUC and steps to reach AUC thresholds (Figs 6-8)',
  params: z.strictObject({
    metric: z.string().min(1).default('val_auc'),
    /** Absolute AUC levels (the paper uses 0.91 on RETINA). */
    thresholds: z.array(z.number().gt(0).lt(1)).default([]),
    /** Levels relative to each task: 0.5 + f · (best mean AUC of the task − 0.5). */
    fractions: z.array(z.number().gt(0).max(1)).default([0.8, 0.9]),
  }),
  inputs: { histories: { kind: 'table', many: true } },
  outputs: { convergence: 'table' },
  async run(ctx) {
    const { metric, thresholds, fractions } = ctx.params;
    const { stepsToThreshold } = await import('@transfusion/train');
    const runs = ctx.inputs.histories.map((t, i) => {
      const run = runOfTable(t, `histories[${i}]`);
      const rows = t.toArray().map((r) => r.toJSON() as Record<string, number>);
      const history: HistoryEntry[] = rows.map((r) => ({ step: r['step']!, epoch: r['epoch']!, lr: r['lr']!, seconds: r['seconds']!, metrics: { [metric]: r[metric] ?? NaN } }));
      const values = history.map((h) => h.metrics[metric]!).filter(Number.isFinite);
      return { run, history, best: values.length ? Math.max(...values) : NaN, final: values.at(-1) ?? NaN };
    });
    const bestOfTask = new Map<string, number>();
    for (const r of runs) bestOfTask.set(r.run.task, Math.max(bestOfTask.get(r.run.task) ?? -Infinity, r.best));
    const cols = { run: [] as string[], task: [] as string[], model: [] as string[], init: [] as string[], seed: [] as number[], regime: [] as string[], best: [] as number[], final: [] as number[], level: [] as string[], threshold: [] as number[], steps: [] as number[] };
    for (const r of runs) {
      const levels: [string, number][] = [
        ...thresholds.map((t) => [`auc ${t}`, t] as [string, number]),
        ...fractions.map((f) => [`${Math.round(f * 100)}% of best`, 0.5 + f * (bestOfTask.get(r.run.task)! - 0.5)] as [string, number]),
      ];
      for (const [level, threshold] of levels) {
        const step = stepsToThreshold(r.history, metric, threshold, 'max');
        cols.run.push(r.run.id); cols.task.push(r.run.task); cols.model.push(r.run.model);
        cols.init.push(r.run.init.kind === 'transfusion' ? `transfusion:${r.run.init.upTo}` : r.run.init.kind);
        cols.seed.push(r.run.seed); cols.regime.push(r.run.regime); cols.best.push(r.best); cols.final.push(r.final);
        cols.level.push(level); cols.threshold.push(threshold); cols.steps.push(step ?? -1);
      }
    }
    ctx.log(`${runs.length} runs`);
    return {
      convergence: tableFromArrays({
        run: cols.run, task: cols.task, model: cols.model, init: cols.init, seed: Int32Array.from(cols.seed), regime: cols.regime,
        best: Float64Array.from(cols.best), final: Float64Array.from(cols.final), level: cols.level,
        threshold: Float64Array.from(cols.threshold), steps: Int32Array.from(cols.steps),
      }),
    };
  },
});
