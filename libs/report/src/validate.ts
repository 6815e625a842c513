import type { z } from 'zod';
import { ReportError } from './errors.js';
import { stagesOf } from './init.js';
import { publishedDataset, publishedSuites } from './published/suites.js';
import { studyResultsSchema, type BenchmarkSuite, type StudyResults, type Task, type TestSet } from './schema.js';

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(root)'
  );
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
    if (m.hybridOf !== undefined && !models.has(m.hybridOf))
      fail(source, `models[${i}].hybridOf`, `unknown model "${m.hybridOf}"`);
  });
  checkBenchmarks(r, source);
  const runIds = new Set<string>();
  r.runs.forEach((run, i) => {
    const at = `runs[${i}]`;
    if (runIds.has(run.id)) fail(source, `${at}.id`, `duplicate run id "${run.id}"`);
    runIds.add(run.id);
    const model = models.get(run.model);
    if (!model)
      fail(source, `${at}.model`, `unknown model "${run.model}" (expected one of ${[...models.keys()].join(', ')})`);
    if (run.init.kind === 'transfusion' && !stagesOf(model).includes(run.init.upTo)) {
      const whose = model.stages ? 'its stages' : "the paper's ResNet stages, assumed when the model gives no `stages`";
      fail(
        source,
        `${at}.init.upTo`,
        `"${run.init.upTo}" is not a stage of model "${model.id}" (${whose}: ${stagesOf(model).join(', ')})`,
      );
    }
    const task = tasks.get(run.task);
    if (!task)
      fail(source, `${at}.task`, `unknown task "${run.task}" (expected one of ${[...tasks.keys()].join(', ')})`);
    // A multi-class task may have no per-class AUCs at all; when it has some, it needs them all.
    const perLabelOptional = task.kind === 'multiclass' && Object.keys(run.auc.perLabel).length === 0;
    for (const label of perLabelOptional ? [] : task.labels) {
      if (!(label in run.auc.perLabel))
        fail(source, `${at}.auc.perLabel`, `missing label "${label}" of task "${task.id}"`);
    }
    for (const label of Object.keys(run.auc.perLabel)) {
      if (!task.labels.includes(label))
        fail(source, `${at}.auc.perLabel.${label}`, `label is not in task "${task.id}"`);
    }
    run.history.forEach((h, j) => {
      if (j > 0 && h.step <= run.history[j - 1]!.step) fail(source, `${at}.history[${j}].step`, 'steps must increase');
    });
    if (run.history.length > 0 && !run.history.some((h) => r.evaluation.convergenceMetric in h.metrics)) {
      fail(source, `${at}.history`, `no point has the convergence metric "${r.evaluation.convergenceMetric}"`);
    }
    // The best checkpoint is chosen at an evaluation, so its step is in the history (when there is one).
    const cp = run.checkpoint;
    if (cp?.kind === 'best' && run.history.length > 0 && !run.history.some((h) => h.step === cp.step)) {
      fail(
        source,
        `${at}.checkpoint.step`,
        `step ${cp.step} is not an evaluated step of the run's history (${run.history[0]!.step}–${run.history.at(-1)!.step})`,
      );
    }
  });
  checkTestSets(r, tasks, source);
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

/** Number of images of a test set, from its labels (N class indices, or N × L indicators). */
export function testSetSize(set: TestSet, task: Task): number {
  return task.kind === 'multiclass' ? set.labels.length : set.labels.length / task.labels.length;
}

/** Test sets name known tasks once, have consistent lengths, and every run's scores fit its task's set. */
function checkTestSets(r: StudyResults, tasks: Map<string, Task>, source: string): void {
  const sets = new Map<string, { set: TestSet; n: number }>();
  r.testSets.forEach((set, i) => {
    const at = `testSets[${i}]`;
    const task = tasks.get(set.task);
    if (!task) fail(source, `${at}.task`, `unknown task "${set.task}"`);
    if (sets.has(set.task)) fail(source, `${at}.task`, `a second test set for task "${set.task}"`);
    const l = task.labels.length;
    if (task.kind !== 'multiclass' && set.labels.length % l !== 0)
      fail(
        source,
        `${at}.labels`,
        `expected N × ${l} values (one per label of "${task.id}"), got ${set.labels.length}`,
      );
    const n = testSetSize(set, task);
    const bad = set.labels.findIndex((v) => (task.kind === 'multiclass' ? v >= l : v > 1));
    if (bad >= 0)
      fail(
        source,
        `${at}.labels[${bad}]`,
        task.kind === 'multiclass'
          ? `expected a class index 0..${l - 1}, got ${set.labels[bad]}`
          : `expected 0 or 1, got ${set.labels[bad]}`,
      );
    if (set.mask && set.mask.length !== set.labels.length)
      fail(source, `${at}.mask`, `expected ${set.labels.length} values (as labels), got ${set.mask.length}`);
    if (set.patients && set.patients.length !== n)
      fail(source, `${at}.patients`, `expected ${n} patient ids (one per image), got ${set.patients.length}`);
    sets.set(set.task, { set, n });
  });
  r.runs.forEach((run, i) => {
    if (!run.test) return;
    const s = sets.get(run.task);
    if (!s)
      fail(
        source,
        `runs[${i}].test`,
        `run "${run.id}" has test scores but task "${run.task}" has no entry in testSets`,
      );
    const k = tasks.get(run.task)!.labels.length;
    if (run.test.scores.length !== s.n * k)
      fail(
        source,
        `runs[${i}].test.scores`,
        `expected ${s.n} images × ${k} scores = ${s.n * k} values (testSets of "${run.task}"), got ${run.test.scores.length}`,
      );
  });
}

/**
 * Published rows are set beside a task only if they measure the same kind of task, and a model's
 * `benchmarkModel` must be a method the suite names (a typo would silently show no published value).
 */
function checkBenchmarks(r: StudyResults, source: string): void {
  const suites = new Set<BenchmarkSuite>();
  r.tasks.forEach((t, i) => {
    if (!t.benchmark) return;
    suites.add(t.benchmark.suite);
    const d = publishedDataset(t.benchmark);
    if (d && (t.kind !== d.kind || t.labels.length !== d.classes)) {
      fail(
        source,
        `tasks[${i}].benchmark`,
        `the published ${publishedSuites[t.benchmark.suite].name} ${t.benchmark.dataset} rows measure a ${d.kind} task with ${d.classes} classes; task "${t.id}" is ${t.kind} with ${t.labels.length} label(s)`,
      );
    }
  });
  if (suites.size === 0) return;
  const methods = [...suites].flatMap((s) => publishedSuites[s].methods);
  r.models.forEach((m, i) => {
    if (m.benchmarkModel !== undefined && !methods.includes(m.benchmarkModel)) {
      fail(
        source,
        `models[${i}].benchmarkModel`,
        `unknown published method "${m.benchmarkModel}" (expected one of ${methods.map((x) => `'${x}'`).join(', ')})`,
      );
    }
  });
}
