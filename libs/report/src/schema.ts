import { z } from 'zod';

/**
 * The input of the report: everything the study stages measured. Designed so that each stage can fill its
 * part directly (train runs → `runs`, the CCA stage → `cca`, weight capture → `filters`, the engine →
 * `provenance`). All AUCs are fractions in [0, 1]; the report prints them as percentages like the paper.
 */

const finite = z.number().finite();
const unit = finite.min(0).max(1);

/**
 * The paper's ResNet stage names (conv1, block1..block4): the stages of a model that gives no `stages` of its own
 * (see `stagesOf` in init.ts).
 */
export const stageNames = ['conv1', 'block1', 'block2', 'block3', 'block4'] as const;
export type StageName = (typeof stageNames)[number];

/**
 * How the weights were initialised. `transfusion` reuses pretrained weights up to and including stage `upTo`:
 * any stage of the run's model (ResNet50 `block1`, Inception-v3 `mixed2`, a CBR's `layer2`, ...).
 */
export const initSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random') }).strict(),
  z.object({ kind: z.literal('pretrained') }).strict(),
  z.object({ kind: z.literal('meanvar') }).strict(),
  z.object({ kind: z.literal('transfusion'), upTo: z.string().min(1) }).strict(),
  /** Synthetic Gabor filters in conv1, everything else random (Fig 8). */
  z.object({ kind: z.literal('gabor') }).strict(),
]);
export type Init = z.infer<typeof initSchema>;

/** Published benchmark suites whose rows the report can set beside ours (src/published/). */
export const benchmarkSuites = ['medmnist-v2'] as const;
export type BenchmarkSuite = (typeof benchmarkSuites)[number];

/** Models of the paper, so the report can show the published value where the setting corresponds. */
export const paperModels = ['ResNet-50', 'Inception-v3', 'CBR-LargeT', 'CBR-LargeW', 'CBR-Small', 'CBR-Tiny'] as const;
export type PaperModel = (typeof paperModels)[number];

