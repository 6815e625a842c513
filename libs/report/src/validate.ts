import type { z } from 'zod';
import { ReportError } from './errors.js';
import { studyResultsSchema, type StudyResults } from './schema.js';

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(root)';
}

function fail(source: string, path: string, message: string): never {
  throw new ReportError(`${source}: ${path}: ${message}`, 'invalid-results', path);
}

/**
 * Validates study results (shape by zod, then the cross-references zod cannot see: runs name known models and
 * tasks, every label has an AUC, histories are ordered). `source` names the file or stage in error messages.
 */
export function parseStudyResults(input: unknown, source = 'study results'): StudyResults {
  const parsed = studyResultsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
    fail(source, formatPath(issue.path), `${issue.message}${more}`);
  }
  const r = parsed.data;
  const models = new Map(r.models.map((m) => [m.id, m]));
  const tasks = new Map(r.tasks.map((t) => [t.id, t]));
  if (models.size !== r.models.length) fail(source, 'models', 'model ids must be unique');
  if (tasks.size !== r.tasks.length) fail(source, 'tasks', 'task ids must be unique');
  r.models.forEach((m, i) => {
    if (m.hybridOf !== undefined && !models.has(m.hybridOf)) fail(source, `models[${i}].hybridOf`, `unknown model "${m.hybridOf}"`);
  });
  const runIds = new Set<string>();
  r.runs.forEach((run, i) => {
    const at = `runs[${i}]`;
    if (runIds.has(run.id)) fail(source, `${at}.id`, `duplicate run id "${run.id}"`);
    runIds.add(run.id);
    if (!models.has(run.model)) fail(source, `${at}.model`, `unknown model "${run.model}" (expected one of ${[...models.keys()].join(', ')})`);
    const task = tasks.get(run.task);
    if (!task) fail(source, `${at}.task`, `unknown task "${run.task}" (expected one of ${[...tasks.keys()].join(', ')})`);
    for (const label of task.labels) {
      if (!(label in run.auc.perLabel)) fail(source, `${at}.auc.perLabel`, `missing label "${label}" of task "${task.id}"`);
    }
    for (const label of Object.keys(run.auc.perLabel)) {
      if (!task.labels.includes(label)) fail(source, `${at}.auc.perLabel.${label}`, `label is not in task "${task.id}"`);
    }
    run.history.forEach((h, j) => {
      if (j > 0 && h.step <= run.history[j - 1]!.step) fail(source, `${at}.history[${j}].step`, 'steps must increase');
    });
    if (run.history.length > 0 && !run.history.some((h) => r.evaluation.convergenceMetric in h.metrics)) {
      fail(source, `${at}.history`, `no point has the convergence metric "${r.evaluation.convergenceMetric}"`);
    }
  });
  r.cca.forEach((c, i) => {
    for (const key of ['betweenModels', 'initFinal', 'initVsFinal'] as const) {
      c[key].forEach((e, j) => {
        if (!models.has(e.model)) fail(source, `cca[${i}].${key}[${j}].model`, `unknown model "${e.model}"`);
      });
    }
  });
  if (new Set(r.cca.map((c) => c.variant.id)).size !== r.cca.length) fail(source, 'cca', 'variant ids must be unique');
  r.filters.forEach((f, i) => {
    if (!models.has(f.model)) fail(source, `filters[${i}].model`, `unknown model "${f.model}"`);
  });
  return r;
}
