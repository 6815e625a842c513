import type { Table } from 'apache-arrow';
import type { CcaResult, FilterSnapshot, Run, StudyResultsInput } from '@transfusion/report';
import { StudyError, runOfTable, type RunInfo } from './run-info.js';

type Row = Record<string, unknown>;
const rowsOf = (t: Table): Row[] => t.toArray().map((r) => r.toJSON() as Row);

/** A run's validation curve: the train loss and every `val_*` metric at each evaluation. */
export function historyOf(t: Table): Run['history'] {
  return rowsOf(t).map((r) => {
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(r))
      if (k.startsWith('val_') && typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
    return { step: r['step'] as number, loss: r['train_loss'] as number, metrics };
  });
}

/** The report's run: the train stage's run info, its history and the evaluate stage's test AUCs. */
export function reportRun(run: RunInfo, history: Table, metricsTable: Table, origin: string): Run {
  const byMetric = new Map(rowsOf(metricsTable).map((r) => [r['metric'] as string, r]));
  const ci = (name: string) => {
    const r = byMetric.get(name);
    if (!r) return undefined;
    return { value: r['value'] as number, ciLow: r['ciLow'] as number, ciHigh: r['ciHigh'] as number };
  };
  const macro = ci('auc');
  if (!macro) throw new StudyError('STUDY_BAD_ARTIFACT', `${origin}: no 'auc' row in the metrics of ${run.id}`);
  const perLabel: Record<string, { value: number; ciLow: number; ciHigh: number }> = {};
  for (const label of run.labels) {
    const v = ci(`auc/${label}`) ?? (run.labels.length === 1 ? macro : undefined);
    if (v) perLabel[label] = v;
  }
  const metrics: NonNullable<Run['metrics']> = {};
  for (const name of FURTHER_METRICS) {
    const v = ci(name);
    if (v) metrics[name] = v;
  }
  const { kind, step, monitor, value } = run.checkpoint;
  return {
    id: run.id,
    model: run.model,
    init: run.init,
    seed: run.seed,
    task: run.task,
    data: { dataset: run.dataset, trainImages: run.trainImages, regime: run.regime },
    auc: { macro, perLabel },
    history: historyOf(history),
    cost: run.cost,
    ...(Object.keys(metrics).length ? { metrics } : {}),
    checkpoint: {
      kind,
      step,
      ...(monitor !== undefined ? { monitor } : {}),
      ...(value !== undefined ? { value } : {}),
    },
    ...(run.transferSource ? { transferSource: run.transferSource } : {}),
  };
}

/** Test metrics besides the AUC that the report shows (accuracy, quadratic-weighted kappa, referable AUC). */
const FURTHER_METRICS = ['acc', 'kappa', 'referable_auc'] as const;

/**
 * A task scored from another task's models (the referable task P(grade ≥ k) of a graded model): each run of
 * `from.task` that has the test metric `from.metric` becomes a run of `task`, with that metric as its AUC and
 * the validation curve `from.history` as its convergence curve (`val_auc` of the derived run).
 */
export function derivedRuns(
  runs: Run[],
  task: string,
  label: string,
  from: { task: string; metric: string; history: string },
): Run[] {
  return runs.flatMap((r) => {
    const m = r.metrics?.[from.metric];
    if (r.task !== from.task || !m) return [];
    const history = r.history.flatMap((h) => {
      const v = h.metrics[from.history];
      return v === undefined ? [] : [{ step: h.step, loss: h.loss, metrics: { val_auc: v } }];
    });
    // the graded task's metrics and per-class scores are not this task's (derivedPredictions adds its scores)
    const { metrics: _others, test: _scores, ...rest } = r;
    return [
      { ...rest, id: `${r.id}#${task}`, task, auc: { macro: m, perLabel: { [label]: m } }, history, derivedFrom: r.id },
    ];
  });
}

/** Pairs each metrics table with the history of the same run (by run id). */
export function joinRuns(histories: Table[], metrics: Table[]): Run[] {
  const hist = new Map<string, Table>();
  histories.forEach((t, i) => hist.set(runOfTable(t, `histories[${i}]`).id, t));
  return metrics.map((m, i) => {
    const run = runOfTable(m, `metrics[${i}]`);
    const h = hist.get(run.id);
    if (!h)
      throw new StudyError(
        'STUDY_MISSING_RUN',
        `metrics[${i}]: run ${run.id} has no history among the report's inputs`,
      );
    return reportRun(run, h, m, `metrics[${i}]`);
  });
}

/** The CCA stages' long tables (one, or one per model group) as the report's per-variant results. */
export function ccaResults(
  tables: Table[],
  variants: { id: string; method: CcaResult['variant']['method']; description: string }[],
): CcaResult[] {
  const rows = tables.flatMap(rowsOf);
  return variants.map((variant) => {
    const mine = rows.filter((r) => r['method'] === variant.method);
    const ref = (r: Row) => ({
      model: r['model'] as string,
      layer: r['layer'] as string,
      layerIndex: r['layerIndex'] as number,
    });
    return {
      variant,
      betweenModels: mine
        .filter((r) => r['analysis'] === 'between')
        .map((r) => ({
          ...ref(r),
          comparison: r['comparison'] as 'rand-rand' | 'rand-pretrained',
          seedA: r['seedA'] as number,
          seedB: r['seedB'] as number,
          value: r['value'] as number,
        })),
      initFinal: mine
        .filter((r) => r['analysis'] === 'initFinal')
        .map((r) => ({
          ...ref(r),
          init: r['init'] as 'random' | 'pretrained',
          seed: r['seedA'] as number,
          value: r['value'] as number,
        })),
      initVsFinal: mine
        .filter((r) => r['analysis'] === 'initVsFinal')
        .map((r) => ({
          ...ref(r),
          pair: r['pair'] as string,
          atInit: r['atInit'] as number,
          afterTraining: r['value'] as number,
          ...(r['comparison'] ? { comparison: r['comparison'] as string } : {}),
        })),
    };
  });
}

export type { FilterSnapshot, StudyResultsInput };