export const modelInfoSchema = z
  .object({
    id: z.string().min(1),
    label: z.string().min(1),
    /** `imagenet`: the large ImageNet architectures; `cbr`: the small conv nets. Drives statements 2–5. */
    family: z.enum(['imagenet', 'cbr', 'other']),
    paperModel: z.enum(paperModels).optional(),
    /** For hybrids (e.g. ResNet50 Slim): the model whose curves they are compared with (Fig 8). */
    hybridOf: z.string().min(1).optional(),
    /**
     * The published benchmark method this model corresponds to, e.g. 'ResNet-50 (28)' in MedMNIST v2; its value
     * is shown (marked as published) beside ours for tasks with a `benchmark`.
     */
    benchmarkModel: z.string().min(1).optional(),
    /**
     * The model's body stages, input to output (e.g. Inception-v3: conv1, stem, mixed0..mixed10): the order of its
     * transfusion prefixes in tables and Fig 7. Absent: the paper's ResNet names, conv1, block1..block4.
     */
    stages: z
      .array(z.string().min(1))
      .min(1)
      .refine((s) => new Set(s).size === s.length, { message: 'expected distinct stage names' })
      .optional(),
  })
  .strict();
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const taskSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['binary', 'multilabel', 'multiclass']),
    labels: z.array(z.string().min(1)).min(1),
    /** Which of the paper's settings this task mirrors: RETINA referable DR (Tables 1, 3) or CheXpert (Table 2). */
    paperSetting: z.enum(['retina', 'chexpert']).optional(),
    /** Ordered classes (e.g. DR grades): the tables show quadratic-weighted kappa when runs have `metrics.kappa`. */
    ordinal: z.boolean().optional(),
    /** Shown under the task's tables, e.g. how a derived task is computed from another task's models. */
    description: z.string().min(1).optional(),
    /** The published benchmark measuring this task on the same test split ("Beside published results"). */
    benchmark: z
      .object({ suite: z.enum(benchmarkSuites), dataset: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type Task = z.infer<typeof taskSchema>;

/** A test metric with its bootstrap interval; `range` bounds value and interval alike. */
function withCi(range: z.ZodNumber) {
  return z
    .object({ value: range, ciLow: range, ciHigh: range })
    .strict()
    .refine((a) => a.ciLow <= a.value + 1e-12 && a.value <= a.ciHigh + 1e-12, {
      message: 'expected ciLow <= value <= ciHigh',
    });
}

export const aucWithCiSchema = withCi(unit);
export type AucWithCi = z.infer<typeof aucWithCiSchema>;

/**
 * Further test metrics of a run. The named ones are range-checked (kappa can be negative); any other name is
 * accepted as a finite value with its CI and kept in results.json.
 */
export const runMetricsSchema = z
  .object({
    /** Accuracy (multi-class: of the most probable class). */
    acc: withCi(unit).optional(),
    /** Quadratic-weighted Cohen's kappa (ordinal tasks), in [−1, 1]. */
    kappa: withCi(finite.min(-1).max(1)).optional(),
    /** AUC of P(grade ≥ 2), "referable DR", from a grading model. */
    referable_auc: withCi(unit).optional(),
  })
  .catchall(withCi(finite));
export type RunMetrics = z.infer<typeof runMetricsSchema>;

/** Which weights the test numbers come from: the best evaluation by a validation metric, or the last step. */
export const checkpointSchema = z
  .object({
    kind: z.enum(['best', 'last']),
    step: z.number().int().nonnegative(),
    /** History metric the best checkpoint was selected by, e.g. `val_auc`. */
    monitor: z.string().min(1).optional(),
    /** Its value at `step`. */
    value: finite.optional(),
  })
  .strict();
export type Checkpoint = z.infer<typeof checkpointSchema>;

export const historyPointSchema = z
  .object({
    step: z.number().int().nonnegative(),
    loss: finite,
    /** Validation metrics at this step, e.g. `{ val_auc_macro: 0.91 }`; the key named by `evaluation.convergenceMetric` drives Figs 6–8. */
    metrics: z.record(z.string(), finite),
  })
  .strict();
export type HistoryPoint = z.infer<typeof historyPointSchema>;

export const runSchema = z
  .object({
    /** Unique per run, e.g. the training stage's instance name. */
    id: z.string().min(1),
    model: z.string().min(1),
    init: initSchema,
    seed: z.number().int(),
    task: z.string().min(1),
    data: z
      .object({
        dataset: z.string().min(1),
        trainImages: z.number().int().positive(),
        /** `limited`: the small-data setting (Table 3, 5,000 images in the paper). */
        regime: z.enum(['full', 'limited']),
      })
      .strict(),
    /**
     * Test-set AUC with bootstrap CIs (multi-class: macro one-vs-rest). `perLabel` lists every label of the task;
     * a multi-class task may leave it empty (per-class AUCs not measured).
     */
    auc: z.object({ macro: aucWithCiSchema, perLabel: z.record(z.string(), aucWithCiSchema) }).strict(),
    /** Further test metrics with CIs: `acc`, `kappa`, `referable_auc`, … */
    metrics: runMetricsSchema.optional(),
    /** The weights the test numbers come from; absent = the last step (no selection recorded). */
    checkpoint: checkpointSchema.optional(),
    /**
     * What the source weights of transfer, Mean Var, transfusion and Slim runs were pretrained on, e.g. "the
     * synthetic natural set" or "ImageNet (Keras)"; shown in the transfer rows' label ("Transfer (…)").
     */
    transferSource: z.string().min(1).optional(),
    /** Set when this run's task is scored from another run's model (no training of its own): that run's id. */
    derivedFrom: z.string().min(1).optional(),
    /**
     * Per-image test scores, N × K row-major in the order of the task's `testSets` entry (K = the task's labels:
     * P(label) for binary/multi-label, the softmax over classes for multi-class). The paired statistics, ROC
     * curves and calibration use them; without them the report falls back to seed-level statistics.
     */
    // a sum of float32 probabilities (P(grade ≥ k)) may exceed 1 by rounding
    test: z
      .object({ scores: z.array(finite.min(0).max(1 + 1e-5)) })
      .strict()
      .optional(),
    history: z.array(historyPointSchema),
    cost: z
      .object({
        params: z.number().int().positive(),
        /** Forward-pass FLOPs for one image (multiply and add counted separately). */
        flopsPerImage: z.number().positive(),
        trainSeconds: z.number().nonnegative(),
        imagesPerSecond: z.number().positive(),
      })
      .strict(),
  })
  .strict();
export type Run = z.infer<typeof runSchema>;

/** Names the similarity measure; printed on every representational-similarity plot. */
export const ccaVariantSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a lowercase id usable in file names'),
    /** Same names as @transfusion/cca's methods. */
    method: z.enum(['mean', 'svcca', 'pwcca', 'pwcca-google', 'cka', 'cka-debiased']),
    /** Full description, e.g. "SVCCA (99% variance kept), spatial positions as datapoints, 4,000 samples". */
    description: z.string().min(1),
  })
  .strict();
