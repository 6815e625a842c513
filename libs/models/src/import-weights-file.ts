// Weights from a file (Keras HDF5, tfjs layers model.json, or an Arrow weights artifact) matched by layer name
// against a zoo model, optionally saved as an Arrow artifact with the model spec: `transfusion models import`.
import { z } from 'zod';
import { useCpuBackend } from './cpu-backend.js';
import { ModelsError } from './errors.js';
import { assertArchitecture } from './init/match.js';
import { pretrainedInit } from './init/transfer.js';
import { loadWeights, saveWeights } from './io/artifact.js';
import { importKerasH5Weights } from './io/keras-h5.js';
import { importLayersModelWeights } from './io/layers-format.js';
import { MODEL_NAMES, type ModelSpec } from './spec.js';
import type { WeightMap, WeightSource } from './weights.js';
import { buildModel } from './zoo.js';

export const importWeightsFileOptionsSchema = z
  .object({
    model: z.enum(MODEL_NAMES),
    /** Channel width multiplier the weights were trained with. */
    width: z.number().gt(0).max(16).default(1),
    /** Input channels of the first conv. */
    channels: z.number().int().min(1).default(3),
    /** Where to write the matched weights as an Arrow artifact; absent: only check them. */
    out: z.string().min(1).optional(),
  })
  .strict();

export type ImportWeightsFileOptions = z.input<typeof importWeightsFileOptionsSchema>;

export interface ImportWeightsFileResult {
  source: string;
  model: string;
  spec: ModelSpec;
  /** Weights taken from the source. */
  loaded: number;
  head: 'kept' | 'not in source';
  renamed: number;
  /** Source weights the model has no place for. */
  unused: string[];
  warnings: string[];
  out: string | null;
}

async function readSource(path: string): Promise<WeightSource & { warnings: string[] }> {
  if (/\.(h5|hdf5|keras\.h5)$/i.test(path)) return importKerasH5Weights(path);
  if (path.endsWith('.json')) return importLayersModelWeights(path);
  return { ...(await loadWeights(path)), warnings: [] };
}

/**
 * Every weight of the model must be found in the file with the right shape (the head may be absent); a wrong
 * architecture or a missing weight is a ModelsError naming it.
 */
export async function importWeightsFile(
  file: string,
  options: ImportWeightsFileOptions,
  log: (line: string) => void = () => undefined,
): Promise<ImportWeightsFileResult> {
  const parsed = importWeightsFileOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new ModelsError(
      'BAD_OPTIONS',
      `import options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const o = parsed.data;
  await useCpuBackend();
  log(`reading ${file}`);
  const source = await readSource(file);
  // Classes from the source's head when it has one (include_top), else Keras's 1000 with the head left out.
  const head = Object.entries(source.weights).find(([n]) => /(^|\/)(predictions|fc1000)\/kernel(:\d+)?$/.test(n))?.[1];
  const classes = head?.shape[1] ?? 1000;
  assertArchitecture(o.model, source); // before building: a wrong ResNet50/Inception build costs seconds
  const zm = buildModel({ name: o.model, classes, width: o.width, channels: o.channels });
  try {
    const { weights, report } = pretrainedInit(zm, source, {
      seed: 0,
      head: head ? 'keep' : 'reinit',
      inputChannels: 'strict',
    });
    // Only what came from the source: a head that was re-initialised is not part of the artifact.
    const matched: WeightMap = Object.fromEntries(report.loaded.map((n) => [n, weights[n]!]));
    if (o.out) await saveWeights(o.out, matched, zm.spec);
    return {
      source: file,
      model: zm.spec.name,
      spec: zm.spec,
      loaded: report.loaded.length,
      head: head ? 'kept' : 'not in source',
      renamed: report.renamed,
      unused: report.unused,
      warnings: [...source.warnings, ...report.warnings],
      out: o.out ?? null,
    };
  } finally {
    zm.model.dispose();
  }
}
