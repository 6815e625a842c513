import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import { defineStage } from '@transfusion/pipeline';
import { evaluationCiOptionsSchema } from '@transfusion/train/schemas';
import { runOfFile, withRun } from '../lib/run-info.js';
import { trainingComputeFacts } from '../lib/compute-facts.js';
import { predictionsTable } from '../lib/predictions.js';
import { imageSetKind, metricsKind, predictionsKind, weightsKind } from '../lib/artifact-kinds.js';

/** Test metrics written besides the per-label AUCs: MedMNIST's AUC and ACC, QWK of ordinal grades, referable AUC. */
const REPORTED = new Set(['auc', 'acc', 'kappa', 'referable_auc']);

/**
 * Test-set evaluation of a trained run, the way MedMNIST evaluates (macro one-vs-rest AUC and argmax accuracy
 * for multi-class; per-label AUC and 0.5-threshold accuracy for multi-label), plus quadratic-weighted kappa for
 * ordinal grades and the AUC of P(grade ≥ k) when the dataset names a referable grade — each with a percentile
 * bootstrap interval that resamples whole patients (both eyes of a fundus patient move together; MedMNIST files
 * carry no patient ids, so there images are resampled). One row per metric: `auc` (macro), `auc/<label>`, `acc`,
 * `kappa`, `referable_auc`; a label with one class in the test set has no AUC and is left out. `predictions`
 * holds each test image's patient, labels and scores, for the report's paired statistics between runs.
 */
export const evaluateStage = defineStage({
  id: 'evaluate',
  source: import.meta.url,
  description: 'test AUC (macro and per label) of a trained run with patient-level bootstrap intervals',
  params: z.strictObject({
    /**
     * @transfusion/train's bootstrap options (`replicates`, `level`, `seed`, `byPatient`), with the study's default
     * of 1000 replicates and at least 50 (fewer make the 2.5th/97.5th percentiles meaningless).
     */
    bootstrap: evaluationCiOptionsSchema
      .extend({ replicates: evaluationCiOptionsSchema.shape.replicates.unwrap().min(50).default(1000) })
      .prefault({}),
  }),
  inputs: { dataset: { kind: imageSetKind }, weights: { kind: weightsKind } },
  outputs: { metrics: metricsKind, predictions: predictionsKind },
  env: ['TRANSFUSION_BACKEND', 'TRANSFUSION_NATIVE'],
  runtimeFacts: trainingComputeFacts,
  async run(ctx) {
    const { bootstrap } = ctx.params;
    const { bootstrapEvaluation, evaluateModel, inputTransformSchema } = await import('@transfusion/train');
    const { loadTaskData } = await import('../lib/task-data.js');
    const { loadTrainedModel } = await import('../lib/trained-model.js');
    const run = await runOfFile(ctx.inputs.weights.path);
    const data = await loadTaskData(ctx.inputs.dataset.path);
    const zm = await loadTrainedModel(ctx.inputs.weights.path);
    // the input the run was trained with (e.g. 'caffe' for Keras ResNet50 weights), recorded in its weights
    const evaluation = await evaluateModel(zm.model, data.test, data.task, {
      name: 'test',
      input: inputTransformSchema.parse(run.input),
    }).finally(() => data.close());
    const ci = bootstrapEvaluation(evaluation, data.task, bootstrap);
    const names = Object.keys(ci)
      .filter((k) => REPORTED.has(k) || k.startsWith('auc/'))
      .sort();
    const shown = ['auc', 'acc', 'kappa', 'referable_auc']
      .filter((k) => evaluation.metrics[k] !== undefined)
      .map((k) => `${k} ${evaluation.metrics[k]!.toFixed(4)}`);
    ctx.log(`${run.id}: test ${shown.join(', ')} on ${evaluation.n} images`);
    return {
      predictions: withRun(predictionsTable(evaluation, data.task), run),
      metrics: withRun(
        tableFromArrays({
          metric: names,
          value: Float64Array.from(names, (n) => ci[n]!.estimate),
          ciLow: Float64Array.from(names, (n) => ci[n]!.lower),
          ciHigh: Float64Array.from(names, (n) => ci[n]!.upper),
          images: Int32Array.from(names, () => evaluation.n),
          resamples: Int32Array.from(names, () => bootstrap.replicates),
          level: Float64Array.from(names, () => bootstrap.level),
        }),
        run,
      ),
    };
  },
});