export type CcaVariant = z.infer<typeof ccaVariantSchema>;

const layerRef = { model: z.string().min(1), layer: z.string().min(1), layerIndex: z.number().int().nonnegative() };

export const ccaResultSchema = z
  .object({
    variant: ccaVariantSchema,
    /** Fig 2: two trained models of the same architecture compared layer by layer. */
    betweenModels: z.array(
      z
        .object({
          ...layerRef,
          comparison: z.enum(['rand-rand', 'rand-pretrained']),
          seedA: z.number().int(),
          seedB: z.number().int(),
          value: unit,
        })
        .strict(),
    ),
    /** Fig 3: the same model's representation at initialisation vs after training. */
    initFinal: z.array(
      z.object({ ...layerRef, init: z.enum(['random', 'pretrained']), seed: z.number().int(), value: unit }).strict(),
    ),
    /** Fig 4: similarity of a pair of models at initialisation (x) and after training (y). */
    initVsFinal: z.array(
      z
        .object({
          ...layerRef,
          pair: z.string().min(1),
          /** The kind of pair, e.g. `rand-rand`, `rand-pretrained`; absent: the first word of `pair`. */
          comparison: z.string().min(1).optional(),
          atInit: unit,
          afterTraining: unit,
        })
        .strict(),
    ),
  })
  .strict();
export type CcaResult = z.infer<typeof ccaResultSchema>;

/** A float tensor; conv kernels use the TensorFlow layout [kh, kw, inChannels, outChannels]. */
export const tensorSchema = z
  .object({
    shape: z.array(z.number().int().positive()).min(1),
    // Typed arrays over any buffer (Arrow columns are views into a Node Buffer), or plain numbers from JSON.
    data: z.union([
      z.custom<Float32Array<ArrayBufferLike>>((v) => v instanceof Float32Array, 'expected a Float32Array'),
      z.custom<Float64Array<ArrayBufferLike>>((v) => v instanceof Float64Array, 'expected a Float64Array'),
      z.array(finite),
    ]),
  })
  .strict()
  .superRefine((t, ctx) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `expected ${n} values for shape [${t.shape.join(', ')}], got ${t.data.length}`,
      });
    }
    if (!Array.isArray(t.data)) {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        ctx.addIssue({ code: 'custom', path: ['data', bad], message: `expected a finite number, got ${t.data[bad]}` });
    }
  });
export type Tensor = z.infer<typeof tensorSchema>;

export const filterSnapshotSchema = z
  .object({
    model: z.string().min(1),
    init: z.enum(['random', 'pretrained']),
    seed: z.number().int(),
    layer: z.string().min(1),
    before: tensorSchema,
    after: tensorSchema,
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.before.shape.length !== 4)
      ctx.addIssue({ code: 'custom', path: ['before', 'shape'], message: 'expected a conv kernel [kh, kw, in, out]' });
    if (f.before.shape.join('x') !== f.after.shape.join('x')) {
      ctx.addIssue({
        code: 'custom',
        path: ['after', 'shape'],
        message: `expected the same shape as before ([${f.before.shape.join(', ')}])`,
      });
    }
  });
