import { inspectArrowFile, readTensors, writeTensors } from '@transfusion/arrow-io';
import { WeightsFileError } from '../errors.js';
import { parseStoredSpec, type ModelSpec } from '../spec.js';
import { getWeights, validateWeightMap, type WeightMap, type WeightSource } from '../weights.js';
import type { ZooModel } from '../zoo.js';

/** Schema metadata key holding the zoo spec (JSON) the weights belong to. */
export const SPEC_METADATA_KEY = 'transfusion.model';

/** Writes named weights as an Arrow tensors artifact (atomic), with the model spec when known. */
export async function saveWeights(path: string, weights: WeightMap, spec?: ModelSpec): Promise<void> {
  await writeTensors(path, weights, spec ? { [SPEC_METADATA_KEY]: JSON.stringify(spec) } : {});
}

/** Snapshot of a model's current weights, written with its spec. */
export async function saveModelWeights(path: string, zm: ZooModel): Promise<void> {
  await saveWeights(path, getWeights(zm), zm.spec);
}

/** Reads a weights artifact; damaged files fail with arrow-io's ArrowFileError naming the file. */
export async function loadWeights(path: string): Promise<WeightSource> {
  const info = await inspectArrowFile(path);
  const tensors = await readTensors(path);
  const source: WeightSource = { weights: validateWeightMap(tensors, path), origin: path };
  const raw = info.metadata[SPEC_METADATA_KEY];
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new WeightsFileError(path, `metadata '${SPEC_METADATA_KEY}' is not JSON`);
    }
    source.spec = parseStoredSpec(parsed, path);
  }
  return source;
}
