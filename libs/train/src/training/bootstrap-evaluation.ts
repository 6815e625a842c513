// Confidence intervals for every metric of an evaluation, by bootstrap over its rows — or over patients
// when the evaluation carries patient ids (images of one patient are not independent).
import { describeZodIssues, TrainError } from '../errors.js';
import { type BootstrapInterval, bootstrapCiMany, type BootstrapOptions } from '../metrics/bootstrap.js';
import type { Evaluation } from './evaluate.js';
import { taskMetrics } from './evaluate.js';
import { type EvaluationCiOptions, evaluationCiOptionsSchema } from '../options/evaluation-ci.js';
import { type TaskConfig, taskSchema } from '../options/task.js';

function pickRows(src: Float32Array, width: number, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, j) => out.set(src.subarray(r * width, (r + 1) * width), j * width));
  return out;
}

/**
 * One interval per metric of `evaluateModel`'s result (the loss excepted: it needs the logits), all from the
 * same resamples. Metrics undefined on the full set (NaN) are left out.
 */
export function bootstrapEvaluation(
  ev: Evaluation,
  taskConfig: TaskConfig,
  options: EvaluationCiOptions = {},
): Record<string, BootstrapInterval> {
  const parsed = taskSchema.safeParse(taskConfig);
  if (!parsed.success) throw new TrainError('TRAIN_BAD_OPTIONS', `task: ${describeZodIssues(parsed.error.issues)}`);
  const task = parsed.data;
  const k = ev.probabilities.length / ev.n;
  const l = ev.labels.length / ev.n;
  const o = evaluationCiOptionsSchema.safeParse(options);
  if (!o.success)
    throw new TrainError('TRAIN_BAD_OPTIONS', `bootstrapEvaluation: ${describeZodIssues(o.error.issues)}`);
  const { byPatient: wanted, ...rest } = o.data;
  const byPatient = wanted ?? ev.patients !== undefined;
  if (byPatient && !ev.patients)
    throw new TrainError('TRAIN_BAD_OPTIONS', 'bootstrapEvaluation: byPatient needs patient ids in the evaluation');
  const base: BootstrapOptions = { ...rest };
  if (byPatient && ev.patients) base.groups = ev.patients;
  return bootstrapCiMany(
    ev.n,
    (rows) =>
      taskMetrics(
        task,
        pickRows(ev.probabilities, k, rows),
        pickRows(ev.labels, l, rows),
        k,
        ev.mask ? pickRows(ev.mask, l, rows) : undefined,
      ),
    base,
  );
}
