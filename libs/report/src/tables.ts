import { groupRuns, type AucSummary, type RunGroup } from './aggregate.js';
import { ciPct, count, duration, meanCiFixed, meanCiPct, pct } from './format.js';
import { initLabel } from './init.js';
import { paperValue, type PaperValue } from './paper-values.js';
import type { StudyResults, Task } from './schema.js';
import { seedSpread } from './stats.js';
import { taskTableNotes } from './table-notes.js';

export interface ReportTable {
  id: string;
  title: string;
  caption: string;
  columns: { label: string; numeric: boolean }[];
  rows: string[][];
  /** The numbers behind the rows (fractions, not percent), for results.json. */
  data: Record<string, unknown>[];
  /** Lines shown under the table: which checkpoint the numbers come from, the task's description. */
  notes: string[];
}

/** "binary: referable DR", "multilabel, 5 labels", "multiclass, ordinal, 5 classes". */
export function describeTaskKind(task: Task): string {
  if (task.kind === 'multiclass') return `multiclass${task.ordinal ? ', ordinal' : ''}, ${task.labels.length} classes`;
  return task.labels.length > 1 ? `${task.kind}, ${task.labels.length} labels` : `${task.kind}: ${task.labels[0]}`;
}

const perLabelName = (task: Task): string =>
  task.kind === 'multiclass' ? 'one-vs-rest AUC per class' : 'AUC per label';

function paperCell(v: PaperValue | undefined): string {
  if (!v) return '–';
  const s = v.std !== undefined ? `${v.mean.toFixed(2)} ± ${v.std.toFixed(2)}` : v.mean.toFixed(2);
  return v.secondary ? `${s} †` : s;
}

const paperNote =
  'The "Paper" column is the published value of Raghu et al. 2019 for the corresponding setting (not ours); † marks values quoted from secondary sources.';

/** How the CI column was computed, or why it is empty. */
function intervalNote(groups: RunGroup[], level: number): string {
  const pctLevel = `${Math.round(level * 100)}%`;
  if (groups.every((g) => g.scorers)) {
    return `the CI is the ${pctLevel} interval of that mean from a hierarchical bootstrap (test patients resampled, then the seeds), so it holds both the test-set and the seed-to-seed variation.`;
  }
  return `no per-image test scores in these results for ${groups.some((g) => g.scorers) ? 'some settings' : 'any setting'}, so the interval of the mean is not available there ("–").`;
}

const metricData = (name: string, s: AucSummary | undefined) => ({
  [`${name}Mean`]: s?.mean ?? null,
  [`${name}Std`]: s?.std ?? null,
  [`${name}CiLow`]: s?.ciLow ?? null,
  [`${name}CiHigh`]: s?.ciHigh ?? null,
});

/** GFLOPs for paper-scale models, MFLOPs when the largest model of the table is below one GFLOP (CPU demo sizes). */
function flopsUnit(largest: number): { name: string; scale: number } {
  return largest >= 1e9 ? { name: 'GFLOPs', scale: 1e9 } : { name: 'MFLOPs', scale: 1e6 };
}

function overviewTable(id: string, title: string, task: Task, groups: RunGroup[], level: number): ReportTable {
  const regime = groups[0]!.regime;
  const hasPaper = groups.some((g) =>
    paperValue({ setting: task.paperSetting, regime, paperModel: g.model.paperModel, init: g.initKey }),
  );
  const macroName = task.labels.length > 1 ? 'macro AUC' : 'AUC';
  const flops = flopsUnit(Math.max(...groups.map((g) => g.flopsPerImage)));
  // Columns only for metrics the runs have; QWK only where the classes are ordered.
  const hasMetric = (name: string) => groups.some((g) => g.runs.some((r) => r.metrics?.[name] !== undefined));
  const hasAcc = hasMetric('acc');
  const hasKappa = task.ordinal === true && hasMetric('kappa');
  const columns = [
    { label: 'Model', numeric: false },
    { label: 'Initialisation', numeric: false },
    { label: 'Seeds', numeric: true },
    { label: `Test ${macroName} (%)`, numeric: true },
    { label: `${Math.round(level * 100)}% CI of the mean`, numeric: true },
    { label: 'Seed SD', numeric: true },
    ...(hasAcc ? [{ label: 'Test ACC (%) [CI]', numeric: true }] : []),
    ...(hasKappa ? [{ label: 'Test QWK [CI]', numeric: true }] : []),
    ...(hasPaper ? [{ label: 'Paper (published)', numeric: true }] : []),
    { label: 'Params', numeric: true },
    { label: `${flops.name}/img`, numeric: true },
    { label: 'Train time', numeric: true },
    { label: 'Img/s', numeric: true },
  ];
  const rows = groups.map((g) => {
    const paper = paperValue({ setting: task.paperSetting, regime, paperModel: g.model.paperModel, init: g.initKey });
    const acc = g.metrics['acc'];
    const kappa = g.metrics['kappa'];
    return [
      g.model.label,
      initLabel(g.init, g.transferSource),
      String(g.runs.length),
      pct(g.macro.mean),
      ciPct(g.macro.ciLow, g.macro.ciHigh),
      pct(seedSpread(g.macro)),
      ...(hasAcc ? [acc ? meanCiPct(acc.mean, acc.ciLow, acc.ciHigh) : '–'] : []),
      ...(hasKappa ? [kappa ? meanCiFixed(kappa.mean, kappa.ciLow, kappa.ciHigh) : '–'] : []),
      ...(hasPaper ? [paperCell(paper)] : []),
      count(g.params),
      (g.flopsPerImage / flops.scale).toFixed(2),
      duration(g.trainSeconds.mean),
      g.imagesPerSecond.mean.toFixed(1),
    ];
  });
  const data = groups.map((g) => ({
    model: g.model.id,
    init: g.initKey,
    seeds: g.seeds,
    aucMean: g.macro.mean,
    aucStd: g.macro.std,
    ciLow: g.macro.ciLow,
    ciHigh: g.macro.ciHigh,
    ...(hasAcc ? metricData('acc', g.metrics['acc']) : {}),
    ...(hasKappa ? metricData('kappa', g.metrics['kappa']) : {}),
    checkpointSteps: g.runs.map((r) => r.checkpoint?.step ?? null),
    paper: paperValue({ setting: task.paperSetting, regime, paperModel: g.model.paperModel, init: g.initKey }) ?? null,
    params: g.params,
    flopsPerImage: g.flopsPerImage,
    trainSecondsMean: g.trainSeconds.mean,
    imagesPerSecondMean: g.imagesPerSecond.mean,
  }));
  const trainImages = groups[0]!.trainImages.toLocaleString('en-US');
  const metricNotes = [
    ...(task.kind === 'multiclass'
      ? [`macro AUC: mean of the one-vs-rest AUCs of the ${task.labels.length} classes`]
      : []),
    ...(hasAcc ? [task.kind === 'multiclass' ? 'ACC: accuracy of the most probable class' : 'ACC: test accuracy'] : []),
    ...(hasKappa ? ["QWK: quadratic-weighted Cohen's kappa of the predicted grade (−1 to 1, 0 = chance)"] : []),
  ];
  return {
    id,
    title,
    caption:
      `Task ${task.id} (${describeTaskKind(task)}), ` +
      `${trainImages} training images. Mean over seeds; ${intervalNote(groups, level)} Seed SD: sample standard deviation over seeds. ${metricNotes.map((n) => `${n}. `).join('')}${flops.name}/img: forward pass, multiply and add counted separately; train time and images/s: mean over seeds. ${hasPaper ? paperNote : ''}`.trim(),
    columns,
    rows,
    data,
    notes: groupTableNotes(task, groups),
  };
}

