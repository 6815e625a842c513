import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { WeightsFileError } from '../errors.js';
import { parseStoredSpec } from '../spec.js';
import { sizeOf, weightTensor, type WeightMap, type WeightSource } from '../weights.js';
import type { ZooModel } from '../zoo.js';

/**
 * The tfjs layers format that `tensorflowjs_converter --input_format=keras` (and tfjs `model.save`) writes:
 * model.json with the topology and a weights manifest, plus little-endian binary shards read in manifest order.
 */
const quantizationSchema = z
  .object({ dtype: z.enum(['uint8', 'uint16', 'float16']), scale: z.number().optional(), min: z.number().optional() })
  .passthrough();
const weightEntrySchema = z
  .object({
    name: z.string().min(1),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.enum(['float32', 'int32', 'bool', 'float16']),
    quantization: quantizationSchema.optional(),
  })
  .passthrough();
const modelJsonSchema = z
  .object({
    format: z.string().optional(),
    generatedBy: z.string().nullish(),
    convertedBy: z.string().nullish(),
    modelTopology: z.record(z.string(), z.unknown()).optional(),
    weightsManifest: z
      .array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(weightEntrySchema) }).passthrough())
      .min(1),
    userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
type ModelJson = z.infer<typeof modelJsonSchema>;

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

