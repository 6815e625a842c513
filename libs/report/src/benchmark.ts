import type { RunGroup } from './aggregate.js';
import { meanStdPct, pct } from './format.js';
import { initLabel } from './init.js';
import type { PublishedDataset, PublishedRow, PublishedSuite } from './published/medmnist-v2.js';
import { publishedDataset, publishedSuites } from './published/suites.js';
import type { Run, StudyResults, Task } from './schema.js';
import { seedSpread } from './stats.js';
import { taskTableNotes } from './table-notes.js';
import type { ReportTable } from './tables.js';

/** "Beside published results" for one task with a `benchmark`: our runs, then the published rows on their own. */
export interface BenchmarkSection {
  task: string;
  suite: string;
  dataset: string;
  source: string;
  split: string;
  /** Our models × inits (full data), with a Published column holding each model's `benchmarkModel` value. */
  ours: ReportTable;
  /** The published rows, marked as such; null when none are on file for the dataset (then `note` says so). */
  published: ReportTable | null;
  note: string | null;
}

/** Published values have three decimals as fractions: one decimal in percent, no invented precision. */
const publishedPct = (x: number): string => pct(x, 1);

function bestRun(runs: readonly Run[]): Run {
  return runs.reduce((a, b) => (b.auc.macro.value > a.auc.macro.value ? b : a));
}

function oursTable(
  task: Task,
  groups: RunGroup[],
  rows: readonly PublishedRow[] | undefined,
  suite: PublishedSuite,
): ReportTable {
  const columns = [
    { label: 'Model', numeric: false },
    { label: 'Initialisation', numeric: false },
    { label: 'Seeds', numeric: true },
    { label: 'Test AUC (%)', numeric: true },
    { label: 'Test ACC (%)', numeric: true },
    { label: 'Best run: AUC / ACC (%)', numeric: true },
    ...(rows ? [{ label: `Published (${suite.name}): AUC / ACC (%)`, numeric: true }] : []),
  ];
  const published = (g: RunGroup) => rows?.find((r) => r.method === g.model.benchmarkModel);
  const body = groups.map((g) => {
    const acc = g.metrics['acc'];
    const best = bestRun(g.runs);
    const p = published(g);
    return [
      g.model.label,
      initLabel(g.init, g.transferSource),
      String(g.runs.length),
      meanStdPct(g.macro.mean, seedSpread(g.macro)),
      acc ? meanStdPct(acc.mean, seedSpread(acc)) : '–',
      `${pct(best.auc.macro.value)} / ${best.metrics?.acc ? pct(best.metrics.acc.value) : '–'} (seed ${best.seed})`,
      ...(rows ? [p ? `${p.method}: ${publishedPct(p.auc)} / ${publishedPct(p.acc)}` : '–'] : []),
    ];
  });
  const data = groups.map((g) => {
    const best = bestRun(g.runs);
    const p = published(g);
    return {
      model: g.model.id,
      init: g.initKey,
      seeds: g.seeds,
      aucMean: g.macro.mean,
      aucStd: g.macro.std,
      accMean: g.metrics['acc']?.mean ?? null,
      accStd: g.metrics['acc']?.std ?? null,
      bestRun: { id: best.id, seed: best.seed, auc: best.auc.macro.value, acc: best.metrics?.acc?.value ?? null },
      // Published, not ours: kept under its own key so it cannot be read as a measurement of this run.
      publishedForBenchmarkModel: p ? { method: p.method, auc: p.auc, acc: p.acc } : null,
    };
  });
  return {
    id: `benchmark-ours-${task.id}`,
    title: `${task.id}: our models beside published results`,
    caption:
      'Ours: test macro AUC and accuracy, mean ± sample std over seeds (full training set). Best run: the seed with the highest test AUC — chosen on the test set, so optimistic. ' +
      (rows
        ? `The Published column is not ours: it is the value published for the method named in the cell (the model's corresponding method, whatever our initialisation) by ${suite.source}, on ${suite.split}, the split our test numbers use; "–" where the model has none.`
        : 'No published column: no published rows are on file for this dataset.'),
    columns,
    rows: body,
    data,
    notes: taskTableNotes(
      task,
      groups.flatMap((g) => g.runs),
    ),
  };
}

function publishedTable(task: Task, d: PublishedDataset, suite: PublishedSuite): ReportTable {
  const rows = d.rows;
  return {
    id: `benchmark-published-${task.id}`,
    title: `Published results — ${suite.name}, ${d.name} (published, not ours)`,
    caption: `Reported by ${suite.source}, on ${suite.split}: ${d.metrics}. These numbers are not measured by this study.`,
    columns: [
      { label: 'Published method', numeric: false },
      { label: 'Published test AUC (%)', numeric: true },
      { label: 'Published test ACC (%)', numeric: true },
    ],
    rows: rows.map((r) => [r.method, publishedPct(r.auc), publishedPct(r.acc)]),
    data: rows.map((r) => ({ method: r.method, auc: r.auc, acc: r.acc })),
    notes: [],
  };
}

/** One section per task with a `benchmark` and full-data runs. */
export function buildBenchmarkSections(results: StudyResults, groups: readonly RunGroup[]): BenchmarkSection[] {
  const out: BenchmarkSection[] = [];
  for (const task of results.tasks) {
    if (!task.benchmark) continue;
    const full = groups.filter((g) => g.task.id === task.id && g.regime === 'full');
    if (full.length === 0) continue;
    const suite = publishedSuites[task.benchmark.suite];
    const d = publishedDataset(task.benchmark);
    const datasetName = d?.name ?? task.benchmark.dataset;
    const onFile = Object.values(suite.datasets)
      .map((x) => x.name)
      .join(', ');
    out.push({
      task: task.id,
      suite: suite.name,
      dataset: datasetName,
      source: suite.source,
      split: suite.split,
      ours: oursTable(task, full, d?.rows, suite),
      published: d ? publishedTable(task, d, suite) : null,
      note: d
        ? null
        : `No published ${suite.name} rows are on file for dataset "${task.benchmark.dataset}" (the report holds them for: ${onFile}).`,
    });
  }
  return out;
}
