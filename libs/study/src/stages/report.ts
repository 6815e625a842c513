import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { readTensors } from '@transfusion/arrow-io';
import { defineStage } from '@transfusion/pipeline';
import type { FilterSnapshot, StudyResultsInput } from '@transfusion/report';
import { modelInfoSchema, reportOptionsSchema, taskSchema } from '@transfusion/report/schemas';
import { runOfTable, StudyError } from '../lib/run-info.js';
import {
  ccaVariantsOf,
  convergenceKind,
  datasetSummaryKind,
  filterEntriesOf,
  filtersKind,
  historyKind,
  metricsKind,
  predictionsKind,
  similarityKind,
  type CcaVariant,
} from '../lib/artifact-kinds.js';
import { attachPredictions, derivedPredictions } from '../lib/predictions.js';
import { withStages } from '../lib/model-stages.js';
import { ccaResults, derivedRuns, joinRuns } from '../lib/study-results.js';

const params = z.strictObject({
  /** `{dataset}` is replaced by the runs' dataset name(s), e.g. RetinaMNIST, so one pipeline file fits any data. */
  title: z.string().min(1),
  /** The pipeline (name and file as given to `transfusion run`), for the provenance section. */
  pipeline: z.strictObject({ name: z.string().min(1), file: z.string().min(1) }),
  models: z.array(modelInfoSchema).min(1),
  /** Tasks in report order: the report's task fields but kind and labels, which come from the runs. */
  tasks: z
    .array(
      taskSchema.pick({ id: true, paperSetting: true, description: true }).extend({
        /** Published results for the same test split (dataset: MedMNIST's flag; default the runs' MedMNIST file). */
        benchmark: taskSchema.shape.benchmark.unwrap().partial({ dataset: true }).optional(),
        /**
         * A task scored from another task's models: e.g. the referable task P(grade ≥ k) of the graded models
         * (`metric: referable_auc`, convergence curve `val_referable_auc`). Left out when no run has the metric (a file
         * whose task is not graded).
         */
        from: z
          .strictObject({
            task: z.string().min(1),
            metric: z.string().min(1),
            label: z.string().min(1).default('referable'),
          })
          .optional(),
      }),
    )
    .min(1),
  /** History metric of the convergence figures. */
  convergenceMetric: z.string().min(1).default('val_auc'),
  /** The study's resolved settings (usually the pipeline's vars), shown in the provenance section. */
  settings: z.record(z.string(), z.unknown()).default({}),
  options: reportOptionsSchema.prefault({}),
});

type Row = Record<string, unknown>;

/** The CCA variants the similarity tables were computed with: the same in every table, or the report would mix measures. */
function variantsOf(tables: Table[]): CcaVariant[] {
  const variants = tables.map((t, i) => ccaVariantsOf(t, `similarity[${i}]`));
  const all = variants.map((v) => JSON.stringify(v));
  const differing = all.findIndex((v) => v !== all[0]);
  if (differing > 0)
    throw new StudyError(
      'STUDY_BAD_INPUT',
      `similarity[${differing}] was computed with other CCA variants than similarity[0] (${all[differing]} vs ${all[0]}); give every cca-analysis stage the same methods and conv settings`,
    );
  return variants[0]!;
}
const rowsOf = (t: Table): Row[] => t.toArray().map((r) => r.toJSON() as Row);

function csv(t: Table): string {
  const cols = t.schema.fields.map((f) => f.name);
  const cell = (v: unknown) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return `${[cols.join(','), ...rowsOf(t).map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n')}\n`;
}

/**
 * The study's report (libs/report): tables 1–3, convergence (Figs 6–8), representational similarity (Figs 2–4),
 * filters (Fig 5), the evaluated findings and provenance, from this run's artifacts only. Returns the files
 * (index.html, report.md, results.json, figures/*) plus the convergence and dataset tables as CSV under tables/.
 */
