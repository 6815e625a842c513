// What flows between the study's stages, as artifact kinds: the planner refuses a pipeline that wires one kind into a
// port of another, and the engine checks each output's metadata record against its kind before committing it.
// This module and run-info.ts (the run record) are the only code that names metadata keys.
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { inspectArrowFile } from '@transfusion/arrow-io';
import { METHODS } from '@transfusion/cca/schemas';
import { DATASET_FORMAT, labelSpecSchema } from '@transfusion/data/schemas';
import { defineArtifactKind, jsonField, type ArtifactKind } from '@transfusion/pipeline';
import { runInfoSchema, runRecordShape, StudyError } from './run-info.js';

/**
 * Where an image set came from (libs/data's `meta` record, all strings): the import format and file, the MedMNIST
 * flag, the synthetic generator, and the referable grade prepare-dataset scores graded sets with.
 */
export const imageSetProvenanceSchema = z
  .object({
    format: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    root: z.string().min(1).optional(),
    flag: z.string().min(1).optional(),
    generator: z.string().min(1).optional(),
    referableGrade: z
      .string()
      .regex(/^[1-9][0-9]*$/, 'a grade ≥ 1')
      .optional(),
  })
  .catchall(z.string());
export type ImageSetProvenance = z.infer<typeof imageSetProvenanceSchema>;

// The weights' own keys are libs/models' (SPEC_METADATA_KEY, PREPROCESSING_METADATA_KEY), spelled out here
// because importing @transfusion/models loads tfjs into every process that loads the registry.
const weightsFile = {
  /** The zoo spec; libs/models checks it in depth when it loads the weights. */
  'transfusion.model': jsonField(z.record(z.string(), z.unknown())),
  /** The input transform the weights were trained on. */
  'transfusion.preprocessing': z.string().min(1),
};

/** What a set of source weights was pretrained on (e.g. "ImageNet"), for the report's labels. */
const PRETRAINED_ON_KEY = 'transfusion.pretrained-on';
const STAGES_KEY = 'transfusion.stages';
const PREDICTIONS_TASK_KEY = 'transfusion.predictions-task';
const CCA_VARIANTS_KEY = 'transfusion.cca.variants';
const CCA_SKIPPED_KEY = 'transfusion.cca.skipped';
const FILTERS_KEY = 'transfusion.filters';

export const imageSetKind = defineArtifactKind({
  name: 'image-set',
  description: "libs/data's sharded Arrow image set (images, labels, masks, patients, splits), streamed from disk",
  storage: 'table',
  handedAs: 'path',
  metadata: z.object({
    'transfusion.dataset': z.literal(DATASET_FORMAT),
    'transfusion.name': z.string(),
    'transfusion.task': jsonField(labelSpecSchema),
    'transfusion.meta': jsonField(imageSetProvenanceSchema),
  }),
});

export const sourceWeightsKind = defineArtifactKind({
  name: 'source-weights',
  description: 'pretrained weights a run starts from (pretrain, import-weights), with what they were pretrained on',
  storage: 'tensors',
  handedAs: 'path',
  metadata: z.object({
    ...weightsFile,
    'transfusion.model': weightsFile['transfusion.model'].optional(),
    [PRETRAINED_ON_KEY]: z.string().min(1),
  }),
});

export const weightsKind = defineArtifactKind({
  name: 'weights',
  description: "a training run's weights (at init or trained), tagged with the run",
  storage: 'tensors',
  handedAs: 'path',
  metadata: z.object({ ...weightsFile, ...runRecordShape }),
});

export const historyKind = defineArtifactKind({
  name: 'history',
  description: "a training run's validation history, one row per evaluation, tagged with the run",
  storage: 'table',
  handedAs: 'value',
  metadata: z.object(runRecordShape),
});

export const sourceHistoryKind = defineArtifactKind({
  name: 'source-history',
  description: 'the validation history of source pretraining (no study run)',
  storage: 'table',
  handedAs: 'value',
});

export const metricsKind = defineArtifactKind({
  name: 'metrics',
  description: "a run's test metrics with bootstrap intervals, tagged with the run",
  storage: 'table',
  handedAs: 'value',
  metadata: z.object(runRecordShape),
});

/** The task the predictions' label columns belong to. */
export const predictionsTaskSchema = z.strictObject({
  kind: z.enum(['binary', 'multilabel', 'multiclass']),
  /** Label columns (`label_0` …) per image: 1 for a class index, L for binary / multi-label indicators. */
  labelColumns: z.number().int().positive(),
  /** Score columns (`score_0` …) per image. */
  scoreColumns: z.number().int().positive(),
  referableClass: z.number().int().nonnegative().optional(),
});
export type PredictionsTask = z.infer<typeof predictionsTaskSchema>;

export const predictionsKind = defineArtifactKind({
  name: 'predictions',
  description: "a run's per-image test labels and scores, tagged with the run and the task",
  storage: 'table',
  handedAs: 'value',
  metadata: z.object({ ...runRecordShape, [PREDICTIONS_TASK_KEY]: jsonField(predictionsTaskSchema) }),
});

