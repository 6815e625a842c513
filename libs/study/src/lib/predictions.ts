// A run's per-image test predictions as a table: what the report needs to compare runs on the same images
// (paired bootstrap, DeLong, ROC curves, calibration). Written by the evaluate stage, read by the report stage.
import { tableFromArrays, type Table } from 'apache-arrow';
import type { Evaluation, TaskConfig } from '@transfusion/train';
import type { Run, TestSet } from '@transfusion/report';
import { StudyError, runOfTable } from './run-info.js';
import { predictionsMetadata, predictionsTaskOf, type PredictionsTask } from './artifact-kinds.js';
import { withMetadata } from './table-metadata.js';

/**
 * Columns `patient` (the image's patient id, or its row when the data has none), `label_j` (class index or 0/1;
 * NaN where a multi-label entry is masked out) and `score_k` (probabilities as the evaluation computed them).
 */
export function predictionsTable(ev: Evaluation, task: TaskConfig): Table {
  const l = ev.labels.length / ev.n;
  const k = ev.probabilities.length / ev.n;
  const columns: Record<string, Float32Array | string[]> = {
    patient: Array.from({ length: ev.n }, (_, i) => ev.patients?.[i] ?? `#${i}`),
  };
  for (let j = 0; j < l; j++)
    columns[`label_${j}`] = Float32Array.from({ length: ev.n }, (_, i) =>
      ev.mask && !ev.mask[i * l + j] ? Number.NaN : ev.labels[i * l + j]!,
    );
  for (let c = 0; c < k; c++)
    columns[`score_${c}`] = Float32Array.from({ length: ev.n }, (_, i) => ev.probabilities[i * k + c]!);
  const table = tableFromArrays(columns);
  const meta: PredictionsTask = {
    kind: task.type === 'multiclass' ? 'multiclass' : l === 1 ? 'binary' : 'multilabel',
    labelColumns: l,
    scoreColumns: k,
    ...(task.type === 'multiclass' && task.referableClass !== undefined ? { referableClass: task.referableClass } : {}),
  };
  return withMetadata(table, predictionsMetadata(meta));
}

interface RunPredictions {
  task: PredictionsTask;
  patients: string[];
  /** Class indices (multi-class) or N × L 0/1 indicators; masked entries are −1. */
  labels: number[];
  scores: Float32Array;
}

function readPredictions(t: Table, origin: string): RunPredictions {
  const task = predictionsTaskOf(t, origin);
  const n = t.numRows;
  const col = (name: string) => {
    const c = t.getChild(name);
    if (!c) throw new StudyError('STUDY_BAD_ARTIFACT', `${origin}: no column '${name}'`);
    return c;
  };
  const patients = Array.from({ length: n }, (_, i) => String(col('patient').get(i)));
  const labels: number[] = new Array(n * task.labelColumns);
  for (let j = 0; j < task.labelColumns; j++) {
    const c = col(`label_${j}`).toArray() as Float32Array;
    c.forEach((v, i) => (labels[i * task.labelColumns + j] = Number.isNaN(v) ? -1 : v));
  }
  const scores = new Float32Array(n * task.scoreColumns);
  for (let s = 0; s < task.scoreColumns; s++)
    (col(`score_${s}`).toArray() as Float32Array).forEach((v, i) => (scores[i * task.scoreColumns + s] = v));
  return { task, patients, labels, scores };
}

/** The patients of a test set, or nothing when the data had none (each image its own, `#row`). */
const patientsOf = (p: RunPredictions): { patients?: string[] } =>
  p.patients.every((id) => id.startsWith('#')) ? {} : { patients: p.patients };

/** The task's test set as the report describes it; identical images are assumed in every run of the task. */
function testSetOf(task: string, p: RunPredictions): TestSet {
  const masked = p.labels.some((v) => v < 0);
  return {
    task,
    labels: p.labels.map((v) => Math.max(0, v)),
    ...(masked ? { mask: p.labels.map((v) => (v < 0 ? 0 : 1)) } : {}),
    ...patientsOf(p),
  };
}

const sameSet = (a: TestSet, b: TestSet) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Attaches each run's test scores and builds one test set per task. Runs of one task must have been evaluated on
 * the same images in the same order, or no comparison between them would be paired.
 */
export function attachPredictions(
  runs: Run[],
  tables: Table[],
): { runs: Run[]; testSets: TestSet[]; byRun: Map<string, RunPredictions> } {
  const byRun = new Map<string, RunPredictions>();
  tables.forEach((t, i) => byRun.set(runOfTable(t, `predictions[${i}]`).id, readPredictions(t, `predictions[${i}]`)));
  const testSets = new Map<string, { set: TestSet; from: string }>();
  const out = runs.map((run) => {
    const p = byRun.get(run.id);
    if (!p) return run;
    const set = testSetOf(run.task, p);
    const first = testSets.get(run.task);
    if (!first) testSets.set(run.task, { set, from: run.id });
    else if (!sameSet(first.set, set)) {
      throw new StudyError(
        'STUDY_BAD_INPUT',
        `predictions: runs ${first.from} and ${run.id} of task '${run.task}' were evaluated on different test images (labels or patients differ); paired comparisons need one test set per task`,
      );
    }
    return { ...run, test: { scores: Array.from(p.scores) } };
  });
  return { runs: out, testSets: [...testSets.values()].map((v) => v.set), byRun };
}

/**
 * The test set and scores of a task derived from a graded one (referable: P(grade ≥ k) = Σ_{c ≥ k} p_c, positive
 * when the grade is ≥ k), for the derived runs of `derivedRuns`.
 */
export function derivedPredictions(
  derived: Run[],
  task: string,
  byRun: Map<string, RunPredictions>,
): { runs: Run[]; testSet?: TestSet } {
  let testSet: TestSet | undefined;
  const runs = derived.map((run) => {
    const p = run.derivedFrom ? byRun.get(run.derivedFrom) : undefined;
    const k = p?.task.referableClass;
    if (!p || k === undefined || p.task.kind !== 'multiclass') return run;
    const classes = p.task.scoreColumns;
    const n = p.patients.length;
    const scores = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let c = k; c < classes; c++) s += p.scores[i * classes + c]!;
      return s;
    });
    testSet ??= { task, labels: p.labels.map((g) => (g >= k ? 1 : 0)), ...patientsOf(p) };
    return { ...run, test: { scores } };
  });
  return { runs, ...(testSet ? { testSet } : {}) };
}