function perLabelTable(id: string, title: string, task: Task, groups: RunGroup[], level: number): ReportTable {
  const regime = groups[0]!.regime;
  const hasPaper = groups.some((g) =>
    task.labels.some((label) =>
      paperValue({ setting: task.paperSetting, regime, paperModel: g.model.paperModel, init: g.initKey, label }),
    ),
  );
  const columns = [
    { label: 'Model', numeric: false },
    { label: 'Initialisation', numeric: false },
    { label: task.kind === 'multiclass' ? 'Class' : 'Label', numeric: false },
    { label: 'Test AUC (%)', numeric: true },
    { label: `${Math.round(level * 100)}% CI of the mean`, numeric: true },
    { label: 'Seed SD', numeric: true },
    ...(hasPaper ? [{ label: 'Paper (published)', numeric: true }] : []),
  ];
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const g of groups) {
    for (const label of task.labels) {
      const s = g.perLabel[label];
      if (!s) continue; // a multi-class run without per-class AUCs
      const paper = paperValue({
        setting: task.paperSetting,
        regime,
        paperModel: g.model.paperModel,
        init: g.initKey,
        label,
      });
      rows.push([
        g.model.label,
        initLabel(g.init, g.transferSource),
        label,
        pct(s.mean),
        ciPct(s.ciLow, s.ciHigh),
        pct(seedSpread(s)),
        ...(hasPaper ? [paperCell(paper)] : []),
      ]);
      data.push({
        model: g.model.id,
        init: g.initKey,
        label,
        aucMean: s.mean,
        aucStd: s.std,
        ciLow: s.ciLow,
        ciHigh: s.ciHigh,
        n: s.n,
        paper: paper ?? null,
      });
    }
  }
  return {
    id,
    title,
    caption:
      `Task ${task.id}: test ${perLabelName(task)}, mean over seeds; ${intervalNote(groups, level)} Seed SD: sample standard deviation over seeds. ${hasPaper ? paperNote : ''}`.trim(),
    columns,
    rows,
    data,
    notes: groupTableNotes(task, groups),
  };
}

/** The notes under a table of run groups: transfer sources are named by the groups' model labels. */
function groupTableNotes(task: Task, groups: readonly RunGroup[]): string[] {
  return taskTableNotes(
    task,
    groups.flatMap((g) => g.runs),
    (id) => groups.find((g) => g.model.id === id)?.model.label ?? id,
  );
}

/** Table 1/2/3 analogues: per task, the full-data overview, per-label AUCs for multi-label tasks, the small-data table. */
export function buildTables(results: StudyResults, groups: RunGroup[] = groupRuns(results)): ReportTable[] {
  const level = results.evaluation.bootstrap.level;
  const tables: ReportTable[] = [];
  for (const task of results.tasks) {
    const full = groups.filter((g) => g.task.id === task.id && g.regime === 'full');
    const limited = groups.filter((g) => g.task.id === task.id && g.regime === 'limited');
    if (full.length > 0) {
      tables.push(
        overviewTable(
          `table1-${task.id}`,
          `Table 1 analogue — ${task.id}: test AUC, random init vs transfer`,
          task,
          full,
          level,
        ),
      );
      if (task.labels.length > 1 && full.some((g) => Object.keys(g.perLabel).length > 0)) {
        tables.push(
          perLabelTable(`table2-${task.id}`, `Table 2 analogue — ${task.id}: ${perLabelName(task)}`, task, full, level),
        );
      }
    }
    if (limited.length > 0) {
      const n = limited[0]!.trainImages.toLocaleString('en-US');
      tables.push(
        overviewTable(
          `table3-${task.id}`,
          `Table 3 analogue — ${task.id}: small data (${n} training images)`,
          task,
          limited,
          level,
        ),
      );
    }
  }
  return tables;
}
