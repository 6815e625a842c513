import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import { defineStage } from '@transfusion/pipeline';
import type { HistoryEntry } from '@transfusion/train';
import { runOfTable } from '../lib/run-info.js';
import { convergenceKind, historyKind } from '../lib/artifact-kinds.js';

/**
 * Convergence (Figs 6–8) per run and validation metric: best and final value and the first step reaching each
 * level. Levels are relative to the task, never absolute AUCs: 0.5 + f · (the task's best final value − 0.5),
 * i.e. a fraction f of the way from chance to the best run's final validation AUC. Metrics a run's history lacks
 * (e.g. `val_referable_auc` of a task that is not graded) are skipped.
 */
export const convergenceStage = defineStage({
  id: 'convergence',
  source: import.meta.url,
  description: 'per run: best/final validation AUC and steps to reach levels relative to the task (Figs 6-8)',
  params: z.strictObject({
    /** History metrics, e.g. `val_auc` and the referable task's `val_referable_auc`. */
    metrics: z.array(z.string().min(1)).min(1).default(['val_auc', 'val_referable_auc']),
    /** Levels relative to each task: 0.5 + f · (best final value of the task − 0.5). */
    fractions: z.array(z.number().gt(0).max(1)).min(1).default([0.8, 0.9]),
  }),
  inputs: { histories: { kind: historyKind, many: true } },
  outputs: { convergence: convergenceKind },
  async run(ctx) {
    const { metrics, fractions } = ctx.params;
    const { stepsToThreshold } = await import('@transfusion/train');
    const curves = ctx.inputs.histories.flatMap((t, i) => {
      const run = runOfTable(t, `histories[${i}]`);
      const rows = t.toArray().map((r) => r.toJSON() as Record<string, number>);
      return metrics.flatMap((metric) => {
        if (!t.schema.fields.some((f) => f.name === metric)) return [];
        const history: HistoryEntry[] = rows.map((r) => ({
          step: r['step']!,
          epoch: r['epoch']!,
          lr: r['lr']!,
          seconds: r['seconds']!,
          metrics: { [metric]: r[metric] ?? NaN },
        }));
        const values = history.map((h) => h.metrics[metric]!).filter(Number.isFinite);
        return [{ run, metric, history, best: values.length ? Math.max(...values) : NaN, final: values.at(-1) ?? NaN }];
      });
    });
    const bestFinal = new Map<string, number>();
    const key = (c: (typeof curves)[number]) => `${c.run.task}\u0000${c.metric}`;
    for (const c of curves)
      if (Number.isFinite(c.final)) bestFinal.set(key(c), Math.max(bestFinal.get(key(c)) ?? -Infinity, c.final));
    const cols = {
      run: [] as string[],
      task: [] as string[],
      metric: [] as string[],
      model: [] as string[],
      init: [] as string[],
      seed: [] as number[],
      regime: [] as string[],
      best: [] as number[],
      final: [] as number[],
      level: [] as string[],
      threshold: [] as number[],
      steps: [] as number[],
    };
    for (const c of curves) {
      const top = bestFinal.get(key(c));
      if (top === undefined) continue;
      for (const f of fractions) {
        const threshold = 0.5 + f * (top - 0.5);
        const step = stepsToThreshold(c.history, c.metric, threshold, 'max');
        cols.run.push(c.run.id);
        cols.task.push(c.run.task);
        cols.metric.push(c.metric);
        cols.model.push(c.run.model);
        cols.init.push(c.run.init.kind === 'transfusion' ? `transfusion:${c.run.init.upTo}` : c.run.init.kind);
        cols.seed.push(c.run.seed);
        cols.regime.push(c.run.regime);
        cols.best.push(c.best);
        cols.final.push(c.final);
        cols.level.push(`${Math.round(f * 100)}% of the way to the best final`);
        cols.threshold.push(threshold);
        cols.steps.push(step ?? -1);
      }
    }
    ctx.log(`${ctx.inputs.histories.length} runs, ${curves.length} curves (${metrics.join(', ')})`);
    return {
      convergence: tableFromArrays({
        run: cols.run,
        task: cols.task,
        metric: cols.metric,
        model: cols.model,
        init: cols.init,
        seed: Int32Array.from(cols.seed),
        regime: cols.regime,
        best: Float64Array.from(cols.best),
        final: Float64Array.from(cols.final),
        level: cols.level,
        threshold: Float64Array.from(cols.threshold),
        steps: Int32Array.from(cols.steps),
      }),
    };
  },
});
