import { inspectArrowFile, readTensors, writeTensors } from '@transfusion/arrow-io';
import { WeightsFileError } from '../errors.js';
import { parseStoredSpec, type ModelSpec } from '../spec.js';
import { getWeights, validateWeightMap, type WeightMap, type WeightSource } from '../weights.js';
import type { ZooModel } from '../zoo.js';

/** Schema metadata key holding the zoo spec (JSON) the weights belong to. */
export const SPEC_METADATA_KEY = 'transfusion.model';
/** Schema metadata key naming the input transform the weights were trained on (`WeightSource.preprocessing`). */
export const PREPROCESSING_METADATA_KEY = 'transfusion.preprocessing';

export interface SaveWeightsOptions {
  /** The input transform the weights were trained on (e.g. 'caffe' for Keras ResNet50). */
  preprocessing?: string;
  /** Further schema metadata (e.g. the run the weights belong to). */
  metadata?: Record<string, string>;
}

/** Writes named weights as an Arrow tensors artifact (atomic), with the model spec and input transform when known. */
export async function saveWeights(
  path: string,
  weights: WeightMap,
  spec?: ModelSpec,
  options: SaveWeightsOptions = {},
): Promise<void> {
  const meta: Record<string, string> = { ...options.metadata };
  if (spec) meta[SPEC_METADATA_KEY] = JSON.stringify(spec);
  if (options.preprocessing !== undefined) meta[PREPROCESSING_METADATA_KEY] = options.preprocessing;
  await writeTensors(path, weights, meta);
}

/** Snapshot of a model's current weights, written with its spec. */
export async function saveModelWeights(path: string, zm: ZooModel, options: SaveWeightsOptions = {}): Promise<void> {
  await saveWeights(path, getWeights(zm), zm.spec, options);
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
  const preprocessing = info.metadata[PREPROCESSING_METADATA_KEY];
  if (preprocessing !== undefined) {
    if (!/^[a-z][a-z0-9-]*$/.test(preprocessing))
      throw new WeightsFileError(
        path,
        `metadata '${PREPROCESSING_METADATA_KEY}' is '${preprocessing}', expected an input transform name such as 'unit', 'tf' or 'caffe'`,
      );
    source.preprocessing = preprocessing;
  }
  return source;
}