async function readModelJson(path: string): Promise<ModelJson> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new WeightsFileError(path, `cannot read model.json (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new WeightsFileError(path, `not valid JSON (${(e as Error).message})`);
  }
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new WeightsFileError(path, `not a tfjs layers model.json: ${issues}`);
  }
  if (parsed.data.format && parsed.data.format !== 'layers-model') {
    throw new WeightsFileError(
      path,
      `format is '${parsed.data.format}', expected 'layers-model'; graph models carry no Keras layer names — convert the Keras .h5 with tensorflowjs_converter --input_format=keras`,
    );
  }
  return parsed.data;
}

/** Keras 3 writes `batch_shape` and its converted weights are unreliable (tfjs#8266, #8328); say so. */
function kerasWarnings(json: ModelJson): string[] {
  const topo = json.modelTopology ?? {};
  const version = typeof topo['keras_version'] === 'string' ? topo['keras_version'] : '';
  const text = JSON.stringify(topo['model_config'] ?? {});
  if (version.startsWith('3.') || (text.includes('"batch_shape"') && !text.includes('"batch_input_shape"'))) {
    return [
      'model.json was written from Keras 3, whose conversion to tfjs is known to mis-handle weights (tfjs#8266); convert from Keras 2 (TF ≤ 2.15 or tf_keras) .h5 instead',
    ];
  }
  return [];
}

/** Reads every shard in manifest order, checking each group's byte count against its weight specs. */
async function readShards(
  path: string,
  json: ModelJson,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const dir = dirname(path);
  const buffers: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const [g, group] of json.weightsManifest.entries()) {
    let got = 0;
    for (const p of group.paths) {
      const file = resolve(dir, p);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new WeightsFileError(path, `weightsManifest[${g}]: cannot read shard ${p} (${(e as Error).message})`);
      }
      buffers.push(bytes);
      got += bytes.byteLength;
    }
    let expected = 0;
    for (const w of group.weights) {
      expected += sizeOf(w.shape) * (BYTES[w.quantization?.dtype ?? w.dtype] ?? 4);
      specs.push(w as tf.io.WeightsManifestEntry);
    }
    if (got !== expected) {
      throw new WeightsFileError(
        path,
        `weightsManifest[${g}]: shards ${group.paths.join(', ')} hold ${got} bytes, the manifest describes ${expected}`,
      );
    }
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    data.set(b, at);
    at += b.byteLength;
  }
  return { specs, data: data.buffer };
}

/**
 * The input transform Keras `applications` trained these weights with, recognised by layer names: ResNet50
 * (`conv1_conv`, or the Caffe-style `res2a_branch2a` of keras_applications ≤ 1.0.8) used 'caffe' (BGR minus the
 * ImageNet mean), InceptionV3 (94 `conv2d*` layers) used 'tf' (x/127.5 − 1). Undefined when not recognised.
 */
export function kerasApplicationPreprocessing(weights: WeightMap): 'caffe' | 'tf' | undefined {
  const names = Object.keys(weights);
  if (names.includes('conv1_conv/kernel') || names.some((n) => n.startsWith('res2a_branch2a/'))) return 'caffe';
  if (names.filter((n) => /^conv2d(_\d+)?\/kernel$/.test(n)).length === 94) return 'tf';
  return undefined;
}

/**
 * Reads the weights of a tfjs layers model (model.json + shards) by name, dequantising uint8/uint16/float16
 * weights; the topology is not needed, so any Keras 2 model converted by tensorflowjs_converter loads.
 * `preprocessing` is what Keras applications used for a recognised ResNet50/InceptionV3, else the spec's.
 */
export async function importLayersModelWeights(modelJsonPath: string): Promise<WeightSource & { warnings: string[] }> {
  const json = await readModelJson(modelJsonPath);
  const { specs, data } = await readShards(modelJsonPath, json);
  let named: tf.NamedTensorMap;
  try {
    named = tf.io.decodeWeights(data, specs);
  } catch (e) {
    throw new WeightsFileError(modelJsonPath, `cannot decode weights (${(e as Error).message})`);
  }
  const weights: WeightMap = {};
  for (const [name, t] of Object.entries(named)) {
    weights[name] = weightTensor(t.shape, Float32Array.from(t.dataSync()));
    t.dispose();
  }
  const source: WeightSource & { warnings: string[] } = {
    weights,
    origin: modelJsonPath,
    warnings: kerasWarnings(json),
  };
  const meta = json.userDefinedMetadata?.['transfusion'];
  if (meta && typeof meta === 'object' && 'spec' in meta) source.spec = parseStoredSpec(meta.spec, modelJsonPath);
  if (meta && typeof meta === 'object' && 'preprocessing' in meta && typeof meta.preprocessing === 'string')
    source.preprocessing = meta.preprocessing;
  else {
    const keras = kerasApplicationPreprocessing(weights);
    if (keras) source.preprocessing = keras;
  }
  return source;
}

/** Loads a full tfjs LayersModel from model.json + shards on disk (what tfjs-node's file:// handler does). */
export async function loadLayersModel(modelJsonPath: string): Promise<tf.LayersModel> {
  const json = await readModelJson(modelJsonPath);
  if (!json.modelTopology) throw new WeightsFileError(modelJsonPath, 'model.json has no modelTopology');
  const { specs, data } = await readShards(modelJsonPath, json);
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: data,
        format: 'layers-model',
      }),
    );
  } catch (e) {
    throw new WeightsFileError(modelJsonPath, `tfjs cannot build this topology (${(e as Error).message})`);
  }
}

/**
 * Writes the model as tfjs `model.save('file://dir')` would (model.json + group1-shardKofN.bin, shards of
 * `shardBytes` like tensorflowjs_converter's 4 MB default), with the zoo spec in userDefinedMetadata.
 */
export async function exportLayersModel(
  zm: ZooModel,
  dir: string,
  options: { shardBytes?: number; preprocessing?: string } = {},
): Promise<string> {
  const shardBytes = options.shardBytes ?? 4 * 1024 * 1024;
  const modelJsonPath = join(dir, 'model.json');
  await mkdir(dir, { recursive: true });
  await zm.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const all = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const n = Math.max(1, Math.ceil(all.byteLength / shardBytes));
      const paths = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
      for (const [i, p] of paths.entries())
        await writeFile(join(dir, p), all.subarray(i * shardBytes, (i + 1) * shardBytes));
      const json = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: '@transfusion/models',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
        userDefinedMetadata: {
          transfusion: {
            spec: zm.spec,
            ...(options.preprocessing !== undefined ? { preprocessing: options.preprocessing } : {}),
          },
        },
      };
      await writeFile(modelJsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return modelJsonPath;
}