export type FilterSnapshot = z.infer<typeof filterSnapshotSchema>;

export const provenanceSchema = z
  .object({
    pipeline: z.object({ name: z.string().min(1), file: z.string().min(1), sha256: z.string().optional() }).strict(),
    /** The pipeline's resolved parameters (defaults filled, `--set` applied). */
    params: z.record(z.string(), z.unknown()),
    cacheKeys: z.array(
      z
        .object({ stage: z.string().min(1), key: z.string().min(1), status: z.enum(['ran', 'cached']).optional() })
        .strict(),
    ),
    backend: z.string().min(1),
    versions: z.record(z.string(), z.string()),
    datasets: z.array(
      z
        .object({
          name: z.string().min(1),
          source: z.string().min(1),
          splits: z.array(
            z
              .object({
                split: z.string().min(1),
                images: z.number().int().nonnegative(),
                positives: z.record(z.string(), z.number().int().nonnegative()).optional(),
              })
              .strict(),
          ),
        })
        .strict(),
    ),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    wallSeconds: z.number().nonnegative(),
    /**
     * The pipeline's graph (one node per stage of the file), added by the publish step: drawn as a figure in the
     * HTML report, and its Mermaid text (`mermaid`) kept beside it for Markdown viewers that render Mermaid.
     */
    dag: z
      .object({
        mermaid: z.string().min(1),
        nodes: z.array(z.object({ id: z.string().min(1), label: z.string() }).strict()).min(1),
        edges: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) }).strict()),
      })
      .strict()
      .superRefine((d, ctx) => {
        const ids = new Set(d.nodes.map((n) => n.id));
        d.edges.forEach((e, i) => {
          for (const end of ['from', 'to'] as const) {
            if (!ids.has(e[end]))
              ctx.addIssue({ code: 'custom', path: ['edges', i, end], message: `names no node ('${e[end]}')` });
          }
        });
      })
      .optional(),
  })
  .strict();
export type Provenance = z.infer<typeof provenanceSchema>;

/** A task's test set, as every run's `test.scores` lists it: what the paired statistics resample. */
export const testSetSchema = z
  .object({
    task: z.string().min(1),
    /** Binary / multi-label: N × L row-major 0/1 labels (L = the task's labels); multi-class: N class indices. */
    labels: z.array(z.number().int().min(0)),
    /** Multi-label: N × L 0/1, 1 where the label is known (uncertain labels masked out); absent = all known. */
    mask: z.array(z.union([z.literal(0), z.literal(1)])).optional(),
    /** The patient of each image: a patient's images are resampled together. Absent = each image its own patient. */
    patients: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type TestSet = z.infer<typeof testSetSchema>;

export const studyResultsSchema = z
  .object({
    schemaVersion: z.literal(1),
    title: z.string().min(1),
    models: z.array(modelInfoSchema).min(1),
    tasks: z.array(taskSchema).min(1),
    evaluation: z
      .object({
        /** History metric used for convergence curves (validation AUC). */
        convergenceMetric: z.string().min(1),
        bootstrap: z.object({ resamples: z.number().int().positive(), level: z.number().gt(0).lt(1) }).strict(),
      })
      .strict(),
    runs: z.array(runSchema),
    testSets: z.array(testSetSchema).default([]),
    cca: z.array(ccaResultSchema).default([]),
    filters: z.array(filterSnapshotSchema).default([]),
    provenance: provenanceSchema,
  })
  .strict();
export type StudyResults = z.infer<typeof studyResultsSchema>;
/** What producers write: defaults (empty `cca`, `filters`) may be left out. */
export type StudyResultsInput = z.input<typeof studyResultsSchema>;