export const reportStage = defineStage({
  id: 'report',
  source: import.meta.url,
  description: "the study's report (HTML, Markdown, results.json, figures) from the run's artifacts",
  params,
  inputs: {
    histories: { kind: historyKind, many: true },
    metrics: { kind: metricsKind, many: true },
    /** Per-image test predictions of the runs (evaluate's `predictions`): paired statistics, ROC curves, calibration. */
    predictions: { kind: predictionsKind, many: true, optional: true },
    /** One CCA table, or one per model group (the analyses are independent per architecture). */
    similarity: { kind: similarityKind, many: true, optional: true },
    filters: { kind: filtersKind, optional: true },
    convergence: { kind: convergenceKind, optional: true },
    datasets: { kind: datasetSummaryKind, optional: true },
  },
  outputs: { report: 'files' },
  async run(ctx) {
    const p = ctx.params;
    const { buildReportFiles } = await import('@transfusion/report');
    const { tf } = await import('@transfusion/train');
    const { isModelName, stageNamesOf } = await import('@transfusion/models');
    const inputs = ctx.inputs as typeof ctx.inputs & {
      predictions?: Table[];
      similarity?: Table[];
      filters?: { path: string };
      convergence?: Table;
      datasets?: Table;
    };
    const joined = joinRuns(inputs.histories, inputs.metrics);
    if (joined.length === 0) throw new StudyError('STUDY_BAD_INPUT', 'metrics: no runs to report');
    const scored = attachPredictions(joined, inputs.predictions ?? []);
    const runs = scored.runs;
    const testSets = [...scored.testSets];
    if (!inputs.predictions?.length)
      ctx.log(
        'no predictions among the inputs: the findings resample seeds only, and the tables have no interval of the mean',
      );
    const infos = inputs.metrics.map((m, i) => runOfTable(m, `metrics[${i}]`));
    const firstMetrics = rowsOf(inputs.metrics[0]!)[0]!;
    const tasks = [];
    for (const t of p.tasks) {
      const extra = {
        ...(t.paperSetting ? { paperSetting: t.paperSetting } : {}),
        ...(t.description ? { description: t.description } : {}),
      };
      if (t.from) {
        const plain = derivedRuns(runs, t.id, t.from.label, { ...t.from, history: `val_${t.from.metric}` });
        if (plain.length === 0) {
          ctx.log(`task ${t.id}: no run of ${t.from.task} has ${t.from.metric} (its task is not graded): left out`);
          continue;
        }
        const derived = derivedPredictions(plain, t.id, scored.byRun);
        if (derived.testSet) testSets.push(derived.testSet);
        runs.push(...derived.runs);
        tasks.push({ id: t.id, kind: 'binary' as const, labels: [t.from.label], ...extra });
        continue;
      }
      const mine = infos.filter((r) => r.task === t.id);
      const info = mine[0];
      if (!info)
        throw new StudyError(
          'STUDY_BAD_INPUT',
          `tasks: '${t.id}' has no runs among the inputs (tasks of the runs: ${[...new Set(infos.map((r) => r.task))].join(', ')})`,
        );
      const ordinal = runs.some((r) => r.task === t.id && r.metrics?.['kappa'] !== undefined);
      const flag = t.benchmark?.dataset ?? mine.find((r) => r.medmnistFlag)?.medmnistFlag;
      if (t.benchmark && !flag)
        ctx.log(
          `task ${t.id}: benchmark ${t.benchmark.suite} needs a dataset; the runs' data did not come from a MedMNIST file: no published rows`,
        );
      tasks.push({
        id: t.id,
        kind: info.taskKind,
        labels: info.labels,
        ...extra,
        ...(ordinal ? { ordinal } : {}),
        ...(t.benchmark && flag ? { benchmark: { suite: t.benchmark.suite, dataset: flag } } : {}),
      });
    }
    const cca = inputs.similarity?.length ? ccaResults(inputs.similarity, variantsOf(inputs.similarity)) : [];
    const filters: FilterSnapshot[] = [];
    if (inputs.filters) {
      const entries = await filterEntriesOf(inputs.filters.path);
      const t = await readTensors(inputs.filters.path);
      for (const [i, { run, layer }] of entries.entries()) {
        if (run.init.kind !== 'random' && run.init.kind !== 'pretrained') continue; // Fig 5 compares these two
        const tensor = (name: string) => ({
          shape: t[`${i}/${name}`]!.shape,
          data: t[`${i}/${name}`]!.data as Float32Array,
        });
        filters.push({
          model: run.model,
          init: run.init.kind,
          seed: run.seed,
          layer,
          before: tensor('before'),
          after: tensor('after'),
        });
      }
    }
    const datasets = inputs.datasets ? rowsOf(inputs.datasets) : [];
    const byDataset = new Map<string, Map<string, { images: number; positives: Record<string, number> }>>();
    const sourceOf = new Map(
      datasets.map((r) => [r['dataset'] as string, (r['source'] as string | undefined) ?? 'unknown']),
    );
    for (const r of datasets) {
      const splits = byDataset.get(r['dataset'] as string) ?? new Map();
      const s = splits.get(r['split'] as string) ?? { images: r['images'] as number, positives: {} };
      s.positives[r['label'] as string] = r['positive'] as number;
      splits.set(r['split'] as string, s);
      byDataset.set(r['dataset'] as string, splits);
    }
    const started = infos.map((r) => r.startedAt).sort()[0]!;
    const finished = infos
      .map((r) => r.finishedAt)
      .sort()
      .at(-1)!;
    const results: StudyResultsInput = {
      schemaVersion: 1,
      title: p.title.replaceAll('{dataset}', [...new Set(infos.map((r) => r.dataset))].join(', ')),
      // each model's stage order (Inception-v3: conv1, stem, mixed0..mixed10) orders its transfusion prefixes
      models: withStages(p.models, (id) => (isModelName(id) ? stageNamesOf(id) : undefined)),
      tasks,
      evaluation: {
        convergenceMetric: p.convergenceMetric,
        bootstrap: { resamples: firstMetrics['resamples'] as number, level: firstMetrics['level'] as number },
      },
      runs,
      testSets,
      cca,
      filters,
      provenance: {
        pipeline: p.pipeline,
        params: p.settings,
        // the engine's cache keys are added by the publish step (a stage cannot see them)
        cacheKeys: [],
        backend: [...new Set(infos.map((r) => r.backend))].join('; '),
        versions: { node: process.versions.node, 'tfjs-core': tf.version_core },
        datasets: [...byDataset].map(([name, splits]) => ({
          name,
          source: sourceOf.get(name)!,
          splits: [...splits].map(([split, s]) => ({ split, images: s.images, positives: s.positives })),
        })),
        startedAt: started,
        finishedAt: finished,
        wallSeconds: (Date.parse(finished) - Date.parse(started)) / 1000,
      },
    };
    const files = await buildReportFiles(results, p.options);
    ctx.log(
      `${runs.length} runs, ${cca.length} CCA variants, ${filters.length} filter snapshots: ${files.length} files`,
    );
    const out: Record<string, Uint8Array | string> = {};
    for (const f of files) out[f.path] = f.content;
    if (inputs.convergence) out['tables/convergence.csv'] = csv(inputs.convergence);
    if (inputs.datasets) out['tables/datasets.csv'] = csv(inputs.datasets);
    return { report: out };
  },
});
