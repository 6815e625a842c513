import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { inspectArrowFile, readTensors } from '@transfusion/arrow-io';
import { defineStage } from '@transfusion/pipeline';
import type { FilterSnapshot, StudyResultsInput } from '@transfusion/report';
import { modelInfoSchema, reportOptionsSchema } from '../lib/report-schemas.js';
import { parseRunInfo, RUN_META_KEY, StudyError } from '../lib/run-info.js';
import { ccaResults, joinRuns } from '../lib/study-results.js';
import { CCA_VARIANTS_META_KEY } from './cca-analysis.js';
import { FILTERS_META_KEY, type FilterEntry } from './filter-snapshot.js';

const params = z.strictObject({
  title: z.string().min(1),
  /** The pipeline (name and file as given to `transfusion run`), for the provenance section. */
  pipeline: z.strictObject({ name: z.string().min(1), file: z.string().min(1) }),
  models: z.array(modelInfoSchema).min(1),
  /** Tasks in report order; kind and labels come from the runs. */
  tasks: z.array(z.strictObject({ id: z.string().min(1), paperSetting: z.enum(['retina', 'chexpert']).optional() })).min(1),
  /** History metric of the convergence figures. */
  convergenceMetric: z.string().min(1).default('val_auc'),
  /** The study's resolved settings (usually the pipeline's vars), shown in the provenance section. */
  settings: z.record(z.string(), z.unknown()).default({}),
  options: reportOptionsSchema.default({}),
});

type Row = Record<string, unknown>;
const rowsOf = (t: Table): Row[] => t.toArray().map((r) => r.toJSON() as Row);

function csv(t: Table): string {
  const cols = t.schema.fields.map((f) => f.name);
  const cell = (v: unknown) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return [cols.join(','), ...rowsOf(t).map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
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
    histories: { kind: 'table', many: true },
    metrics: { kind: 'table', many: true },
    similarity: { kind: 'table', optional: true },
    filters: { kind: 'any', optional: true },
    convergence: { kind: 'table', optional: true },
    datasets: { kind: 'table', optional: true },
  },
  outputs: { report: 'files' },
  async run(ctx) {
    const p = ctx.params;
    const { buildReportFiles } = await import('@transfusion/report');
    const { tf } = await import('@transfusion/train');
    const inputs = ctx.inputs as typeof ctx.inputs & { similarity?: Table; filters?: { path: string }; convergence?: Table; datasets?: Table };
    const runs = joinRuns(inputs.histories, inputs.metrics);
    if (runs.length === 0) throw new StudyError('STUDY_BAD_INPUT', 'metrics: no runs to report');
    const infos = inputs.metrics.map((m, i) => parseRunInfo(m.schema.metadata.get(RUN_META_KEY), `metrics[${i}]`));
    const firstMetrics = rowsOf(inputs.metrics[0]!)[0]!;
    const tasks = p.tasks.map((t) => {
      const info = infos.find((r) => r.task === t.id);
      if (!info) throw new StudyError('STUDY_BAD_INPUT', `tasks: '${t.id}' has no runs among the inputs (tasks of the runs: ${[...new Set(infos.map((r) => r.task))].join(', ')})`);
      return { id: t.id, kind: info.taskKind, labels: info.labels, ...(t.paperSetting ? { paperSetting: t.paperSetting } : {}) };
    });
    const cca = inputs.similarity
      ? ccaResults(inputs.similarity, JSON.parse(inputs.similarity.schema.metadata.get(CCA_VARIANTS_META_KEY) ?? '[]'))
      : [];
    const filters: FilterSnapshot[] = [];
    if (inputs.filters) {
      const info = await inspectArrowFile(inputs.filters.path);
      const entries = JSON.parse(info.metadata[FILTERS_META_KEY] ?? '[]') as FilterEntry[];
      const t = await readTensors(inputs.filters.path);
      for (const [i, { run, layer }] of entries.entries()) {
        if (run.init.kind !== 'random' && run.init.kind !== 'pretrained') continue; // Fig 5 compares these two
        const tensor = (name: string) => ({ shape: t[`${i}/${name}`]!.shape, data: t[`${i}/${name}`]!.data as Float32Array });
        filters.push({ model: run.model, init: run.init.kind, seed: run.seed, layer, before: tensor('before'), after: tensor('after') });
      }
    }
    const datasets = inputs.datasets ? rowsOf(inputs.datasets) : [];
    const byDataset = new Map<string, Map<string, { images: number; positives: Record<string, number> }>>();
    for (const r of datasets) {
      const splits = byDataset.get(r['dataset'] as string) ?? new Map();
      const s = splits.get(r['split'] as string) ?? { images: r['images'] as number, positives: {} };
      s.positives[r['label'] as string] = r['positive'] as number;
      splits.set(r['split'] as string, s);
      byDataset.set(r['dataset'] as string, splits);
    }
    const started = infos.map((r) => r.startedAt).sort()[0]!;
    const finished = infos.map((r) => r.finishedAt).sort().at(-1)!;
    const results: StudyResultsInput = {
      schemaVersion: 1,
      title: p.title,
      models: p.models,
      tasks,
      evaluation: { convergenceMetric: p.convergenceMetric, bootstrap: { resamples: firstMetrics['resamples'] as number, level: firstMetrics['level'] as number } },
      runs,
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
          name, source: 'synthetic (libs/data, generated by this pipeline)',
          splits: [...splits].map(([split, s]) => ({ split, images: s.images, positives: s.positives })),
        })),
        startedAt: started,
        finishedAt: finished,
        wallSeconds: (Date.parse(finished) - Date.parse(started)) / 1000,
      },
    };
    const files = await buildReportFiles(results, p.options);
    ctx.log(`${runs.length} runs, ${cca.length} CCA variants, ${filters.length} filter snapshots: ${files.length} files`);
    const out: Record<string, Uint8Array | string> = {};
    for (const f of files) out[f.path] = f.content;
    if (inputs.convergence) out['tables/convergence.csv'] = csv(inputs.convergence);
    if (inputs.datasets) out['tables/datasets.csv'] = csv(inputs.datasets);
    return { report: out };
  },
});
