// The run identity: who a training run is (model, init, seed, task, data regime, input/preprocessing) and what it
// cost. This module is the only code that writes the record into an artifact's metadata or reads it from one.
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { inspectArrowFile } from '@transfusion/arrow-io';
import { jsonField } from '@transfusion/pipeline';
import { withMetadata } from './table-metadata.js';

/** Schema-metadata key under which every per-run artifact carries the run it belongs to (JSON). */
export const RUN_META_KEY = 'transfusion.run';

/**
 * The paper's init kinds as the report names them (`transfusion` keeps pretrained stages up to `upTo`: any stage of
 * the run's model, e.g. ResNet50 `block2`, Inception-v3 `mixed7`; the train stage checks it against the model).
 */
export const reportInitSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('random') }),
  z.strictObject({ kind: z.literal('pretrained') }),
  z.strictObject({ kind: z.literal('meanvar') }),
  z.strictObject({ kind: z.literal('transfusion'), upTo: z.string().min(1) }),
  z.strictObject({ kind: z.literal('gabor') }),
]);
export type ReportInit = z.infer<typeof reportInitSchema>;

/**
 * Who a training run is: model id (as the pipeline names it, e.g. `resnet50-slim`), init, seed, task and data
 * regime, plus what it cost. Written by the train stage, carried along by every stage downstream of it, so
 * fan-in stages (CCA, report) never depend on instance names.
 */
export const runInfoSchema = z.strictObject({
  id: z.string().min(1),
  model: z.string().min(1),
  init: reportInitSchema,
  seed: z.number().int(),
  task: z.string().min(1),
  dataset: z.string().min(1),
  regime: z.enum(['full', 'limited']),
  trainImages: z.number().int().positive(),
  labels: z.array(z.string().min(1)).min(1),
  taskKind: z.enum(['binary', 'multilabel', 'multiclass']),
  cost: z.strictObject({
    params: z.number().int().positive(),
    flopsPerImage: z.number().positive(),
    trainSeconds: z.number().nonnegative(),
    imagesPerSecond: z.number().positive(),
  }),
  backend: z.string().min(1),
  /** The input transform the run was trained (and must be evaluated) with (@transfusion/train `input`). */
  input: z.string().min(1),
  /** Which weights the run's artifacts hold: the best validation evaluation, or the last step. */
  checkpoint: z.strictObject({
    kind: z.enum(['best', 'last']),
    step: z.number().int().nonnegative(),
    epoch: z.number().int().nonnegative(),
    monitor: z.string().min(1).optional(),
    value: z.number().optional(),
  }),
  /** What the source weights (transfer, Mean Var, transfusion, Slim, Gabor's target) were pretrained on. */
  transferSource: z.string().min(1).optional(),
  /** The MedMNIST flag of the dataset (e.g. `retinamnist`), when it came from a MedMNIST file: names its published rows. */
  medmnistFlag: z.string().min(1).optional(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

/** The run record as a field of an artifact kind's metadata schema (JSON under RUN_META_KEY). */
export const runField = jsonField(runInfoSchema);
/** The part of a kind's metadata schema that requires the run record: spread into the kind's `z.object`. */
export const runRecordShape = { [RUN_META_KEY]: runField };

/** The metadata that tags an artifact with its run: for writers of tensors files (weights, activations). */
export function runMetadata(run: RunInfo): Record<string, string> {
  return { [RUN_META_KEY]: JSON.stringify(run) };
}

export class StudyError extends Error {
  constructor(
    readonly code: 'STUDY_BAD_ARTIFACT' | 'STUDY_BAD_INPUT' | 'STUDY_MISSING_RUN',
    message: string,
  ) {
    super(message);
    this.name = 'StudyError';
  }
}

export function parseRunInfo(raw: string | undefined, origin: string): RunInfo {
  if (raw === undefined)
    throw new StudyError(
      'STUDY_BAD_ARTIFACT',
      `${origin}: no '${RUN_META_KEY}' metadata; expected an artifact written by the train stage`,
    );
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new StudyError('STUDY_BAD_ARTIFACT', `${origin}: metadata '${RUN_META_KEY}' is not JSON`);
  }
  const parsed = runInfoSchema.safeParse(json);
  if (!parsed.success)
    throw new StudyError(
      'STUDY_BAD_ARTIFACT',
      `${origin}: metadata '${RUN_META_KEY}': ${z.prettifyError(parsed.error)}`,
    );
  return parsed.data;
}

/** The run an artifact belongs to, from its schema metadata. */
export function runOfMetadata(metadata: Record<string, string>, origin: string): RunInfo {
  return parseRunInfo(metadata[RUN_META_KEY], origin);
}

/** The run a table belongs to. */
export function runOfTable(table: Table, origin: string): RunInfo {
  return parseRunInfo(table.schema.metadata.get(RUN_META_KEY), origin);
}

/** The run an Arrow file (tensors or table) belongs to, from its schema metadata. */
export async function runOfFile(path: string): Promise<RunInfo> {
  const info = await inspectArrowFile(path);
  return parseRunInfo(info.metadata[RUN_META_KEY], path);
}

/** The same table with the run attached as schema metadata. */
export function withRun(table: Table, run: RunInfo): Table {
  return withMetadata(table, runMetadata(run));
}