export const activationsKind = defineArtifactKind({
  name: 'activations',
  description: "a run's stage outputs on the probe set, `init/<stage>` and `final/<stage>`, tagged with the run",
  storage: 'tensors',
  handedAs: 'path',
  metadata: z.object({
    ...runRecordShape,
    [STAGES_KEY]: jsonField(z.array(z.string().min(1)).min(1, 'at least one captured stage')),
  }),
});

const ccaVariantSchema = z.strictObject({
  id: z.string().min(1),
  method: z.enum(METHODS),
  description: z.string().min(1),
});
export type CcaVariant = z.infer<typeof ccaVariantSchema>;

export const similarityKind = defineArtifactKind({
  name: 'similarity',
  description: 'CCA/SVCCA/PWCCA/CKA similarities between runs and stages, with the variants they were measured with',
  storage: 'table',
  handedAs: 'value',
  metadata: z.object({
    [CCA_VARIANTS_KEY]: jsonField(z.array(ccaVariantSchema).min(1)),
    [CCA_SKIPPED_KEY]: jsonField(z.array(z.string())),
  }),
});

const filterEntrySchema = z.strictObject({ run: runInfoSchema, layer: z.string().min(1) });
export type FilterEntry = z.infer<typeof filterEntrySchema>;

export const filtersKind = defineArtifactKind({
  name: 'filters',
  description: "runs' first conv kernels before and after training: tensors `<i>/before`, `<i>/after` for entry i",
  storage: 'tensors',
  handedAs: 'path',
  metadata: z.object({ [FILTERS_KEY]: jsonField(z.array(filterEntrySchema)) }),
});

export const datasetSummaryKind = defineArtifactKind({
  name: 'dataset-summary',
  description: 'images, patients and label counts per dataset, split and label',
  storage: 'table',
  handedAs: 'value',
});

export const convergenceKind = defineArtifactKind({
  name: 'convergence',
  description: 'per run and metric: best and final value and the steps to reach levels relative to the task',
  storage: 'table',
  handedAs: 'value',
});

type Checked = ArtifactKind & { metadata: z.ZodType };

function parsed<K extends Checked>(kind: K, metadata: Record<string, string>, origin: string): z.output<K['metadata']> {
  const r = kind.metadata.safeParse(metadata);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`).join('; ');
    throw new StudyError('STUDY_BAD_ARTIFACT', `${origin}: not a valid ${kind.name} artifact (${issues})`);
  }
  return r.data as z.output<K['metadata']>;
}

/** The metadata record of an Arrow file of a kind, checked against the kind. */
export async function metadataOfFile<K extends Checked>(kind: K, path: string): Promise<z.output<K['metadata']>> {
  return parsed(kind, (await inspectArrowFile(path)).metadata, path);
}

/** The metadata record of a table of a kind, checked against the kind. */
export function metadataOfTable<K extends Checked>(kind: K, table: Table, origin: string): z.output<K['metadata']> {
  return parsed(kind, Object.fromEntries(table.schema.metadata), origin);
}

// Writers: each builds the metadata record its kind's schema checks, from typed values.
export const sourceWeightsMetadata = (pretrainedOn: string): Record<string, string> => ({
  [PRETRAINED_ON_KEY]: pretrainedOn,
});
export const activationsMetadata = (stages: string[]): Record<string, string> => ({
  [STAGES_KEY]: JSON.stringify(stages),
});
export const predictionsMetadata = (task: PredictionsTask): Record<string, string> => ({
  [PREDICTIONS_TASK_KEY]: JSON.stringify(task),
});
export const similarityMetadata = (variants: CcaVariant[], skipped: string[]): Record<string, string> => ({
  [CCA_VARIANTS_KEY]: JSON.stringify(variants),
  [CCA_SKIPPED_KEY]: JSON.stringify(skipped),
});
export const filtersMetadata = (entries: FilterEntry[]): Record<string, string> => ({
  [FILTERS_KEY]: JSON.stringify(entries),
});

/** Typed readers of the records above, for the stages downstream. */
export const pretrainedOnOf = async (path: string): Promise<string> =>
  (await metadataOfFile(sourceWeightsKind, path))[PRETRAINED_ON_KEY];
export const capturedStagesOf = async (path: string): Promise<string[]> =>
  (await metadataOfFile(activationsKind, path))[STAGES_KEY];
export const predictionsTaskOf = (t: Table, origin: string): PredictionsTask =>
  metadataOfTable(predictionsKind, t, origin)[PREDICTIONS_TASK_KEY];
export const ccaVariantsOf = (t: Table, origin: string): CcaVariant[] =>
  metadataOfTable(similarityKind, t, origin)[CCA_VARIANTS_KEY];
export const filterEntriesOf = async (path: string): Promise<FilterEntry[]> =>
  (await metadataOfFile(filtersKind, path))[FILTERS_KEY];
export const provenanceOf = (meta: Record<string, string>, origin: string): ImageSetProvenance => {
  const r = imageSetProvenanceSchema.safeParse(meta);
  if (!r.success)
    throw new StudyError('STUDY_BAD_ARTIFACT', `${origin}: image set provenance: ${z.prettifyError(r.error)}`);
  return r.data;
};
