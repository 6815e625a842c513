// Summaries of zoo models (stages, parameters, FLOPs) built on the cpu backend: what `transfusion models list` prints.
import { z } from 'zod';
import { useCpuBackend } from './cpu-backend.js';
import { ModelsError } from './errors.js';
import { MODEL_NAMES, type ModelName } from './spec.js';
import { modelSummary, type ModelSummary } from './summary.js';
import { buildModel, type ZooModel } from './zoo.js';

export const summarizeZooOptionsSchema = z
  .object({
    inputSize: z.number().int().min(1).default(224),
    channels: z.number().int().min(1).default(3),
    classes: z.number().int().min(1).default(1000),
    width: z.number().gt(0).max(16).default(1),
    /** Only these models; empty or absent: every zoo model (skipping those too large for inputSize). */
    models: z.array(z.enum(MODEL_NAMES)).default([]),
  })
  .strict();

export type SummarizeZooOptions = z.input<typeof summarizeZooOptionsSchema>;

/**
 * Builds each model and summarises it. Listing all models at a small input size skips those that cannot take it
 * (reported through `log`); naming one makes its INPUT_TOO_SMALL an error.
 */
export async function summarizeZoo(
  options: SummarizeZooOptions = {},
  log: (line: string) => void = () => undefined,
): Promise<ModelSummary[]> {
  const parsed = summarizeZooOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new ModelsError(
      'BAD_OPTIONS',
      `zoo summary options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const o = parsed.data;
  const names: readonly ModelName[] = o.models.length ? o.models : MODEL_NAMES;
  await useCpuBackend();
  const rows: ModelSummary[] = [];
  for (const [i, name] of names.entries()) {
    log(`[${i + 1}/${names.length}] building ${name}`);
    let zm: ZooModel;
    try {
      zm = buildModel(
        { name, inputSize: o.inputSize, channels: o.channels, classes: o.classes, width: o.width },
        { initialWeights: 'zeros' },
      );
    } catch (e) {
      if (o.models.length === 0 && e instanceof ModelsError && e.code === 'INPUT_TOO_SMALL') {
        log(`skipped: ${e.message}`);
        continue;
      }
      throw e;
    }
    rows.push(modelSummary(zm));
    zm.model.dispose();
  }
  return rows;
}
